package slack

import (
	"context"
	"sync"
	"time"

	"mistralbot/bots"
)

// limiter is a token bucket with two refinements over bots.Bucket:
// optional calls can be made to leave a reserve (the final edits that
// replies in flight will need), and several tokens can be taken at once
// (a native stream pays for chat.startStream and the chat.stopStream it
// will need, so a started stream can always be stopped). Safe for
// concurrent use.
type limiter struct {
	mu      sync.Mutex
	tokens  float64
	burst   float64
	rate    float64 // tokens per second
	last    time.Time
	paused  time.Time
	waiters int
	now     func() time.Time
}

func newLimiter(n int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{tokens: float64(n), burst: float64(n), rate: float64(n) / per.Seconds(), now: now}
}

// refill adds the tokens earned since the last call; l.mu is held.
func (l *limiter) refill(now time.Time) {
	if !l.last.IsZero() && now.After(l.last) {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
}

// allow takes n tokens if, after taking them, at least reserve remain;
// never while a mandatory call waits or during a pause.
func (l *limiter) allow(n, reserve int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.refill(now)
	if l.waiters > 0 || now.Before(l.paused) || l.tokens-float64(n) < float64(reserve) {
		return false
	}
	l.tokens -= float64(n)
	return true
}

// wait blocks until one token is available and takes it.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	l.waiters++
	defer func() {
		l.mu.Lock()
		l.waiters--
		l.mu.Unlock()
	}()
	for {
		now := l.now()
		l.refill(now)
		var d time.Duration
		switch {
		case now.Before(l.paused):
			d = l.paused.Sub(now)
		case l.tokens >= 1:
			l.tokens--
			l.mu.Unlock()
			return nil
		default:
			d = time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		}
		l.mu.Unlock()
		t := time.NewTimer(max(d, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		l.mu.Lock()
	}
}

// pause holds every call for d after a 429 (Slack's Retry-After). The
// tokens are kept: emptying the bucket would starve the final edits of
// every reply in flight for a minute of refill after Slack's own window
// has passed; if Slack's budget really is smaller than ours, the next 429
// pauses again.
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.paused) {
		l.paused = until
	}
}

// editBudget is the chat.update budget of one workspace as a bots.Throttle:
// intermediate edits (Allow) always leave one token per reply in flight
// that has posted a message, so that every reply's final edit (Wait) finds
// one without queueing behind a minute of refill.
type editBudget struct {
	l        *limiter
	mu       sync.Mutex
	inFlight int
}

var _ bots.Throttle = (*editBudget)(nil)

// Allow implements bots.Throttle.
func (b *editBudget) Allow() bool {
	b.mu.Lock()
	reserve := b.inFlight
	b.mu.Unlock()
	return b.l.allow(1, reserve)
}

// Wait implements bots.Throttle.
func (b *editBudget) Wait(ctx context.Context) error { return b.l.wait(ctx) }

func (b *editBudget) add(n int) {
	b.mu.Lock()
	b.inFlight = max(0, b.inFlight+n)
	b.mu.Unlock()
}
