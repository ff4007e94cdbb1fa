package llmtest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Model is one entry of GET /models.
type Model struct {
	ID            string
	Name          string
	ContextLength int
	// Prices in USD per token, as OpenRouter lists them; used for the
	// usage cost OpenRouter streams.
	PromptPrice     float64
	CompletionPrice float64
	// TextOnly models take no image input: the listing says so
	// (OpenRouter input_modalities ["text"], Mistral capabilities.vision
	// false) and a request with images is refused (refuseImages).
	TextOnly bool
	// NoTools models take no tools: the listing says so (OpenRouter's
	// supported_parameters without "tools", Mistral capabilities.
	// function_calling false) and a request with tools is refused as
	// with Options.NoTools.
	NoTools bool
}

// DefaultModels is the listing a dialect serves when Options.Models is nil.
func DefaultModels(d Dialect) []Model {
	switch d {
	case OpenRouter:
		return []Model{
			{ID: "mistralai/mistral-small-3.2-24b-instruct", Name: "Mistral: Mistral Small 3.2 24B", ContextLength: 128000, PromptPrice: 0.000000075, CompletionPrice: 0.0000002},
			{ID: "mistralai/mistral-small-2603", Name: "Mistral: Mistral Small 4", ContextLength: 262144, PromptPrice: 0.00000015, CompletionPrice: 0.0000006},
			{ID: "mistralai/mistral-medium-3.1", Name: "Mistral: Mistral Medium 3.1", ContextLength: 131072, PromptPrice: 0.0000004, CompletionPrice: 0.000002},
		}
	case Mistral:
		return []Model{
			{ID: "mistral-small-latest", Name: "mistral-small-2506", ContextLength: 131072},
			{ID: "mistral-small-2506", Name: "mistral-small-2506", ContextLength: 131072},
			{ID: "mistral-large-latest", Name: "mistral-large-2512", ContextLength: 262144},
		}
	}
	return []Model{{ID: "mistral-small", Name: "mistral-small", ContextLength: 32768}}
}

// models returns the listing without retired ids.
func (s *Server) models() []Model {
	ms := s.opts.Models
	if ms == nil {
		ms = DefaultModels(s.opts.Dialect)
	}
	return slices.DeleteFunc(slices.Clone(ms), func(m Model) bool {
		return slices.Contains(s.opts.Retired, m.ID)
	})
}

// prices returns a model's per-token prices (a small default for models
// not listed, so OpenRouter's cost is never zero).
func (s *Server) prices(model string) (float64, float64) {
	for _, m := range s.models() {
		if m.ID == model {
			return m.PromptPrice, m.CompletionPrice
		}
	}
	return 0.0000001, 0.0000003
}

// serveModels answers GET /models in the dialect's shape.
func (s *Server) serveModels(w http.ResponseWriter) {
	var b strings.Builder
	switch s.opts.Dialect {
	case OpenRouter:
		b.WriteString(`{"data":[`)
		for i, m := range s.models() {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%s,"canonical_slug":%s,"hugging_face_id":"","name":%s,"created":1750000000,"description":"","context_length":%d,"architecture":{"modality":%s,"input_modalities":%s,"output_modalities":["text"],"tokenizer":"Mistral","instruct_type":null},"pricing":{"prompt":%s,"completion":%s,"request":"0","image":"0","web_search":"0","internal_reasoning":"0"},"top_provider":{"context_length":%d,"max_completion_tokens":null,"is_moderated":false},"per_request_limits":null,"supported_parameters":["max_tokens","temperature","top_p","stop","seed","response_format"%s]}`,
				q(m.ID), q(m.ID), q(m.Name), m.ContextLength, q(modality(m)), inputModalities(m), q(price(m.PromptPrice)), q(price(m.CompletionPrice)), m.ContextLength, toolParams(m))
		}
		b.WriteString(`]}`)
	case Mistral:
		b.WriteString(`{"object":"list","data":[`)
		for i, m := range s.models() {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%s,"object":"model","created":1750000000,"owned_by":"mistralai","capabilities":{"completion_chat":true,"completion_fim":false,"function_calling":%t,"fine_tuning":false,"vision":%t,"classification":false},"name":%s,"description":"","max_context_length":%d,"aliases":[],"deprecation":null,"default_model_temperature":0.3,"type":"base"}`,
				q(m.ID), !m.NoTools, !m.TextOnly, q(m.Name), m.ContextLength)
		}
		b.WriteString(`]}`)
	default:
		if s.kind() != VLLM {
			s.serveLocalModels(&b)
			break
		}
		b.WriteString(`{"object":"list","data":[`)
		for i, m := range s.models() {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":%s,"object":"model","created":1750000000,"owned_by":"vllm","root":%s,"parent":null,"max_model_len":%d}`,
				q(m.ID), q(m.ID), s.window(m))
		}
		b.WriteString(`]}`)
	}
	writeJSON(w, http.StatusOK, b.String(), "")
}

// price formats a per-token price as OpenRouter does ("0.000000075").
func price(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// window is the context a local server runs a model with: ContextTokens
// when set, else the model's own.
func (s *Server) window(m Model) int {
	if s.opts.ContextTokens > 0 {
		return s.opts.ContextTokens
	}
	return m.ContextLength
}

// serveLocalModels writes llama-server's /v1/models (the runtime n_ctx
// under meta, NousResearch/hermes-agent#64904) or Ollama's (ids with their
// tag, no context at all).
func (s *Server) serveLocalModels(b *strings.Builder) {
	b.WriteString(`{"object":"list","data":[`)
	for i, m := range s.models() {
		if i > 0 {
			b.WriteString(",")
		}
		if s.kind() == Ollama {
			fmt.Fprintf(b, `{"id":%s,"object":"model","created":1750000000,"owned_by":"library"}`, q(ollamaName(m.ID)))
			continue
		}
		fmt.Fprintf(b, `{"id":%s,"object":"model","created":1750000000,"owned_by":"llamacpp","meta":{"vocab_type":2,"n_vocab":131072,"n_ctx_train":%d,"n_embd":5120,"n_params":23572403200,"size":14333238272,"n_ctx":%d}}`,
			q(m.ID), m.ContextLength, s.window(m))
	}
	b.WriteString(`]}`)
}

// modality and inputModalities are OpenRouter's architecture fields.
func modality(m Model) string {
	if m.TextOnly {
		return "text->text"
	}
	return "text+image->text"
}

func inputModalities(m Model) string {
	if m.TextOnly {
		return `["text"]`
	}
	return `["text","image"]`
}

// toolParams is the tail of OpenRouter's supported_parameters.
func toolParams(m Model) string {
	if m.NoTools {
		return ""
	}
	return `,"tools","tool_choice"`
}

// listedNoTools reports whether the listing marks model as taking no
// tools.
func (s *Server) listedNoTools(model string) bool {
	for _, m := range s.models() {
		if m.ID == model {
			return m.NoTools
		}
	}
	return false
}
