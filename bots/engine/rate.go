package engine

import (
	"context"
	"time"

	"mistralbot/bots"
)

// rateWindowLen is the fixed window of bot.rate_per_user.
const rateWindowLen = time.Minute

// rateWindow is one asker's current window as this process counts it.
type rateWindow struct {
	start time.Time // now truncated to rateWindowLen
	n     int       // questions allowed here in the window
	// full: the store said the window is used up (the other replicas'
	// questions count there too).
	full bool
}

// rateCacheSize bounds the askers whose window is remembered.
const rateCacheSize = 1 << 14

// takeRate counts one question of msg's asker against RatePerUser and
// reports whether it is allowed and when the window resets.
//
// The window is counted in process, so the question waits for no store
// round trip (issue 12: the rate was a third sequential call); the store's
// window (Claimer.Take, shared by the replicas) is told in the background
// and is the backup: when it says the window is used up, by this replica's
// questions or another's, the next questions here are refused until the
// window resets. Several replicas may so allow up to one question each
// beyond the limit per window, and a restart forgets its own count (the
// store's answer then refuses from the second question on): a bounded
// leak, where the store's answer itself would cost every question a round
// trip.
func (e *Engine) takeRate(ctx context.Context, msg bots.Message, now time.Time) (bool, time.Time) {
	user := bots.UserID(msg.Key.Platform, msg.UserID)
	start := now.Truncate(rateWindowLen)
	reset := start.Add(rateWindowLen)
	e.rateMu.Lock()
	w, ok := e.rates.Get(user)
	if !ok || !w.start.Equal(start) {
		w = rateWindow{start: start}
	}
	allowed := !w.full && w.n < e.opts.RatePerUser
	if allowed {
		w.n++
	}
	e.rates.Put(user, w)
	e.rateMu.Unlock()
	if allowed {
		ctx := context.WithoutCancel(ctx)
		e.background(func() { e.shareRate(ctx, user, start, now) })
	}
	return allowed, reset
}

// shareRate counts an allowed question in the store's window, within
// StoreWait; a full window there marks this process's window full. A store
// error is logged: the in-process count still holds.
func (e *Engine) shareRate(ctx context.Context, user string, start, now time.Time) {
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	ok, _, err := e.stores.claims.Take(ctx, "rate:"+user, e.opts.RatePerUser, rateWindowLen, now)
	switch {
	case err != nil:
		e.log.WarnContext(ctx, "shared rate count failed; counting on this process", "user", user, "err", err)
		return
	case ok:
		return
	}
	e.rateMu.Lock()
	defer e.rateMu.Unlock()
	if w, found := e.rates.Get(user); found && w.start.Equal(start) {
		w.full = true
		e.rates.Put(user, w)
	}
}
