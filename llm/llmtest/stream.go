package llmtest

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// streamer writes one streamed answer in the server's dialect. The chunk
// layouts copy the fixtures field for field.
type streamer struct {
	srv   *Server
	w     http.ResponseWriter
	r     *http.Request
	sc    Scenario
	req   chatRequest
	model string
	seq   int
	buf   bytes.Buffer
	// native, when set, is OpenRouter's native_finish_reason of the
	// chunks that carry a finish_reason.
	native string
	// prompt, when set, is the prompt_tokens reported (Ollama's after a
	// truncation).
	prompt int
}

func (st *streamer) dialect() Dialect { return st.srv.opts.Dialect }

// id is the generation id: OpenRouter "gen-<created>-<20 chars>", Mistral
// 32 hex digits, generic "chatcmpl-<hex>". Deterministic per request.
func (st *streamer) id() string {
	h := uint64(st.seq)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	switch st.dialect() {
	case OpenRouter:
		const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		var b [20]byte
		x := h
		for i := range b {
			b[i] = alnum[x%uint64(len(alnum))]
			x = x/uint64(len(alnum)) ^ (h << uint(i%7))
		}
		return fmt.Sprintf("gen-%d-%s", st.created(), b[:])
	case Mistral:
		return fmt.Sprintf("%016x%016x", h, h*0xBF58476D1CE4E5B9)
	}
	return fmt.Sprintf("chatcmpl-%016x", h)
}

func (st *streamer) created() int { return 1760000000 + st.seq }

func (st *streamer) delay() bool {
	d := st.sc.Delay
	if d == 0 {
		d = st.srv.opts.Delay
	}
	return st.srv.wait(st.r, d)
}

// send writes one SSE event (or comment) and flushes it.
func (st *streamer) send(line string) bool {
	if _, err := fmt.Fprintf(st.w, "%s\n\n", line); err != nil {
		return false
	}
	return http.NewResponseController(st.w).Flush() == nil
}

// run streams the answer: the opening, the content, then the tool calls,
// citations, finish and usage in the order each dialect sends them.
func (st *streamer) run() {
	if !st.open() {
		return
	}
	toks := st.sc.replyTokens(lastUserText(st.req.messages()))
	tools, toolToks := st.toolChunks()
	cites := st.citationDelta()
	extra := len(tools) > 0 || cites != ""
	finish := "stop"
	if len(tools) > 0 {
		finish = "tool_calls"
	}
	completion := len(toks) + toolToks
	if !st.content(toks, extra, finish, completion) {
		return
	}
	if st.sc.Fault != NoFault && st.sc.FailAfter >= len(toks) && !st.inject() {
		return
	}
	if cites != "" && (!st.delay() || !st.send("data: "+st.chunk(cites, "", ""))) {
		return
	}
	if !st.finish(tools, extra, finish, completion) {
		return
	}
	if st.dialect() != Mistral && !st.sc.NoUsage && st.wantsUsage() {
		if !st.send("data: " + st.usageChunk(completion, finish, extra)) {
			return
		}
	}
	st.send("data: [DONE]")
}

// open sends the headers, the keep-alive comments, Mistral's role chunk
// and the reasoning; false when the client went away.
func (st *streamer) open() bool {
	h := st.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	st.w.WriteHeader(http.StatusOK)
	// Headers go out at once, as the providers send them before the
	// first token.
	if http.NewResponseController(st.w).Flush() != nil {
		return false
	}
	comment := ": ping"
	if st.dialect() == OpenRouter {
		comment = ": OPENROUTER PROCESSING"
	}
	for range st.sc.KeepAlive {
		if !st.send(comment) {
			return false
		}
	}
	if st.dialect() == Mistral && !st.send("data: "+st.chunk(`{"role":"assistant","content":""}`, "", "")) {
		return false
	}
	for _, piece := range pieces(st.sc.Reasoning, 12) {
		if st.sc.Think {
			break
		}
		if !st.delay() || !st.send("data: "+st.chunk(st.reasoningDelta(piece), "", "")) {
			return false
		}
	}
	return true
}

