package engine

import (
	"context"
	"sync"

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
// again is logged with its figures as lost, so an operator can add it back.
func (e *Engine) retryUsage(ctx context.Context) {
	recs := e.unsaved.take()
	if len(recs) == 0 {
		return
	}
	saved := 0
	for _, r := range recs {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		err := e.stores.usage.AddUsage(ctx, r)
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

// recordUsage stores one reply's usage in one call. A store error never
// costs the answer (already delivered): the record is kept for one retry
// at the next heartbeat (usage.go), and logged with its figures.
func (e *Engine) recordUsage(ctx context.Context, msg bots.Message, u bots.Usage) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
	}
	r := bots.UsageRecord{
		Channel: msg.SettingsID(), User: bots.UserID(msg.Key.Platform, msg.UserID),
		PromptTokens: int64(u.PromptTokens), CompletionTokens: int64(u.CompletionTokens),
		CostUSD: u.CostUSD, Time: e.now(),
	}
	if err := e.stores.usage.AddUsage(ctx, r); err != nil {
		if !e.unsaved.keep(r) {
			e.usageLost(ctx, r, err)
			return
		}
		e.log.WarnContext(ctx, "usage not recorded; retried at the next heartbeat", "channel", r.Channel, "user", r.User,
			"prompt_tokens", r.PromptTokens, "completion_tokens", r.CompletionTokens, "cost_usd", r.CostUSD, "err", err)
	}
}

// settleUsage works out one reply's usage (estimated when the provider
// sent none) and records it; calibrating the estimate against the
// provider's counts is the completer's (it alone sees them whole). It runs before the final text is delivered (see
// answerPlan.beforeFinish), so /usage asked right after an answer counts
// it. ocrUSD is what reading the question's scanned PDFs and
// transcribing its voice notes cost (ocr.go, voice.go): paid whether or not the model answered, so recorded either way.
func (e *Engine) settleUsage(ctx context.Context, msg bots.Message, p prompt, g generated, ocrUSD float64) bots.Usage {
	usage := g.result.Usage
	if g.started && usage.Total() == 0 {
		usage = bots.Usage{PromptTokens: p.tokens, CompletionTokens: e.tokens.EstimateTokens(g.text), Estimated: true}
	}
	usage.CostUSD += ocrUSD
	if usage.Total() > 0 || ocrUSD > 0 {
		e.recordUsage(ctx, msg, usage)
	}
	return usage
}
