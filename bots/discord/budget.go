package discord

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"mistralbot/bots/pace"
)

// budget paces the calls on one Discord rate-limit bucket (the message
// writes of a channel, the webhook of an interaction). It starts from a
// guess (5 calls per 5 s) and follows what Discord says in the
// X-RateLimit-* headers of every response: the bucket's limit, the calls
// remaining in the current window and when it resets. Discord's windows are
// fixed, so a budget counts calls per window instead of refilling
// continuously. Mandatory calls (Wait) go before optional ones (Allow), and
// Allow keeps one call of each window in reserve for them.
type budget struct {
	mu        sync.Mutex
	limit     int
	window    time.Duration
	remaining int
	reset     time.Time // end of the current window
	guessed   bool      // reset is our estimate, not Discord's
	waiters   int
	now       func() time.Time
	wake      chan struct{} // closed and replaced when the budget grows
	lastUsed  time.Time
}

var _ pace.Throttle = (*budget)(nil)

func newBudget(limit int, window time.Duration, now func() time.Time) *budget {
	return &budget{limit: limit, window: window, remaining: limit, now: now, wake: make(chan struct{})}
}

// roll starts a new window when the current one has ended; b.mu is held.
func (b *budget) roll(now time.Time) {
	b.lastUsed = now
	if !now.Before(b.reset) {
		b.remaining = b.limit
		b.reset = now.Add(b.window)
		b.guessed = true
	}
}

// Allow implements pace.Throttle: an optional call may go when no
// mandatory call waits and more than one call is left in the window.
func (b *budget) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	if b.waiters > 0 || b.remaining <= 1 {
		return false
	}
	b.remaining--
	return true
}

// Wait implements pace.Throttle: it blocks until the window has a call
// left (or a new window starts), then takes it.
func (b *budget) Wait(ctx context.Context) error {
	return pace.WaitTurn(ctx, &b.mu, &b.waiters, func() (bool, time.Duration, <-chan struct{}) {
		now := b.now()
		b.roll(now)
		if b.remaining > 0 {
			b.remaining--
			return true, 0, nil
		}
		return false, b.reset.Sub(now), b.wake
	})
}

// observe adjusts the budget to a response's rate-limit headers, received
// at now. The server's window ends at or before now+Reset-After, so taking
// the later of the two ends keeps the budget on the safe side.
func (b *budget) observe(h http.Header, now time.Time) {
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	after, err3 := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 || remaining < 0 || after < 0 {
		return
	}
	reset := now.Add(time.Duration(after * float64(time.Second)))
	b.mu.Lock()
	defer b.mu.Unlock()
	grew := limit > b.limit
	b.limit = limit
	if w := time.Duration(after * float64(time.Second)); remaining == limit-1 && w > 0 {
		// The first call of a window tells its length.
		b.window = w
	}
	switch {
	case b.guessed:
		// Our window end was a guess: the server's replaces it.
		b.guessed = false
		b.reset = reset
		b.remaining = min(b.remaining, remaining)
	case reset.After(b.reset.Add(b.window / 2)):
		// A window we did not know about (opened by another process using
		// the same token).
		b.reset, b.remaining = reset, remaining
	default:
		b.remaining = min(b.remaining, remaining)
		if reset.After(b.reset) {
			b.reset = reset
		}
	}
	if grew {
		close(b.wake)
		b.wake = make(chan struct{})
	}
}

// pause empties the budget for d after a 429: Discord's retry_after is
// when the bucket has room again.
func (b *budget) pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.lastUsed = now
	b.remaining = 0
	b.reset = now.Add(d)
	b.guessed = false
}

// budgets holds one budget per rate-limit key, dropping idle ones.
type budgets struct {
	mu     sync.Mutex
	m      map[string]*budget
	limit  int
	window time.Duration
	now    func() time.Time
}

func newBudgets(limit int, window time.Duration, now func() time.Time) *budgets {
	return &budgets{m: map[string]*budget{}, limit: limit, window: window, now: now}
}

// get returns the budget of key, creating it.
func (bs *budgets) get(key string) *budget {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b, ok := bs.m[key]
	if !ok {
		if len(bs.m) >= 1024 {
			bs.sweep()
		}
		b = newBudget(bs.limit, bs.window, bs.now)
		bs.m[key] = b
	}
	return b
}

// peek returns the budget of key if it exists.
func (bs *budgets) peek(key string) *budget {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.m[key]
}

// sweep drops budgets unused for ten minutes; bs.mu is held.
func (bs *budgets) sweep() {
	cut := bs.now().Add(-10 * time.Minute)
	for k, b := range bs.m {
		b.mu.Lock()
		idle := b.waiters == 0 && b.lastUsed.Before(cut)
		b.mu.Unlock()
		if idle {
			delete(bs.m, k)
		}
	}
}
