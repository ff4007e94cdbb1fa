// Package llm is mistralbot's OpenAI-compatible streaming chat-completions
// client. It speaks three dialects (OpenRouter, Mistral's API and generic
// OpenAI-compatible servers), turns every failure into a typed *Error, and
// reports usage and cost. It is a leaf: it imports no project package.
package llm

import "time"

// Dialect selects the wire details of one provider family.
type Dialect string

// The dialects the client speaks.
const (
	// OpenRouter adds the models fallback list, attribution headers and
	// reads usage.cost.
	OpenRouter Dialect = "openrouter"
	// Mistral is Mistral's own API: it rejects unknown fields with 422, so
	// stream_options, user, seed and max_completion_tokens are never sent.
	Mistral Dialect = "mistral"
	// OpenAI is any generic OpenAI-compatible server (vLLM, Ollama,
	// llama.cpp); it gets stream_options.include_usage.
	OpenAI Dialect = "openai"
)

// Role is the author of a chat message.
type Role string

// Chat roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one chat message sent to the model. Content is its text;
// Images, when set (user messages only), make it a multimodal message:
// the request then carries Content as a text part followed by one
// image_url part per image, in the dialect's shape (encodeRequest).
// ToolCalls (assistant messages) records the calls of a tool round;
// ToolCallID and Name (RoleTool messages) say which call a result
// answers: build both with AssistantToolCalls and ToolResult.
type Message struct {
	Role       Role       `json:"role"`
	Content    string     `json:"content"`
	Images     []Image    `json:"-"`
	ToolCalls  []ToolCall `json:"-"`
	ToolCallID string     `json:"-"`
	Name       string     `json:"-"`
}

// Image is one image of a message, already encoded for sending.
type Image struct {
	// URL is a data: URL ("data:image/jpeg;base64,...").
	URL string
	// Width and Height are the image's pixels, for ImageTokens.
	Width, Height int
}

// Request is one chat completion request. The client always streams.
type Request struct {
	// Model is the model id; empty means the client's default model.
	Model string
	// FallbackModels are tried in order when Model is unavailable; nil
	// means the client's configured fallbacks.
	FallbackModels []string
	Messages       []Message
	// Temperature is sent when non-nil.
	Temperature *float64
	// MaxTokens bounds the reply; 0 leaves it to the provider.
	MaxTokens int
	// User is an opaque end-user id for abuse tracking (not sent to Mistral).
	User string
	// Tools are the functions the model may call (tools.go); ToolChoice
	// is sent only with tools. ParallelToolCalls, when set, allows or
	// forbids several calls in one round.
	Tools             []Tool
	ToolChoice        ToolChoice
	ParallelToolCalls *bool
	// WebSearch, when set, has the provider search the web (OpenRouter
	// only: see WebSearchAvailable); sources come back in
	// Result.Citations.
	WebSearch *WebSearch
}

// Usage is what one completion consumed.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// CostUSD is the provider-reported cost when CostFromProvider, else the
	// cost computed from configured prices (0 when none are configured).
	CostUSD          float64
	CostFromProvider bool
	// Estimated is true when the provider sent no usage and the token counts
	// are the client's estimate.
	Estimated bool
}

// Total returns prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Result describes a finished (or failed) stream.
type Result struct {
	// ID is the provider's generation id (OpenRouter "gen-...").
	ID string
	// Model is the model that actually answered (may be a fallback).
	Model string
	// FinishReason is the last finish_reason seen ("stop", "length", ...).
	FinishReason string
	Usage        Usage
	// FirstToken is the delay from sending the request to the first
	// visible text.
	FirstToken time.Duration
	// ContextTokens is the window the client knew for the model (0: none).
	// Truncated is true when the provider counted prompt_tokens of at
	// least that window: a server that silently cuts an overlong prompt
	// from the front (Ollama) did so, the answer may lack the start of
	// the conversation, and the count is not used for calibration.
	ContextTokens int
	Truncated     bool
	// ImagesDropped is true when the request's images were not sent: the
	// model takes no image input (known, or refused and retried as text).
	ImagesDropped bool
	// ToolCalls are the calls the model asked for, in order, once the
	// stream is complete (Next returned io.EOF; never after an error).
	// Run them whenever there are any, whatever FinishReason says
	// ("tool_calls" from most servers, "stop" from some): see tools.go.
	ToolCalls []ToolCall
	// Citations are the sources a web search returned, without
	// duplicates, in the order they came.
	Citations []Citation
}

// ModelInfo is one entry of GET /models.
type ModelInfo struct {
	ID            string
	Name          string
	ContextLength int
	// ContextSource names the field ContextLength came from
	// ("context_length", "max_model_len", "meta.n_ctx", ...).
	ContextSource string
	// Prices in USD per million tokens; 0 when unknown.
	PriceInputPerMTok  float64
	PriceOutputPerMTok float64
	// Images says whether the model takes image input: OpenRouter's
	// architecture.input_modalities, Mistral's capabilities.vision.
	Images ImageSupport
	// NoTools: the listing says the model takes no tools (OpenRouter's
	// supported_parameters lacks "tools", Mistral's
	// capabilities.function_calling is false); false when it says
	// nothing.
	NoTools bool
}
