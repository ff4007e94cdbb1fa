package llm

// The tool-call and citation parts of a chunk. What servers send in
// delta.tool_calls, by shape (the assembler, toolcalls.go, takes all):
//
//	OpenAI split   first {"index":0,"id":"call_..","type":"function","function":{"name":"f","arguments":""}},
//	               then  {"index":0,"function":{"arguments":"{\""}} ... in many chunks
//	               (OpenRouter as recorded in opencode's
//	               openai-compatible-chat/openrouter-streams-tool-call.json;
//	               vLLM; llama-server with --jinja, ggml-org/llama.cpp#12379, #28261)
//	whole call     one element with id, name and all arguments (Mistral: every call
//	               of a round in one delta, each with its own index, comet-ml/opik#7385;
//	               Ollama: one chunk per call, g0t4/ask-openai.nvim's captures;
//	               Together sends the arguments with finish_reason in the same chunk)
//	no index       Ollama before the fix of ollama/ollama#7881: each call whole,
//	               without "index"
//	object args    "arguments" as a JSON object instead of a string (Ollama's
//	               native shape, seen through proxies)
//
// and in delta.annotations (or message.annotations), OpenRouter's web
// search sources (https://openrouter.ai/docs/features/web-search,
// "Parsing web search results"):
//
//	{"type":"url_citation","url_citation":{"url":..,"title":..,"content":..,"start_index":..,"end_index":..}}

// toolDelta is one element of a chunk's tool_calls; byte slices are views
// valid until the next decode.
type toolDelta struct {
	index    int
	hasIndex bool
	id, name []byte
	args     []byte
	// argsValue: arguments came as a JSON value (object), not a string
	// fragment: it is the whole arguments.
	argsValue bool
}

// citeView is one url_citation annotation.
type citeView struct {
	url, title []byte
}

// toolCalls decodes a tool_calls array (null: none).
func (c *chunk) toolCalls(s *scanner) error {
	if s.null() {
		return nil
	}
	return s.array(func() error {
		if s.null() {
			return nil
		}
		var d toolDelta
		err := s.object(func(key []byte) error {
			switch string(key) {
			case "index":
				if s.null() {
					return nil
				}
				f, err := s.number()
				if err == nil && f >= 0 && f < 1<<20 {
					d.index, d.hasIndex = int(f), true
				}
				return err
			case "id":
				return c.optString(s, &d.id)
			case "function":
				if s.null() {
					return nil
				}
				return s.object(func(key []byte) error {
					switch string(key) {
					case "name":
						return c.optString(s, &d.name)
					case "arguments":
						switch s.peek() {
						case 'n':
							return s.literal("null")
						case '"':
							v, err := s.str()
							d.args = v
							return err
						}
						v, err := s.raw()
						d.args, d.argsValue = v, true
						return err
					}
					return s.skip()
				})
			}
			return s.skip() // type
		})
		if err == nil {
			c.tools = append(c.tools, d)
		}
		return err
	})
}

// annotations decodes an annotations array, keeping url citations.
func (c *chunk) annotations(s *scanner) error {
	if s.null() {
		return nil
	}
	return s.array(func() error {
		if s.peek() != '{' {
			return s.skip()
		}
		var typ []byte
		var v citeView
		err := s.object(func(key []byte) error {
			switch string(key) {
			case "type":
				return c.optString(s, &typ)
			case "url_citation":
				if s.null() {
					return nil
				}
				return s.object(func(key []byte) error {
					switch string(key) {
					case "url":
						return c.optString(s, &v.url)
					case "title":
						return c.optString(s, &v.title)
					}
					return s.skip()
				})
			case "url": // the flat form some proxies send
				return c.optString(s, &v.url)
			case "title":
				return c.optString(s, &v.title)
			}
			return s.skip()
		})
		if err == nil && len(v.url) > 0 && (len(typ) == 0 || string(typ) == "url_citation") {
			c.cites = append(c.cites, v)
		}
		return err
	})
}
