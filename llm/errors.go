package llm

import (
	"errors"
	"fmt"
	"time"
)

// Code is the domain code of an error. The bots package maps it to what the
// user is told.
type Code string

// Error codes.
const (
	CodeInvalid     Code = "invalid"      // 400, 422: the request was refused as malformed
	CodeAuth        Code = "unauthorized" // 401, 403: the API key is missing, wrong or lacks permission
	CodeBudget      Code = "budget"       // 402: out of credits
	CodeNotFound    Code = "not_found"    // the model id is unknown or retired
	CodeRateLimited Code = "rate_limited" // 429
	CodeUnavailable Code = "unavailable"  // 5xx, 524, 529, connection errors, broken streams
	CodeTimeout     Code = "timeout"      // request timeout or a stalled stream
	CodeInternal    Code = "internal"     // anything we cannot classify
)

// Error is every failure the client returns.
type Error struct {
	Code Code
	// Status is the HTTP status, or the provider's error code for errors
	// reported inside a 200 stream; 0 for transport errors.
	Status int
	// Message is the provider's message (never contains the API key).
	Message string
	// Model is the model the request was for.
	Model string
	// RetryAfter is the provider's requested delay, when given.
	RetryAfter time.Duration
	// Partial is true when some text was already streamed before the
	// failure; that text was delivered through Next.
	Partial bool
	// ContextTokens and PromptTokens: with CodeContextLength, the window
	// and the prompt size the provider named (0 when it did not).
	ContextTokens int
	PromptTokens  int
	// Err is the underlying transport error, if any.
	Err error
	// ImagesRefused: the provider refused the request because the model
	// takes no image input (see imagesRefused); Code is then CodeInvalid.
	ImagesRefused bool
	// sent: the request had been written whole when the attempt failed:
	// the server may still process it (and bill it).
	sent bool
}

func (e *Error) Error() string {
	s := "llm: " + string(e.Code)
	if e.Status != 0 {
		s += fmt.Sprintf(" (%d)", e.Status)
	}
	if e.Model != "" {
		s += " model " + e.Model
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the Code of err when it is (or wraps) an *Error, and
// CodeInternal otherwise; it returns "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
