package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"mistralbot/bots"
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
// again is logged with its figures as lost, so an operator can add it back
// (usageLost). Each try is bounded by StoreWait, and the first refusal
// ends the round: the records not tried yet wait for the next heartbeat
// (they have had no retry), so a frozen store costs the upkeep one wait
// per heartbeat, not one per record.
func (e *Engine) retryUsage(ctx context.Context) {
	recs := e.unsaved.take()
	if len(recs) == 0 {
		return
	}
	saved := 0
	for i, r := range recs {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StoreWait)
		err := e.stores.usage.AddUsage(ctx, r)
		cancel()
		if err != nil {
			e.usageLost(ctx, r, err)
			for _, rest := range recs[i+1:] {
				if !e.unsaved.keep(rest) {
					e.usageLost(ctx, rest, err)
				}
			}
			e.log.InfoContext(ctx, "usage retried", "saved", saved, "lost", 1, "left", len(recs)-i-1)
			return
		}
		e.usageHealth.saved()
		saved++
	}
	e.log.InfoContext(ctx, "usage retried", "saved", saved, "lost", 0)
}

// usageLost logs a usage record that could not be stored, with everything
// needed to count it by hand, tells the Observer (bots.UsageObserver:
// mistralbot_usage_lost_total) and degrades readiness until a usage write
// succeeds again (UsageHealth).
func (e *Engine) usageLost(ctx context.Context, r bots.UsageRecord, err error) {
	e.log.ErrorContext(ctx, "usage lost: not recorded after a retry", "channel", r.Channel, "user", r.User,
		"prompt_tokens", r.PromptTokens, "completion_tokens", r.CompletionTokens, "cost_usd", r.CostUSD,
		"time", r.Time.UTC(), "err", err)
	e.usageHealth.lost(e.now(), err)
	if o, ok := e.opts.Observer.(bots.UsageObserver); ok {
		o.UsageLost(r)
	}
}

// usageHealth is whether usage records were lost since the last usage
// write that succeeded.
type usageHealth struct {
	mu      sync.Mutex
	n       int       // records lost since the last success
	since   time.Time // when the first of them was lost
	lastErr error
}

func (h *usageHealth) lost(now time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		h.since = now
	}
	h.n++
	h.lastErr = err
}

// saved records a usage write that succeeded: the store writes again.
func (h *usageHealth) saved() {
	h.mu.Lock()
	h.n, h.lastErr = 0, nil
	h.mu.Unlock()
}

// UsageHealth reports whether usage is being recorded: nil, or an error
// saying how many records were lost (refused again after their retry)
// since when and why. It stays until a usage write succeeds again; /readyz
// reports it, since limits that stopped counting are a degraded bot.
func (e *Engine) UsageHealth() error {
	h := &e.usageHealth
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return nil
	}
	return fmt.Errorf("%d usage records lost since %s: %w", h.n, h.since.UTC().Format(time.RFC3339), h.lastErr)
}

// recordUsage stores one reply's usage in one call. A store error never
// costs the answer (already delivered): the record is kept for one retry
// at the next heartbeat (usage.go), and logged with its figures.
func (e *Engine) recordUsage(ctx context.Context, msg bots.Message, u bots.Usage) {
	// Bounded by StoreWait: it runs before the final text (settleUsage),
	// which a frozen store must not hold up for the reply's whole timeout.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StoreWait)
	defer cancel()
	r := bots.UsageRecord{
		Channel: msg.SettingsID(), User: bots.UserID(msg.Key.Platform, msg.UserID),
		PromptTokens: int64(u.PromptTokens), CompletionTokens: int64(u.CompletionTokens),
		CostUSD: u.CostUSD, Time: e.now(),
	}
	err := e.stores.usage.AddUsage(ctx, r)
	if err == nil {
		e.usageHealth.saved()
		return
	}
	if !e.unsaved.keep(r) {
		e.usageLost(ctx, r, err)
		return
	}
	e.log.WarnContext(ctx, "usage not recorded; retried at the next heartbeat", "channel", r.Channel, "user", r.User,
		"prompt_tokens", r.PromptTokens, "completion_tokens", r.CompletionTokens, "cost_usd", r.CostUSD, "err", err)
}

// settleUsage works out one reply's usage (estimated when the provider
// sent none) and records it; calibrating the estimate against the
// provider's counts is the completer's (it alone sees them whole). It runs before the final text is delivered (see
// answerPlan.beforeFinish), so /usage asked right after an answer counts
// it.
func (e *Engine) settleUsage(ctx context.Context, msg bots.Message, p prompt, g generated) bots.Usage {
	usage := g.result.Usage
	if g.started && usage.Total() == 0 {
		usage = bots.Usage{PromptTokens: p.tokens, CompletionTokens: e.tokens.EstimateTokens(g.text), Estimated: true}
	}
	if usage.Total() > 0 {
		e.recordUsage(ctx, msg, usage)
	}
	return usage
}
