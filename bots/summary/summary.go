// Package summary is the domain logic of "catch me up": thread and channel
// summaries made map-reduce style within a model's context window, their
// prompts, their cost estimate, the span a user asks for and the mention
// phrases that ask for one. It imports no platform and no llm package: the
// Engine hands it a Completer and the catalogue prices it knows, so the
// logic is tested with plain fakes and the wire with llmtest.
package summary

import (
	"context"
	"time"
)

// Message is one message of the span being summarized, oldest first.
type Message struct {
	// ID is the platform's message id (Slack ts, Discord snowflake).
	ID string
	// Author is the display name of who wrote it.
	Author string
	Text   string
	Time   time.Time
	// Link is the message's permalink ("" when the platform gave none);
	// the summary's references to the message become links to it.
	Link string
}

// Request is one model call of a summary: a system message, one user
// message, and the reply budget.
type Request struct {
	System    string
	User      string
	MaxTokens int
}

// Reply is the model's answer to a Request with the tokens it cost (the
// provider's counts, or the client's estimate when it sent none).
type Reply struct {
	Text             string
	PromptTokens     int
	CompletionTokens int
	// CostUSD is the provider-reported or price-computed cost; 0 when
	// unknown.
	CostUSD float64
}

// Completer runs one model call to completion. It blocks until the whole
// reply arrived or ctx ends, and returns the client's error (already
// retried where the client retries) otherwise.
type Completer interface {
	Complete(ctx context.Context, req Request) (Reply, error)
}

// Prices are USD per million tokens, as the llm catalogue or config knows
// them; zero prices give a zero USD estimate.
type Prices struct {
	InPerMTok  float64
	OutPerMTok float64
}

// USD is the cost of in prompt and out completion tokens.
func (p Prices) USD(in, out int) float64 {
	return (float64(in)*p.InPerMTok + float64(out)*p.OutPerMTok) / 1e6
}
