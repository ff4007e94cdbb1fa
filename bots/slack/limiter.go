package slack

import (
	"sync"
	"time"
)

// limiter is a token bucket for calls that must be paid for together: a
// native stream takes two tokens when it starts (chat.startStream and the
// chat.stopStream it will need), so a started stream can always be
// stopped. Safe for concurrent use.
type limiter struct {
	mu     sync.Mutex
	tokens float64
	burst  float64
	rate   float64 // tokens per second
	last   time.Time
	paused time.Time
	now    func() time.Time
}

func newLimiter(n int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{tokens: float64(n), burst: float64(n), rate: float64(n) / per.Seconds(), now: now}
}

// allowN takes n tokens if they are all available now.
func (l *limiter) allowN(n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if now.Before(l.paused) || l.tokens < float64(n) {
		return false
	}
	l.tokens -= float64(n)
	return true
}

// pause empties the bucket for d (after a 429).
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = 0
	l.last = l.now()
	if until := l.last.Add(d); until.After(l.paused) {
		l.paused = until
	}
}
