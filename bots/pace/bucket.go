// Package pace holds the platform budgets the reply writer paces its
// calls by: Throttle (one budget shared by several replies) and Pacer
// (a Throttle that also admits replies and shares the optional edits
// among them), with their implementations, the token Bucket and the
// SharedBudget on it. The interfaces live here, beside their
// implementations, rather than in bots/stream, because both the writer
// and the adapters' own budgets (Discord's per-channel and global
// budgets) speak them, and those budgets wait through its WaitTurn; pace
// imports no project package but internal/wait, the one pause.
package pace

import (
	"context"
	"sync"
	"time"
)

// Throttle paces platform calls shared by several replies (one per Slack
// workspace and method, one per Discord channel).
type Throttle interface {
	// Allow reports whether an optional call (an intermediate edit) may go
	// now, taking a slot when it does. It never blocks.
	Allow() bool
	// Wait blocks until a mandatory call (a final edit) may go, taking a
	// slot, or returns ctx's error. Waiters go before Allow callers.
	Wait(ctx context.Context) error
}

// Bucket is a token bucket: n calls per period, refilled continuously, with
// priority for Wait over Allow so final edits never starve behind
// intermediate ones. Safe for concurrent use.
type Bucket struct {
	mu      sync.Mutex
	tokens  float64
	burst   float64
	rate    float64 // tokens per second
	last    time.Time
	paused  time.Time
	waiters int
	now     func() time.Time
}

var _ Throttle = (*Bucket)(nil)

// NewBucket returns a full bucket allowing n calls per period.
func NewBucket(n int, per time.Duration) *Bucket { return NewBucketClock(n, per, nil) }

// NewBucketClock is NewBucket with a clock (nil means time.Now), for tests
// and for adapters that share an injected clock.
func NewBucketClock(n int, per time.Duration, now func() time.Time) *Bucket {
	if now == nil {
		now = time.Now
	}
	if n < 1 {
		n = 1
	}
	if per <= 0 {
		per = time.Second
	}
	return &Bucket{
		tokens: float64(n),
		burst:  float64(n),
		rate:   float64(n) / per.Seconds(),
		now:    now,
	}
}

// refill adds the tokens earned since the last call; b.mu is held.
func (b *Bucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.last = now
		return
	}
	if now.Before(b.paused) {
		b.last = now
		return
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens += el * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
}

// Allow implements Throttle.
func (b *Bucket) Allow() bool { return b.AllowN(1, 0) }

// AllowN takes n tokens if at least reserve tokens remain afterwards, never
// while a Wait is pending or during a pause. The reserve keeps slots for
// calls that must happen later (the final edits of replies in flight); n > 1
// pays at once for calls that belong together (a stream's start and stop).
func (b *Bucket) AllowN(n, reserve int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.refill(now)
	if b.waiters > 0 || now.Before(b.paused) || b.tokens-float64(n) < float64(reserve) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// Wait implements Throttle.
func (b *Bucket) Wait(ctx context.Context) error {
	return WaitTurn(ctx, &b.mu, &b.waiters, func() (bool, time.Duration, <-chan struct{}) {
		now := b.now()
		b.refill(now)
		var d time.Duration
		switch {
		case now.Before(b.paused):
			d = b.paused.Sub(now)
		case b.tokens >= 1:
			b.tokens--
			return true, 0, nil
		default:
			d = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		}
		return false, max(d, time.Millisecond), nil
	})
}

// Pause holds every call for d: used when the platform answered 429 with
// Retry-After, so that every reply sharing the budget backs off, not only
// the one that was refused. The tokens are kept: emptying the bucket would
// starve the final edits of every reply in flight for a whole refill after
// the platform's own window has passed; if its budget really is smaller,
// the next 429 pauses again.
func (b *Bucket) Pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.refill(now)
	if until := now.Add(d); until.After(b.paused) {
		b.paused = until
	}
}

// Available returns the tokens an optional call could take now (refilled
// up to this instant): none during a pause or while a Wait is pending, so
// that whoever reads it never competes with a mandatory call.
func (b *Bucket) Available() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.refill(now)
	if b.waiters > 0 || now.Before(b.paused) {
		return 0
	}
	return b.tokens
}
