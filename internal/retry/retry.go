// Package retry holds the bot's one backoff: a delay that doubles from a
// base up to a cap, optionally jittered, and gives way to the delay a
// server asked for (Retry-After, Discord's retry_after, Slack's 429s). The
// LLM client, the adapters' retries and reconnects and the store's start-up
// all take their delays from Backoff and pause with internal/wait.Sleep,
// so a fix to the formula reaches every one of them.
package retry

import (
	"context"
	"math/rand/v2"
	"time"

	"mistralbot/internal/wait"
)

// Backoff computes the pause before a retry. The zero value retries at
// once; fill Base at least.
type Backoff struct {
	// Base is the pause before the first retry; it doubles for each
	// retry after.
	Base time.Duration
	// Max caps the doubling; at or below Base the pause stays Base.
	Max time.Duration
	// Jitter is the fraction of the pause drawn at random, 0 to 1: 0
	// keeps it exact, 0.25 spreads it over [75%, 100%) (enough to keep
	// replicas that failed together from retrying together), 1 is "full
	// jitter", uniform in [0, pause) (AWS's recommendation for many
	// clients of one server:
	// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
	Jitter float64
	// Rand returns a number in [0, 1) for the jitter; nil means
	// math/rand/v2's Float64. Tests fix it.
	Rand func() float64
	// MaxAfter caps a server-given delay (0: no cap), for callers that
	// would rather try early than keep someone waiting for minutes; a
	// caller that must give up instead compares the hint itself.
	MaxAfter time.Duration
}

// Delay returns the pause before retry n (0 for the first retry). A
// positive after is the delay the server asked for: it is honoured
// exactly (capped at MaxAfter) instead of the backoff, because retrying
// sooner only earns another refusal and waiting longer serves nobody.
func (b Backoff) Delay(n int, after time.Duration) time.Duration {
	if after > 0 {
		if b.MaxAfter > 0 {
			return min(after, b.MaxAfter)
		}
		return after
	}
	d := b.Base
	limit := max(b.Max, b.Base)
	for i := 0; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	if b.Jitter <= 0 || d <= 0 {
		return d
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	j := min(b.Jitter, 1)
	return time.Duration(float64(d)*(1-j) + float64(d)*j*r())
}

// Sleep pauses Delay(n, after), or until ctx ends, and returns ctx's error
// (wait.Sleep).
func (b Backoff) Sleep(ctx context.Context, n int, after time.Duration) error {
	return wait.Sleep(ctx, b.Delay(n, after))
}

// Policy is a bounded retry loop: how often, how long between tries, and
// which failures deserve another try.
type Policy struct {
	// Tries is the number of calls at most (at least one).
	Tries int
	// Backoff spaces the calls.
	Backoff Backoff
	// Retry reports whether err (never nil) deserves another call, and
	// the delay the server asked for (0: none, the backoff decides).
	Retry func(err error) (again bool, after time.Duration)
}

// Do calls f until it succeeds, Retry refuses its error, Tries calls were
// made or ctx ends while pausing. It returns f's last error, or ctx's
// error when the pause was cut short. f must be safe to call again after
// a failure (idempotent, or made so by the caller).
func (p Policy) Do(ctx context.Context, f func(context.Context) error) error {
	for n := 0; ; n++ {
		err := f(ctx)
		if err == nil || n+1 >= p.Tries {
			return err
		}
		again, after := p.Retry(err)
		if !again {
			return err
		}
		if err := p.Backoff.Sleep(ctx, n, after); err != nil {
			return err
		}
	}
}
