package llmtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// writeError answers status with the dialect's error envelope (as in
// openrouter-errors.json and mistral-errors.json), or with body verbatim.
func (s *Server) writeError(w http.ResponseWriter, status int, msg, body, retryAfter string) {
	if body == "" {
		body = s.envelope(status, msg)
	}
	writeJSON(w, status, body, retryAfter)
}

func (s *Server) envelope(status int, msg string) string {
	if msg == "" {
		msg = s.defaultMessageFor(status)
	}
	switch s.opts.Dialect {
	case OpenRouter:
		meta := ""
		switch {
		case status == 429:
			meta = `,"metadata":{"error_type":"rate_limit_exceeded"}`
		case status >= 500:
			meta = `,"metadata":{"error_type":"provider_unavailable","provider_name":"Mistral"}`
		}
		user := `,"user_id":"user_2abc"` // as captured: absent for 401 and 5xx
		if status == 401 || status >= 500 {
			user = ""
		}
		return `{"error":{"code":` + itoa(status) + `,"message":` + q(msg) + meta + `}` + user + `}`
	case Mistral:
		switch status {
		case 401:
			return `{"detail":` + q(msg) + `}`
		case 429:
			return `{"object":"error","message":` + q(msg) + `,"type":"rate_limited","param":null,"code":"1300"}`
		}
		typ := "invalid_request_error"
		if status >= 500 {
			typ = "internal_server_error"
		}
		return `{"object":"error","message":` + q(msg) + `,"type":"` + typ + `","param":null,"code":null}`
	}
	typ := "invalid_request_error"
	switch {
	case status == 429:
		typ = "rate_limit_exceeded"
	case status >= 500:
		typ = "server_error"
	}
	return `{"error":{"message":` + q(msg) + `,"type":"` + typ + `","param":null,"code":` + itoa(status) + `}}`
}

func (s *Server) defaultMessageFor(status int) string {
	if status == 401 && s.opts.Dialect == Mistral {
		return "Unauthorized"
	}
	if status == 429 && s.opts.Dialect == Mistral {
		return "Rate limit exceeded"
	}
	return defaultMessage(status)
}

// defaultMessage is the provider's usual wording for a status.
func defaultMessage(status int) string {
	switch status {
	case 400:
		return "Bad request"
	case 401:
		return "No auth credentials found"
	case 402:
		return "Insufficient credits. Add more using https://openrouter.ai/credits"
	case 403:
		return "Forbidden"
	case 404:
		return "Not found"
	case 408:
		return "Request timed out"
	case 429:
		return "Rate limit exceeded"
	case 502:
		return "Provider returned error"
	case 503:
		return "Service unavailable"
	case 524:
		return "Provider timed out"
	case 529:
		return "Provider overloaded"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error " + itoa(status)
}

// writeRetired answers a request for a retired or unknown model.
func (s *Server) writeRetired(w http.ResponseWriter, model string) {
	switch s.opts.Dialect {
	case OpenRouter:
		if s.opts.RetiredStatus == http.StatusBadRequest {
			writeJSON(w, 400, `{"error":{"code":400,"message":`+q(model+" is not a valid model ID")+`,"metadata":{"error_type":"invalid_request"}},"user_id":"user_2abc"}`, "")
			return
		}
		writeJSON(w, 404, `{"error":{"code":404,"message":`+q("No endpoints found for "+model+".")+`},"user_id":"user_2abc"}`, "")
	case Mistral:
		writeJSON(w, 400, `{"object":"error","message":`+q("Invalid model: "+model)+`,"type":"invalid_request_error","param":"model","code":"unknown_model"}`, "")
	default:
		writeJSON(w, 404, `{"error":{"message":`+q("The model `"+model+"` does not exist.")+`,"type":"NotFoundError","param":null,"code":404}}`, "")
	}
}

// mistralAccepts reports whether Mistral's chat completions API accepts
// a request field; anything else is a 422 there.
func mistralAccepts(field string) bool {
	switch field {
	case "model", "messages", "temperature", "top_p", "max_tokens", "stream",
		"stop", "random_seed", "response_format", "tools", "tool_choice",
		"presence_penalty", "frequency_penalty", "n", "prediction",
		"parallel_tool_calls", "prompt_mode", "safe_prompt":
		return true
	}
	return false
}

// mistralExtraFields returns Mistral's 422 body for the first field of a
// chat request it does not accept (in body order), or "".
func mistralExtraFields(body []byte) string { return mistralExtra(body, mistralAccepts) }

// mistralExtra returns Mistral's 422 body for the first field accepts
// refuses (in body order), or "".
func mistralExtra(body []byte, accepts func(string) bool) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		var val json.RawMessage
		if dec.Decode(&val) != nil {
			return ""
		}
		if accepts(key) {
			continue
		}
		loc := `["body",` + q(key) + `]`
		input := string(val)
		if k, v, ok := firstMember(val); ok { // a nested key, as in the fixture
			loc = `["body",` + q(key) + `,` + q(k) + `]`
			input = string(v)
		}
		return `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":` + loc + `,"msg":"Extra inputs are not permitted","input":` + input + `}]},"type":"invalid_request_error","param":null,"code":null}`
	}
	return ""
}

// firstMember returns the first member of a JSON object.
func firstMember(obj json.RawMessage) (string, json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') || !dec.More() {
		return "", nil, false
	}
	t, err := dec.Token()
	key, _ := t.(string)
	var val json.RawMessage
	if err != nil || dec.Decode(&val) != nil {
		return "", nil, false
	}
	return key, val, true
}

func writeJSON(w http.ResponseWriter, status int, body, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// q quotes s as a JSON string, leaving <, > and & alone like the
// providers do.
func q(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func itoa(n int) string { return strconv.Itoa(n) }
