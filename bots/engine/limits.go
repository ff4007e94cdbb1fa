package engine

import (
	"context"
	"sync"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// limitHit is a refused request: which limit, and when it resets.
type limitHit struct {
	// name is the limit for logs and metrics: "rate", "daily_tokens",
	// "daily_usd".
	name  string
	key   i18n.Key
	limit any // the limit's value, for the texts that name it
	reset time.Time
	e     *Engine
}

// text renders the localized refusal, naming the limit and the reset time
// in UTC.
func (h *limitHit) text(lang string) string {
	if h.limit == nil {
		return h.e.tr(lang, h.key, resetClock(h.reset))
	}
	return h.e.tr(lang, h.key, h.limit, resetClock(h.reset))
}

// resetClock formats a reset time the way every catalog shows it:
// "14:03 UTC".
func resetClock(t time.Time) string { return t.UTC().Format("15:04") + " UTC" }

// nextMidnight returns the next UTC midnight after t.
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// checkLimits applies the budgets before anything is sent to the LLM
// (limits) and logs and counts a refusal.
func (e *Engine) checkLimits(ctx context.Context, msg bots.Message) *limitHit {
	hit := e.limits(ctx, msg)
	if hit != nil {
		e.limitReached(msg, hit)
	}
	return hit
}

// limits reports the first budget msg is over, in order: the bot-wide
// daily USD cap, the channel's daily tokens, then the asker's rate. The
// three store calls go side by side (one round trip to wait for, issue
// 12), so the rate is taken even when a cap refuses: a refused asker
// loses nothing by it. Store errors are logged and the request allowed:
// the limits protect the budget, they must not take the bot down with the
// store. (A message's rate is taken by its admission: admit.go.)
func (e *Engine) limits(ctx context.Context, msg bots.Message) *limitHit {
	var rate *limitHit
	if hit := e.caps(ctx, msg, func() { rate = e.takeRate(ctx, msg) }); hit != nil {
		return hit
	}
	return rate
}

// caps reports the first daily cap msg is over (the bot's USD, then the
// channel's tokens), reading both side by side, and runs beside them the
// caller's other store call (the rate, or a message's admission), so that
// all of them cost one round trip.
func (e *Engine) caps(ctx context.Context, msg bots.Message, beside func()) *limitHit {
	now := e.now()
	var usd, tokens *limitHit
	var wg sync.WaitGroup
	if e.opts.DailyUSDCap > 0 {
		wg.Go(func() {
			t, err := e.stores.usage.Usage(ctx, bots.ScopeGlobal, "", bots.Day(now))
			switch {
			case err != nil:
				e.log.WarnContext(ctx, "daily cost check failed; allowing", "err", err)
			case t.CostUSD >= e.opts.DailyUSDCap:
				usd = e.newHit("daily_usd", i18n.LimitDailyUSD, nil, nextMidnight(now))
			}
		})
	}
	if e.opts.DailyTokensPerChannel > 0 {
		wg.Go(func() {
			t, err := e.stores.usage.Usage(ctx, bots.ScopeChannel, msg.SettingsID(), bots.Day(now))
			switch {
			case err != nil:
				e.log.WarnContext(ctx, "channel tokens check failed; allowing", "err", err)
			case t.Tokens() >= e.opts.DailyTokensPerChannel:
				tokens = e.newHit("daily_tokens", i18n.LimitChannelTokens, e.opts.DailyTokensPerChannel, nextMidnight(now))
			}
		})
	}
	beside()
	wg.Wait()
	if usd != nil {
		return usd
	}
	return tokens
}

// rateTake is the event msg counts against its asker's rate; nil when
// there is no rate limit.
func (e *Engine) rateTake(msg bots.Message) *bots.RateTake {
	if e.opts.RatePerUser <= 0 {
		return nil
	}
	return &bots.RateTake{Key: "rate:" + bots.UserID(msg.Key.Platform, msg.UserID),
		Limit: e.opts.RatePerUser, Window: time.Minute, Now: e.now()}
}

// takeRate counts msg against its asker's rate and reports the hit when
// the rate refuses it.
func (e *Engine) takeRate(ctx context.Context, msg bots.Message) *limitHit {
	r := e.rateTake(msg)
	if r == nil {
		return nil
	}
	ok, reset, err := e.stores.claims.Take(ctx, r.Key, r.Limit, r.Window, r.Now)
	switch {
	case err != nil:
		e.log.WarnContext(ctx, "rate check failed; allowing", "user", bots.UserID(msg.Key.Platform, msg.UserID), "err", err)
	case !ok:
		return e.rateHit(reset)
	}
	return nil
}

// rateHit is the refusal by the asker's rate, until reset.
func (e *Engine) rateHit(reset time.Time) *limitHit {
	return e.newHit("rate", i18n.LimitUserRate, e.opts.RatePerUser, reset)
}

func (e *Engine) newHit(name string, key i18n.Key, limit any, reset time.Time) *limitHit {
	return &limitHit{name: name, key: key, limit: limit, reset: reset, e: e}
}

// limitReached logs and counts a refusal by a limit.
func (e *Engine) limitReached(msg bots.Message, h *limitHit) {
	e.log.Info("limit reached", "limit", h.name, "user", bots.UserID(msg.Key.Platform, msg.UserID),
		"channel", msg.SettingsID(), "reset", h.reset.UTC())
	e.refused(msg.Key.Platform, h.name)
}

// noticeWindow is how long a user told about a limit is not told again:
// the later refused messages of a flood get no public notice each (issue
// 12: 295 notices for one flooder). The notice itself says when to ask
// again, so nothing is refused without the asker having been told.
const noticeWindow = time.Minute

// noticeCacheSize bounds the users remembered as told (per limit).
const noticeCacheSize = 1 << 14

// firstNotice reports whether the asker of msg is to be told about the
// limit named (not told within noticeWindow); a repeat is counted as
// refused "<name>_repeat" and logged at debug, and gets nothing.
func (e *Engine) firstNotice(ctx context.Context, msg bots.Message, name string) bool {
	user := bots.UserID(msg.Key.Platform, msg.UserID)
	if e.notices.Claim(struct{}{}, name+":"+user) {
		return true
	}
	e.log.DebugContext(ctx, "limit notice already given; refused without a notice", "limit", name, "user", user, "key", msg.Key.String())
	e.refused(msg.Key.Platform, name+"_repeat")
	return false
}
