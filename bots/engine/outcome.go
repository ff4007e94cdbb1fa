package engine

import (
	"context"
	"errors"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

func (e *Engine) done(s bots.ReplyStats) {
	if e.opts.Observer != nil {
		e.opts.Observer.ReplyDone(s)
	}
}

func (e *Engine) refused(p bots.Platform, reason string) {
	if e.opts.Observer != nil {
		e.opts.Observer.Refused(p, reason)
	}
}

// failure maps an answer's error to the sentence the user is told and the
// outcome: the one place where llm error codes meet the catalogs. work is
// the Engine's run context (cancelled = shutdown cut), ctx the reply's own
// (deadline = ReplyTimeout); model is the model asked for ("" = the
// client's default), named when it does not exist.
func (e *Engine) failure(work, ctx context.Context, err error, lang, model string) (string, bots.Outcome) {
	if work.Err() != nil {
		return e.tr(lang, i18n.Interrupted), bots.OutcomeInterrupted
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return e.tr(lang, i18n.ErrTimeout), bots.OutcomeError
	}
	var me *bots.ModelError
	if errors.As(err, &me) && me.Code == bots.CodeContextLength && me.ContextTokens > 0 {
		// Still too long after trimming to the window (answerPlan.stream).
		return e.tr(lang, i18n.MessageTooLong, me.ContextTokens), bots.OutcomeError
	}
	key := errorText(bots.CodeOf(err))
	if key == i18n.ErrModelNotFound {
		if errors.As(err, &me) && me.Model != "" {
			model = me.Model
		}
		return e.tr(lang, key, model), bots.OutcomeError
	}
	return e.tr(lang, key), bots.OutcomeError
}

// errorText is the catalog key for an llm error code.
func errorText(c bots.Code) i18n.Key {
	switch c {
	case bots.CodeInvalid, bots.CodeContextLength:
		return i18n.ErrInvalid
	case bots.CodeAuth:
		return i18n.ErrAuth
	case bots.CodeBudget:
		return i18n.ErrBudget
	case bots.CodeNotFound:
		return i18n.ErrModelNotFound
	case bots.CodeRateLimited:
		return i18n.ErrRateLimited
	case bots.CodeUnavailable:
		return i18n.ErrUnavailable
	case bots.CodeTimeout:
		return i18n.ErrTimeout
	}
	return i18n.ErrInternal
}
