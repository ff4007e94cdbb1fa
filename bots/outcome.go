package bots

import (
	"time"
)

// Outcome is how a reply ended, for metrics and logs.
type Outcome string

// Reply outcomes.
const (
	OutcomeOK          Outcome = "ok"          // complete answer
	OutcomeLength      Outcome = "length"      // answer stopped at MaxTokens (with a notice)
	OutcomeCutOff      Outcome = "partial"     // partial answer, then an error (with a notice)
	OutcomeError       Outcome = "error"       // no answer: the localized error message
	OutcomeInterrupted Outcome = "interrupted" // shutdown: partial or none, with a notice
	OutcomeStopped     Outcome = "stopped"     // stopped by a click: partial or none, with a notice
)

// ReplyStats describe one finished reply.
type ReplyStats struct {
	Platform Platform
	Outcome  Outcome
	// Model is the model that answered ("" when none did).
	Model string
	// ErrorCode is the llm error code when the answer failed or was cut.
	ErrorCode Code
	Usage     Usage
	// Queued is the wait for a worker; FirstToken the delay from the LLM
	// request to its first text; Total the time from the message's arrival
	// in the Engine to the final text.
	Queued, FirstToken, Total time.Duration
	// EventToFirstCall is the time from the message's arrival to the first
	// platform call for it (opening the reply); FirstVisible the time from
	// the first token to the first text posted, when the Reply tells it
	// (bots.Streamer does). Zero when unknown.
	EventToFirstCall, FirstVisible time.Duration
}

// Observer receives what the Engine did, for metrics. Methods are called
// synchronously from the Engine's goroutines and must return quickly.
type Observer interface {
	// ReplyDone is called once per reply that was queued.
	ReplyDone(s ReplyStats)
	// Refused is called when a request is refused before reaching the
	// model: reason is "duplicate", "busy", "pending" (the asker's
	// MaxPendingPerUser), "rate", "daily_tokens" or "daily_usd"; a refusal
	// whose asker was already told within the minute is reported a second
	// time with "_repeat" appended ("rate_repeat"): it got no notice.
	Refused(p Platform, reason string)
}
