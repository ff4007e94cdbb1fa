// Package llmcompleter is the Engine's completer adapter: it implements
// the domain's model port (bots.Completer, bots.TokenStream, bots.Tokens
// and the optional ContextWindower and ImageTaker) over the
// chat-completions client, translating requests, results and errors
// between the two vocabularies. It is the only package besides
// cmd/mistralbot and config that imports llm, so the Engine and the
// adapters never see the wire client's types.
package llmcompleter

import (
	"context"
	"errors"
	"io"

	"mistralbot/bots"
	"mistralbot/llm"
)

// Client is a bots.Completer over an *llm.Client.
type Client struct {
	c *llm.Client
}

var (
	_ bots.Completer       = (*Client)(nil)
	_ bots.Tokens          = (*Client)(nil)
	_ bots.ContextWindower = (*Client)(nil)
	_ bots.ImageTaker      = (*Client)(nil)
	_ bots.TokenStream     = (*stream)(nil)
)

// New returns the completer over c.
func New(c *llm.Client) *Client { return &Client{c: c} }

// LLM returns the client underneath (for probing it at start).
func (c *Client) LLM() *llm.Client { return c.c }

// Stream implements bots.Completer.
func (c *Client) Stream(ctx context.Context, req bots.ModelRequest) (bots.TokenStream, error) {
	st, err := c.c.Stream(ctx, c.request(req))
	if err != nil {
		return nil, modelError(err)
	}
	return &stream{st: st}, nil
}

// request translates a domain request; FallbackModels stays nil (the
// client's configured fallbacks).
func (c *Client) request(r bots.ModelRequest) llm.Request {
	msgs := make([]llm.Message, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = llm.Message{Role: llm.Role(m.Role), Content: m.Content}
		toolMessage(m, &msgs[i])
		if len(m.Images) > 0 {
			msgs[i].Images = make([]llm.Image, len(m.Images))
			for j, im := range m.Images {
				msgs[i].Images[j] = llm.Image{URL: im.URL, Width: im.Width, Height: im.Height}
			}
		}
	}
	out := llm.Request{Model: r.Model, Messages: msgs, Temperature: r.Temperature, MaxTokens: r.MaxTokens, User: r.User}
	c.toolFields(r, &out)
	return out
}

// modelError classifies an llm failure into the domain's codes, keeping
// it as the cause (its text is what gets logged). Other errors (the
// context's) pass unchanged.
func modelError(err error) error {
	var le *llm.Error
	if !errors.As(err, &le) {
		return err
	}
	return &bots.ModelError{Code: bots.Code(le.Code), Model: le.Model,
		ContextTokens: le.ContextTokens, PromptTokens: le.PromptTokens, Err: err}
}

// stream is a bots.TokenStream over an *llm.Stream.
type stream struct{ st *llm.Stream }

// Next implements bots.TokenStream.
func (s *stream) Next() (string, error) {
	d, err := s.st.Next()
	if err != nil && err != io.EOF {
		err = modelError(err)
	}
	return d, err
}

// NextBytes is Next without a string per token (the Engine's optional
// capability): the text is valid until the following call.
func (s *stream) NextBytes() ([]byte, error) {
	d, err := s.st.NextBytes()
	if err != nil && err != io.EOF {
		err = modelError(err)
	}
	return d, err
}

// Result implements bots.TokenStream.
func (s *stream) Result() bots.ModelResult {
	r := s.st.Result()
	u := r.Usage
	out := bots.ModelResult{
		Model: r.Model, FinishReason: r.FinishReason, FirstToken: r.FirstToken,
		Usage: bots.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens,
			CostUSD: u.CostUSD, CostFromProvider: u.CostFromProvider, Estimated: u.Estimated},
		ContextTokens: r.ContextTokens, Truncated: r.Truncated, ImagesDropped: r.ImagesDropped,
	}
	toolResult(r, &out)
	return out
}

// Close implements bots.TokenStream.
func (s *stream) Close() error { return s.st.Close() }

// EstimateTokens implements bots.Tokens.
func (c *Client) EstimateTokens(text string) int { return llm.EstimateTokens(text) }

// MessageOverhead implements bots.Tokens.
func (c *Client) MessageOverhead() int { return llm.MessageOverhead }

// Ratio implements bots.Tokens: the client's estimator, which the client
// calibrates after every answer against the provider's prompt_tokens.
func (c *Client) Ratio() float64 { return c.c.Estimator().Ratio() }

// ImageTokens implements bots.Tokens by the model's encoder rule.
func (c *Client) ImageTokens(model string, w, h int) int { return llm.ImageTokens(model, w, h) }

// ContextWindow implements bots.ContextWindower.
func (c *Client) ContextWindow(model string) int { return c.c.ContextWindow(model).Tokens }

// TakesImages implements bots.ImageTaker.
func (c *Client) TakesImages(model string) bool { return c.c.TakesImages(model) }
