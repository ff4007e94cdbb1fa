package bots

import (
	"context"
	"errors"
	"time"

	"mistralbot/bots/i18n"
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

func (e *Engine) done(s ReplyStats) {
	if e.opts.Observer != nil {
		e.opts.Observer.ReplyDone(s)
	}
}

func (e *Engine) refused(p Platform, reason string) {
	if e.opts.Observer != nil {
		e.opts.Observer.Refused(p, reason)
	}
}

// failure maps an answer's error to the sentence the user is told and the
// outcome: the one place where llm error codes meet the catalogs. work is
// the Engine's run context (cancelled = shutdown cut), ctx the reply's own
// (deadline = ReplyTimeout); model is the model asked for ("" = the
// client's default), named when it does not exist.
func (e *Engine) failure(work, ctx context.Context, err error, lang, model string) (string, Outcome) {
	if work.Err() != nil {
		return e.tr(lang, i18n.Interrupted), OutcomeInterrupted
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return e.tr(lang, i18n.ErrTimeout), OutcomeError
	}
	var me *ModelError
	if errors.As(err, &me) && me.Code == CodeContextLength && me.ContextTokens > 0 {
		// Still too long after trimming to the window (answerPlan.stream).
		return e.tr(lang, i18n.MessageTooLong, me.ContextTokens), OutcomeError
	}
	key := errorText(CodeOf(err))
	if key == i18n.ErrModelNotFound {
		if errors.As(err, &me) && me.Model != "" {
			model = me.Model
		}
		return e.tr(lang, key, model), OutcomeError
	}
	return e.tr(lang, key), OutcomeError
}

// errorText is the catalog key for an llm error code.
func errorText(c Code) i18n.Key {
	switch c {
	case CodeInvalid, CodeContextLength:
		return i18n.ErrInvalid
	case CodeAuth:
		return i18n.ErrAuth
	case CodeBudget:
		return i18n.ErrBudget
	case CodeNotFound:
		return i18n.ErrModelNotFound
	case CodeRateLimited:
		return i18n.ErrRateLimited
	case CodeUnavailable:
		return i18n.ErrUnavailable
	case CodeTimeout:
		return i18n.ErrTimeout
	}
	return i18n.ErrInternal
}
