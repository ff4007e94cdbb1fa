package bots

import (
	"context"
	"errors"
	"time"
)

// The model port: what the Engine asks of a language model, in the
// domain's own types. The one implementation over the chat-completions
// client is bots/engine/llmcompleter; the Engine's unit tests use an
// in-memory one. Keeping llm's types out of the domain lets the Engine be
// tested without HTTP and keeps the wire client's types out of adapters.

// Completer starts model requests.
type Completer interface {
	// Stream sends req and returns its answer as it streams. It blocks
	// until the provider accepted the request (or every retry and
	// fallback failed). Errors are *ModelError (or the context's).
	Stream(ctx context.Context, req ModelRequest) (TokenStream, error)
}

// TokenStream is one answer being streamed by the model.
type TokenStream interface {
	// Next returns the next piece of visible text. It returns io.EOF once
	// the answer is complete; any other error (a *ModelError) ends the
	// answer, after the text already returned. It blocks until text
	// arrives.
	Next() (string, error)
	// Result describes the answer; complete once Next returned an error.
	Result() ModelResult
	// Close ends the request (safe at any time, more than once).
	Close() error
}

// Role is the author of a message sent to the model.
type Role string

// Roles.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// ModelMessage is one message of a prompt. Images (user messages only)
// are sent after the text.
type ModelMessage struct {
	Role    Role
	Content string
	Images  []Image
	// ToolCalls (assistant messages) records a tool round's calls;
	// ToolCallID and Name (RoleTool messages) say which call a result
	// answers (toolcalls.go).
	ToolCalls  []ToolCall `json:",omitempty"`
	ToolCallID string     `json:",omitempty"`
	Name       string     `json:",omitempty"`
}

// ModelRequest is one chat completion.
type ModelRequest struct {
	// Model is the model id; empty means the completer's default.
	Model    string
	Messages []ModelMessage
	// Temperature is sent when non-nil.
	Temperature *float64
	// MaxTokens bounds the reply; 0 leaves it to the provider.
	MaxTokens int
	// User is an opaque end-user id for abuse tracking.
	User string
	// Tools are the functions the model may call; NoToolCalls forbids
	// calling them this round (tool_choice none: the last round of a
	// tool loop out of rounds or budget). WebSearch has the provider
	// search the web (where it can) and return its sources as Citations.
	Tools       []ToolSpec
	NoToolCalls bool
	WebSearch   bool
}

// Usage is what one completion consumed.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	// CostUSD is the provider-reported cost when CostFromProvider, else
	// the cost computed from configured prices.
	CostUSD          float64
	CostFromProvider bool
	// Estimated is true when the provider sent no usage and the counts
	// are estimates.
	Estimated bool
}

// Total returns prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// ModelResult describes a finished (or failed) answer.
type ModelResult struct {
	// Model is the model that actually answered (may be a fallback).
	Model string
	// FinishReason is the last finish_reason ("stop", "length", ...).
	FinishReason string
	Usage        Usage
	// FirstToken is the delay from the request to the first visible text.
	FirstToken time.Duration
	// ContextTokens is the window known for the model (0: none);
	// Truncated is true when the provider counted at least that many
	// prompt tokens: it cut the prompt from the front (Ollama).
	ContextTokens int
	Truncated     bool
	// ImagesDropped is true when the request's images were not sent.
	ImagesDropped bool
	// ToolCalls are the calls the model asked for in this round, once
	// Next returned io.EOF; Citations the web search's sources.
	ToolCalls []ToolCall
	Citations []Citation
}

// Code is the domain code of a model failure: what the asker is told
// (outcome.go) and the metrics label.
type Code string

// Codes.
const (
	CodeInvalid       Code = "invalid"        // the request was refused as malformed
	CodeContextLength Code = "context_length" // the prompt exceeds the model's window
	CodeAuth          Code = "unauthorized"   // the key is missing, wrong or lacks permission
	CodeBudget        Code = "budget"         // out of credits
	CodeNotFound      Code = "not_found"      // the model id is unknown or retired
	CodeRateLimited   Code = "rate_limited"   // the provider's rate limit
	CodeUnavailable   Code = "unavailable"    // 5xx, connection errors, broken streams
	CodeTimeout       Code = "timeout"        // request timeout or a stalled stream
	CodeInternal      Code = "internal"       // anything unclassified
)

// ModelError is a classified model failure. Its text is the cause's.
type ModelError struct {
	Code Code
	// Model is the model the request was for ("" when unknown).
	Model string
	// ContextTokens and PromptTokens are, with CodeContextLength, the
	// window and the prompt size the provider named (0 when it did not).
	ContextTokens int
	PromptTokens  int
	// Err is the completer's own error.
	Err error
}

func (e *ModelError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return "model: " + string(e.Code)
}

func (e *ModelError) Unwrap() error { return e.Err }

// CodeOf returns the Code of err when it is (or wraps) a *ModelError,
// CodeInternal for any other error, "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var me *ModelError
	if errors.As(err, &me) {
		return me.Code
	}
	return CodeInternal
}

// Tokens is the model side's token arithmetic the Engine trims prompts
// by. No tokenizer exists for these models: estimates are calibrated
// against the provider's counts by whoever sees them (the completer).
type Tokens interface {
	// EstimateTokens is the uncalibrated estimate of text.
	EstimateTokens(text string) int
	// MessageOverhead is what a chat template adds around one message.
	MessageOverhead() int
	// Ratio is the calibration factor, actual/estimated (1 when unknown).
	Ratio() float64
	// ImageTokens is the prompt cost of a w x h image on model.
	ImageTokens(model string, w, h int) int
}

// ContextWindower is an optional Completer capability: the context window
// the server stated for a model (GET /models, Ollama's API, a
// context-length refusal; 0 when unknown), which wins over the configured
// one when smaller.
type ContextWindower interface {
	ContextWindow(model string) int
}

// ImageTaker is an optional Completer capability: whether a model takes
// image input (the live /models listing, refusals seen, the catalogue).
// A Completer without it is sent no images.
type ImageTaker interface {
	TakesImages(model string) bool
}

// DefaultImageMaxSide is the longest side of an image sent by default:
// what Mistral Small's encoder reads (llmcompleter checks it against the
// client's rule).
const DefaultImageMaxSide = 1540