// content sends the reply's tokens, one chunk each, with the scripted
// delays and fault; without extra chunks to follow, the last carries the
// finish reason (and Mistral's usage). false when the stream ended.
func (st *streamer) content(toks []string, extra bool, reason string, completion int) bool {
	for i, tok := range toks {
		if st.sc.Fault != NoFault && i == st.sc.FailAfter && !st.inject() {
			return false
		}
		if i == 0 && st.sc.FirstDelay > 0 {
			if !st.srv.wait(st.r, st.sc.FirstDelay) {
				return false
			}
		} else if !st.delay() {
			return false
		}
		last := i == len(toks)-1
		fr, usage := "", ""
		if last && !extra {
			fr = reason
			if st.dialect() == Mistral && !st.sc.NoUsage {
				usage = st.usage(completion)
			}
		}
		if !st.send("data: " + st.chunk(st.contentDelta(tok), fr, usage)) {
			return false
		}
		st.trace(i == 0, last)
	}
	return true
}

// finish sends the tool calls and, after tool calls or citations, the
// chunk with the finish reason. Mistral sends the calls, finish_reason and
// usage in one chunk; the others a chunk per call first. false when the
// client went away.
func (st *streamer) finish(tools []string, extra bool, reason string, completion int) bool {
	mistralCalls := st.dialect() == Mistral && len(tools) > 0
	for _, data := range tools {
		if mistralCalls {
			break
		}
		if !st.delay() || !st.send("data: "+st.chunk(data, "", "")) {
			return false
		}
	}
	if !extra {
		return true
	}
	usage := ""
	if st.dialect() == Mistral && !st.sc.NoUsage {
		usage = st.usage(completion)
	}
	delta := st.finishDelta()
	if mistralCalls {
		delta = tools[0]
	}
	if len(tools) > 0 {
		st.native = "stop" // OpenRouter's native_finish_reason, as recorded
	}
	return st.delay() && st.send("data: "+st.chunk(delta, reason, usage))
}

// trace reports the first and last content chunks to Options.Trace.
func (st *streamer) trace(first, last bool) {
	f := st.srv.opts.Trace
	if f == nil || (!first && !last) {
		return
	}
	user, now := lastUserText(st.req.messages()), time.Now()
	if first {
		f(Trace{Event: TraceFirstToken, LastUser: user, At: now})
	}
	if last {
		f(Trace{Event: TraceLastToken, LastUser: user, At: now})
	}
}

// wantsUsage: OpenRouter always sends usage now; generic servers only
// when stream_options.include_usage asked for it.
func (st *streamer) wantsUsage() bool {
	if st.dialect() == OpenRouter {
		return true
	}
	return st.req.StreamOptions != nil && st.req.StreamOptions.IncludeUsage
}

// inject plays the scenario's fault and reports whether the stream goes
// on afterwards (only after a malformed chunk).
func (st *streamer) inject() bool {
	switch st.sc.Fault {
	case Malformed:
		return st.send(`data: {"id":"` + st.id() + `","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"oops`)
	case MidStreamError:
		st.send("data: " + st.errorChunk())
	case Disconnect:
		// Return: net/http ends the body cleanly, without [DONE].
	case Reset:
		rc := http.NewResponseController(st.w)
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
		}
	case Stall:
		select {
		case <-st.r.Context().Done():
			st.srv.clientGone()
		case <-st.srv.done:
		}
	}
	return false
}

func (st *streamer) contentDelta(text string) string {
	if st.dialect() == OpenRouter {
		return `{"role":"assistant","content":` + q(text) + `}`
	}
	return `{"content":` + q(text) + `}`
}

func (st *streamer) reasoningDelta(text string) string {
	switch st.dialect() {
	case OpenRouter:
		return `{"role":"assistant","content":"","reasoning":` + q(text) + `}`
	case Mistral:
		return `{"content":[{"type":"thinking","thinking":[{"type":"text","text":` + q(text) + `}]}]}`
	}
	return `{"reasoning_content":` + q(text) + `}`
}

// chunk renders one chat.completion.chunk.
func (st *streamer) chunk(delta, finish, usage string) string {
	fr, native := "null", "null"
	if finish != "" {
		fr, native = q(finish), q(finish)
		if st.native != "" {
			native = q(st.native)
		}
	}
	b := &st.buf
	b.Reset()
	switch st.dialect() {
	case OpenRouter:
		fmt.Fprintf(b, `{"id":%s,"provider":"Mistral","model":%s,"object":"chat.completion.chunk","created":%d,"choices":[{"index":0,"delta":%s,"finish_reason":%s,"native_finish_reason":%s,"logprobs":null}]`,
			q(st.id()), q(st.model), st.created(), delta, fr, native)
	case Mistral:
		fmt.Fprintf(b, `{"id":%s,"object":"chat.completion.chunk","created":%d,"model":%s,"choices":[{"index":0,"delta":%s,"finish_reason":%s}]`,
			q(st.id()), st.created(), q(st.model), delta, fr)
	default:
		fmt.Fprintf(b, `{"id":%s,"object":"chat.completion.chunk","created":%d,"model":%s,"choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]`,
			q(st.id()), st.created(), q(st.model), delta, fr)
	}
	if usage != "" {
		b.WriteString(`,"usage":` + usage)
	}
	b.WriteString("}")
	return b.String()
}

