package llmtest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ToolCall is one tool call: scripted in Scenario.ToolCalls (the model
// asks for it), or recorded in a request's assistant message.
type ToolCall struct {
	// ID is the call id; empty in a script means the server's own kind of
	// id (OpenRouter "call_..." or, for Mistral models, 9 characters;
	// Mistral 9 characters; vLLM "chatcmpl-tool-..."; Ollama
	// "call_xxxxxxxx"; llama.cpp 32 characters).
	ID   string
	Name string
	// Arguments is sent as is: a script may give invalid JSON to play a
	// malformed call.
	Arguments string
}

// Citation is a web search source the OpenRouter dialect returns as a
// url_citation annotation (Scenario.Citations).
type Citation struct {
	URL, Title string
}

// wireToolCall is a tool call as a request carries it.
type wireToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

func (c chatRequest) toolNames() []string {
	var out []string
	for _, t := range c.Tools {
		out = append(out, t.Function.Name)
	}
	return out
}

func rawOrEmpty(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// mistralToolID is Mistral's rule: 9 characters of a-z, A-Z, 0-9.
func mistralToolID(id string) bool {
	if len(id) != 9 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// refuseTools answers what a server says about a request's tools (true:
// answered):
//   - Options.NoTools: the server takes no tools, in its words: OpenRouter
//     404 "No endpoints found that support tool use..." (evalstate/fast-agent#122),
//     Ollama 400 "<model> does not support tools" (ollama/ollama#5793),
//     vLLM 400 "\"auto\" tool choice requires --enable-auto-tool-choice..."
//     (ogx-ai/ogx#1185), llama.cpp 500 "Unsupported param: tools"
//     (ggml-org/llama.cpp#10920). Mistral's API takes tools for every model.
//   - Mistral's tool call id rule, on Mistral's API (400
//     invalid_request_error, langchain-ai/langchain#24668) and on Mistral
//     models behind OpenRouter (400 "Provider returned error" wrapping
//     Mistral's invalid_function_call 3280, openclaw/openclaw#57672).
//   - a tool result answering no earlier call (OpenAI's wording; the
//     fake applies it in every dialect).
func (s *Server) refuseTools(w http.ResponseWriter, req chatRequest, msgs []Message) bool {
	if (s.opts.NoTools || s.listedNoTools(req.Model)) && len(req.Tools) > 0 && s.opts.Dialect != Mistral {
		switch {
		case s.opts.Dialect == OpenRouter:
			writeJSON(w, http.StatusNotFound, `{"error":{"message":"No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing","code":404}}`, "")
		case s.kind() == Ollama:
			writeJSON(w, http.StatusBadRequest, `{"error":{"message":`+q(req.Model+" does not support tools")+`,"type":"api_error","param":null,"code":null}}`, "")
		case s.kind() == LlamaCpp:
			writeJSON(w, http.StatusInternalServerError, `{"error":{"code":500,"message":"Unsupported param: tools","type":"server_error"}}`, "")
		default:
			writeJSON(w, http.StatusBadRequest, `{"object":"error","message":"\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set","type":"BadRequestError","param":null,"code":400}`, "")
		}
		return true
	}
	mistralRule := s.opts.Dialect == Mistral || s.opts.Dialect == OpenRouter && strings.HasPrefix(req.Model, "mistralai/")
	calls := map[string]bool{}
	for _, m := range msgs {
		ids := []string{m.ToolCallID}
		for _, c := range m.ToolCalls {
			ids = append(ids, c.ID)
		}
		for _, id := range ids {
			if id == "" || !mistralRule || mistralToolID(id) {
				continue
			}
			msg := "Tool call id was " + id + " but must be a-z, A-Z, 0-9, with a length of 9."
			if s.opts.Dialect == Mistral {
				writeJSON(w, http.StatusBadRequest, `{"object":"error","message":`+q(msg)+`,"type":"invalid_request_error","param":null,"code":null}`, "")
			} else {
				raw := `{"object":"error","message":` + q(msg) + `,"type":"invalid_function_call","param":null,"code":"3280","raw_status_code":400}`
				writeJSON(w, http.StatusBadRequest, `{"error":{"message":"Provider returned error","code":400,"metadata":{"raw":`+q(raw)+`,"provider_name":"Mistral"}},"user_id":"user_2abc"}`, "")
			}
			return true
		}
		for _, c := range m.ToolCalls {
			calls[c.ID] = true
		}
		if m.Role == "tool" && !calls[m.ToolCallID] {
			s.writeError(w, http.StatusBadRequest, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", "", "")
			return true
		}
	}
	return false
}
