// Package wait holds the one context-aware pause of the bot's adapters:
// retries, backoffs and the budgets' waits pause with Sleep (or
// SleepOrWake) instead of each writing its own timer and select.
package wait

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends, and then returns ctx's error. A d of
// zero or less returns at once (ctx's error, if it has ended).
func Sleep(ctx context.Context, d time.Duration) error {
	return SleepOrWake(ctx, d, nil)
}

// SleepOrWake is Sleep that also ends early, with nil, when wake is
// closed (a nil wake never does): a budget whose room grew wakes the
// calls waiting on it instead of letting them sleep out their estimate.
func SleepOrWake(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	case <-wake:
		return nil
	}
}
