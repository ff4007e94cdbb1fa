package engine

import (
	"context"
	"mistralbot/bots"
	"sync"
)

// unsavedUsage holds usage records the store refused, for one more try at
// the next heartbeat: the answer was delivered, and a lost record would
// let the daily caps stop counting it (issue 12: bbolt on a full disk).
type unsavedUsage struct {
	mu      sync.Mutex
	records []bots.UsageRecord
}

// maxUnsavedUsage bounds the records kept for the retry; beyond it a
// record is reported lost at once.
const maxUnsavedUsage = 4096

// keep queues r for the retry; it reports false when the queue is full.
func (u *unsavedUsage) keep(r bots.UsageRecord) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.records) >= maxUnsavedUsage {
		return false
	}
	u.records = append(u.records, r)
	return true
}

// take empties the queue and returns what it held.
func (u *unsavedUsage) take() []bots.UsageRecord {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.records
	u.records = nil
	return out
}

// retryUsage writes the usage records the store refused earlier, once
// each (from the heartbeat, and once more when Run ends); a record refused
// again is logged with its figures as lost, so an operator can add it back.
func (e *Engine) retryUsage(ctx context.Context) {
	recs := e.unsaved.take()
	if len(recs) == 0 {
		return
	}
	saved := 0
	for _, r := range recs {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		err := e.opts.Store.AddUsage(ctx, r)
		cancel()
		if err != nil {
			e.usageLost(ctx, r, err)
			continue
		}
		saved++
	}
	e.log.InfoContext(ctx, "usage retried", "saved", saved, "lost", len(recs)-saved)
}

// usageLost logs a usage record that could not be stored, with everything
// needed to count it by hand.
func (e *Engine) usageLost(ctx context.Context, r bots.UsageRecord, err error) {
	e.log.ErrorContext(ctx, "usage lost: not recorded after a retry", "channel", r.Channel, "user", r.User,
		"prompt_tokens", r.PromptTokens, "completion_tokens", r.CompletionTokens, "cost_usd", r.CostUSD,
		"time", r.Time.UTC(), "err", err)
}
