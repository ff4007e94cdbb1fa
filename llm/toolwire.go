package llm

import (
	"encoding/json"
	"strings"
)

// The request shapes of function calling. Every dialect takes OpenAI's:
//
//	"tools":[{"type":"function","function":{"name":...,"description":...,"parameters":{...}}}]
//	"tool_choice":"auto"|"none"|"required"|{"type":"function","function":{"name":...}}
//	assistant {"role":"assistant","content":"","tool_calls":[{"id":...,"type":"function","function":{"name":...,"arguments":"{...}"}}]}
//	tool      {"role":"tool","content":...,"tool_call_id":...}
//
// (https://openrouter.ai/docs/features/tool-calling; vLLM, llama.cpp and
// Ollama's /v1 follow OpenAI). Mistral's differences
// (https://docs.mistral.ai/capabilities/function_calling/): "any" is its
// word for required (its API schema also lists "required", mistral-openapi
// ToolChoiceEnum, but "any" is what the docs send), its tool messages
// carry the function's "name" next to tool_call_id, and tool call ids
// must be 9 characters of a-z, A-Z, 0-9 (toolids.go).

type wireTool struct {
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

type wireFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

type wireToolCall struct {
	ID       string           `json:"id"`
	Type     string           `json:"type"`
	Function wireFunctionCall `json:"function"`
}

type wireFunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type wireNamedChoice struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// wirePlugin is OpenRouter's web search plugin, {"id":"web"}
// (https://openrouter.ai/docs/features/web-search; the ":online" model
// suffix is the same plugin). OpenRouter now documents an
// "openrouter:web_search" server tool in the tools array as its successor
// (https://openrouter.ai/docs/guides/features/server-tools, beta); the
// plugin is what every model takes today.
type wirePlugin struct {
	ID         string `json:"id"`
	MaxResults int    `json:"max_results,omitempty"`
}

// noParameters is the schema of a tool without arguments: some servers
// refuse a function without "parameters".
var noParameters = json.RawMessage(`{"type":"object","properties":{}}`)

// addTools fills the request's function-calling fields.
func addTools(d Dialect, w *wireRequest, req Request) {
	if len(req.Tools) == 0 {
		return
	}
	w.Tools = make([]wireTool, len(req.Tools))
	for i, t := range req.Tools {
		p := t.Parameters
		if p == nil {
			p = noParameters
		}
		w.Tools[i] = wireTool{Type: "function", Function: wireFunction{Name: t.Name, Description: t.Description, Parameters: p}}
	}
	w.ParallelToolCalls = req.ParallelToolCalls
	switch c := req.ToolChoice; c.Mode {
	case "":
	case ToolChoiceFunction:
		var n wireNamedChoice
		n.Type, n.Function.Name = "function", c.Function
		w.ToolChoice = n
	case ToolChoiceRequired:
		if d == Mistral {
			w.ToolChoice = "any"
		} else {
			w.ToolChoice = string(ToolChoiceRequired)
		}
	default:
		w.ToolChoice = string(c.Mode)
	}
}

// invalidCallName stands in for a call the model sent without a name:
// the history must still pair the call with its (error) result, and no
// provider takes an empty function name.
const invalidCallName = "invalid_tool_call"

// addToolFields copies a message's tool calls or tool-result fields,
// with ids rewritten by ids (toolIDMap).
func addToolFields(d Dialect, w *wireMessage, m Message, ids map[string]string) {
	for _, c := range m.ToolCalls {
		name, args := c.Name, strings.TrimSpace(c.Arguments)
		if name == "" {
			name = invalidCallName
		}
		if !jsonObject([]byte(args)) {
			// A malformed call is answered with its error as the result;
			// echoing bytes that are not JSON would make the provider
			// refuse the whole history instead.
			args = "{}"
		}
		w.ToolCalls = append(w.ToolCalls, wireToolCall{ID: mapID(ids, c.ID), Type: "function", Function: wireFunctionCall{Name: name, Arguments: args}})
	}
	if m.Role != RoleTool {
		return
	}
	w.ToolCallID = mapID(ids, m.ToolCallID)
	if d == Mistral {
		w.Name = m.Name
		if w.Name == "" {
			w.Name = invalidCallName
		}
	}
}

func mapID(ids map[string]string, id string) string {
	if v, ok := ids[id]; ok {
		return v
	}
	return id
}