// usageChunk is the final usage chunk: OpenRouter's captured form (one
// empty-delta choice) or documented form (choices: []), or the generic
// choices: [].
func (st *streamer) usageChunk(completion int, finish string, extra bool) string {
	u := st.usage(completion)
	if st.dialect() == OpenRouter {
		choices := `[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]`
		if extra && finish == "tool_calls" {
			// As recorded: the usage chunk repeats the finish of a tool round.
			choices = `[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"tool_calls","native_finish_reason":"stop"}]`
		}
		if st.sc.UsageEmptyChoices {
			choices = `[]`
		}
		return fmt.Sprintf(`{"id":%s,"provider":"Mistral","model":%s,"object":"chat.completion.chunk","created":%d,"choices":%s,"usage":%s}`,
			q(st.id()), q(st.model), st.created(), choices, u)
	}
	return fmt.Sprintf(`{"id":%s,"object":"chat.completion.chunk","created":%d,"model":%s,"choices":[],"usage":%s}`,
		q(st.id()), st.created(), q(st.model), u)
}

// usage renders the usage object. Prompt tokens are a deterministic count
// (a token per four bytes plus four per message), so tests can predict
// them with PromptTokens.
func (st *streamer) usage(completion int) string {
	prompt := PromptTokens(st.req.messages())
	if st.prompt > 0 {
		prompt = st.prompt
	}
	if st.dialect() != OpenRouter {
		return fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, prompt, completion, prompt+completion)
	}
	in, out := st.srv.prices(st.model)
	cost := strconv.FormatFloat(float64(prompt)*in+float64(completion)*out, 'g', -1, 64)
	if st.sc.UsageEmptyChoices { // the documented form is the short one
		return fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"cost":%s}`, prompt, completion, prompt+completion, cost)
	}
	return fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"cost":%s,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":0}}`,
		prompt, completion, prompt+completion, cost)
}

// PromptTokens is the prompt_tokens the server reports for msgs.
func PromptTokens(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += (len(m.Content)+3)/4 + 4
		for _, c := range m.ToolCalls {
			n += (len(c.Name)+len(c.Arguments)+3)/4 + 4
		}
		for _, im := range m.Images {
			n += ImageTokens(im.Width, im.Height)
		}
	}
	return n
}

// errorChunk is OpenRouter's mid-stream error, as in the fixture.
func (st *streamer) errorChunk() string {
	msg := st.sc.Message
	if msg == "" {
		msg = "Provider disconnected unexpectedly"
	}
	return fmt.Sprintf(`{"id":%s,"object":"chat.completion.chunk","created":%d,"model":%s,"provider":"Mistral","error":{"code":502,"message":%s,"metadata":{"error_type":"provider_unavailable"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`,
		q(st.id()), st.created(), q(st.model), q(msg))
}

// whole answers with a complete non-streamed completion.
func (st *streamer) whole() {
	toks := st.sc.replyTokens(lastUserText(st.req.messages()))
	text := strings.Join(toks, "")
	calls, finish := "", "stop"
	if cs := st.scriptedCalls(); len(cs) > 0 {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = fmt.Sprintf(`{"id":%s,"type":"function","function":{"name":%s,"arguments":%s}}`, q(c.ID), q(c.Name), q(c.Arguments))
		}
		calls, finish = `,"tool_calls":[`+strings.Join(parts, ",")+`]`, "tool_calls"
	}
	body := fmt.Sprintf(`{"id":%s,"object":"chat.completion","created":%d,"model":%s,"choices":[{"index":0,"message":{"role":"assistant","content":%s%s},"finish_reason":%s}],"usage":%s}`,
		q(st.id()), st.created(), q(st.model), q(text), calls, q(finish), st.usage(len(toks)+len(st.sc.ToolCalls)))
	writeJSON(st.w, http.StatusOK, body, "")
}
