package llm

import (
	"bytes"
	"encoding/json"
)

// wireRequest is the JSON body of POST /chat/completions. Field order and
// omission are deliberate: Mistral's API rejects unknown fields with 422,
// so every dialect-specific field is a pointer or omitempty and set only
// for the dialect that accepts it.
type wireRequest struct {
	Model    string        `json:"model"`
	Models   []string      `json:"models,omitempty"` // OpenRouter fallbacks
	Messages []wireMessage `json:"messages"`
	Stream   bool          `json:"stream"`
	// StreamOptions asks OpenAI-compatible servers for the final usage
	// chunk. OpenRouter documents it (and Usage) as deprecated no-ops now
	// that usage is always sent; we keep sending both because they are
	// harmless there and older deployments and proxies still need them.
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
	Usage         *usageOption   `json:"usage,omitempty"`
	Temperature   *float64       `json:"temperature,omitempty"`
	// MaxTokens is max_tokens for every dialect: Mistral knows nothing
	// else, and OpenRouter, vLLM, Ollama and llama.cpp all accept it.
	MaxTokens int    `json:"max_tokens,omitempty"`
	User      string `json:"user,omitempty"`
	// Tools, ToolChoice and ParallelToolCalls: function calling
	// (toolwire.go); Mistral accepts all three.
	Tools             []wireTool `json:"tools,omitempty"`
	ToolChoice        any        `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool      `json:"parallel_tool_calls,omitempty"`
	// Plugins is OpenRouter's web search plugin (422 at Mistral).
	Plugins []wirePlugin `json:"plugins,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type usageOption struct {
	Include bool `json:"include"`
}

// encodeRequest returns the body asking model for req, with rest as
// OpenRouter's fallback list.
func encodeRequest(d Dialect, req Request, model string, rest []string) ([]byte, error) {
	w := wireRequest{
		Model:       model,
		Messages:    wireMessages(d, req.Messages),
		Stream:      true,
		Temperature: req.Temperature,
		MaxTokens:   max(req.MaxTokens, 0),
	}
	addTools(d, &w, req)
	switch d {
	case OpenRouter:
		if len(rest) > 0 {
			w.Models = append([]string{model}, rest...)
		}
		w.StreamOptions = &streamOptions{IncludeUsage: true}
		w.Usage = &usageOption{Include: true}
		w.User = req.User
		if ws := req.WebSearch; ws != nil {
			w.Plugins = []wirePlugin{{ID: "web", MaxResults: max(ws.MaxResults, 0)}}
		}
	case OpenAI:
		w.StreamOptions = &streamOptions{IncludeUsage: true}
		w.User = req.User
	case Mistral:
		// Nothing beyond the common fields: stream_options, user, seed
		// and max_completion_tokens are 422 there.
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // send user text as written, not \u003c
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
