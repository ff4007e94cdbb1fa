package llm

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// API SKETCH: the llm helper fills in the bodies and may add fields and
// methods, but keeps these signatures.

// Options configure a Client.
type Options struct {
	Dialect Dialect
	// BaseURL is the API base, e.g. https://openrouter.ai/api/v1.
	BaseURL string
	APIKey  string
	// Model is the default model; FallbackModels are tried in order when
	// it is unavailable.
	Model          string
	FallbackModels []string
	// Headers are extra request headers (OpenRouter: HTTP-Referer, X-Title).
	Headers map[string]string
	// Timeout bounds a whole request including the stream; IdleTimeout the
	// silence between two chunks (default 30s).
	Timeout     time.Duration
	IdleTimeout time.Duration
	// MaxRetries bounds retries before the first byte (default 3);
	// BackoffBase/BackoffMax shape the exponential backoff with jitter.
	MaxRetries  int
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Prices in USD per million tokens, used when the provider reports no
	// cost.
	PriceInputPerMTok  float64
	PriceOutputPerMTok float64
	HTTPClient         *http.Client
	Logger             *slog.Logger
}

// Client streams chat completions. Safe for concurrent use.
type Client struct {
	opts Options
}

// New validates opts and returns a Client.
func New(opts Options) (*Client, error) { return &Client{opts: opts}, nil }

// Stream sends req and returns the open stream once the provider answered
// with a stream (after any retries and fallbacks). Errors are *Error.
func (c *Client) Stream(ctx context.Context, req Request) (*Stream, error) {
	return nil, errors.New("llm: not implemented")
}

// Models lists the models the provider offers (GET /models).
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	return nil, errors.New("llm: not implemented")
}

// Stream is one streamed completion. Not safe for concurrent use; Close it.
type Stream struct{}

// Next returns the next piece of visible reply text (reasoning is hidden).
// It returns io.EOF after a complete stream, and an *Error when the stream
// fails; text returned before the error is the partial reply.
func (s *Stream) Next() (string, error) { return "", errors.New("llm: not implemented") }

// Result describes the stream; complete after Next returned io.EOF or an
// error.
func (s *Stream) Result() Result { return Result{} }

// Close releases the connection.
func (s *Stream) Close() error { return nil }
