package llm

// chunk is the part of one chat.completion.chunk the client uses. The
// decoder fills it in place for every event; byte slices are views into
// the event data or the scanner's scratch and are valid until the next
// decode.
type chunk struct {
	id, model []byte
	// content is the visible text of the first choice (delta.content, or
	// message.content of a non-streamed answer). Reasoning fields are
	// never read; Mistral's array content keeps only its "text" parts.
	content      []byte
	finishReason []byte
	// errRaw is the JSON of a top-level or per-choice "error" that is not
	// null.
	errRaw []byte

	hasUsage         bool
	promptTokens     int
	completionTokens int
	cost             float64
	hasCost          bool

	parts []byte // reused buffer joining array content

	// tools are the tool_calls deltas of the first choice and cites its
	// url_citation annotations (toolchunk.go), views like the rest.
	tools []toolDelta
	cites []citeView
}

// decode parses data into c, resetting every field.
func (c *chunk) decode(s *scanner, data []byte) error {
	*c = chunk{parts: c.parts[:0], tools: c.tools[:0], cites: c.cites[:0]}
	s.reset(data)
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "id":
			return c.optString(s, &c.id)
		case "model":
			return c.optString(s, &c.model)
		case "choices":
			if s.null() {
				return nil
			}
			first := true
			return s.array(func() error {
				if !first {
					return s.skip()
				}
				first = false
				return c.choice(s)
			})
		case "usage":
			if s.null() {
				return nil
			}
			return c.usage(s)
		case "error":
			return c.optRaw(s, &c.errRaw)
		}
		return s.skip()
	})
	if err != nil {
		return err
	}
	if !s.atEnd() {
		return errSyntax
	}
	return nil
}

// choice decodes the first element of choices.
func (c *chunk) choice(s *scanner) error {
	return s.object(func(key []byte) error {
		switch string(key) {
		case "delta", "message":
			if s.null() {
				return nil
			}
			return s.object(func(key []byte) error {
				switch string(key) {
				case "content":
					return c.contentValue(s)
				case "tool_calls":
					return c.toolCalls(s)
				case "annotations":
					return c.annotations(s)
				}
				// role, reasoning, reasoning_content, reasoning_details,
				// refusal: not part of the visible reply.
				return s.skip()
			})
		case "finish_reason":
			return c.optString(s, &c.finishReason)
		case "error":
			return c.optRaw(s, &c.errRaw)
		}
		return s.skip()
	})
}

// contentValue decodes content: null, a string, or Mistral's array of
// typed chunks where only {"type":"text"} parts are visible (thinking
// parts are reasoning).
func (c *chunk) contentValue(s *scanner) error {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '"':
		v, err := s.str()
		c.content = v
		return err
	case '[':
	default:
		return errSyntax
	}
	err := s.array(func() error {
		if s.peek() == '"' {
			v, err := s.str()
			c.parts = append(c.parts, v...)
			return err
		}
		var typ, text []byte
		hasText := false
		err := s.object(func(key []byte) error {
			var err error
			switch string(key) {
			case "type":
				typ, err = s.str()
			case "text":
				if s.null() {
					return nil
				}
				text, err = s.str()
				hasText = true
			default:
				err = s.skip()
			}
			return err
		})
		if err == nil && hasText && (len(typ) == 0 || string(typ) == "text") {
			c.parts = append(c.parts, text...)
		}
		return err
	})
	c.content = c.parts
	return err
}

// usage decodes the usage object.
func (c *chunk) usage(s *scanner) error {
	c.hasUsage = true
	return s.object(func(key []byte) error {
		var err error
		var f float64
		switch string(key) {
		case "prompt_tokens":
			if s.null() {
				return nil
			}
			f, err = s.number()
			c.promptTokens = int(f)
		case "completion_tokens":
			if s.null() {
				return nil
			}
			f, err = s.number()
			c.completionTokens = int(f)
		case "cost":
			if s.null() {
				return nil
			}
			c.cost, err = s.number()
			c.hasCost = err == nil
		default:
			err = s.skip()
		}
		return err
	})
}

// optString decodes a string or null into *dst.
func (c *chunk) optString(s *scanner, dst *[]byte) error {
	if s.null() {
		return nil
	}
	v, err := s.str()
	*dst = v
	return err
}

// optRaw captures a value that is not null into *dst.
func (c *chunk) optRaw(s *scanner, dst *[]byte) error {
	if s.null() {
		return nil
	}
	v, err := s.raw()
	*dst = v
	return err
}
