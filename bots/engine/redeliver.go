package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"mistralbot/bots"
)

// Live redelivery. A reply whose last text could not reach the platform
// for a reason that may pass (undelivered: the platform down, 5xx, a 429
// storm longer than the Streamer's retries) stays journaled. Recover only
// takes over entries of dead processes, so without this the asker would
// wait for a restart; instead the live process tries the reply again
// itself, with backoff, on the recovery path: the answer is regenerated
// into the messages already posted (Reopener), or posted anew when none
// were. It ends when the answer is delivered, when a failure stops being
// transient (the entry ends, see undelivered), or once the question is
// older than RecoverMaxAge: that attempt delivers the "interrupted"
// notice instead, and if even that fails the entry is left for a restart.
// The Engine's idWatch goroutine drives it (Run awaits it), so it needs
// no goroutine of its own.

const (
	// redeliverFirst is the pause before the first redelivery: the
	// Streamer has just spent about 30 s retrying.
	redeliverFirst = 10 * time.Second
	// redeliverMax caps the backoff between two redeliveries.
	redeliverMax = 5 * time.Minute
)

// redelivery is a reply waiting for its next attempt.
type redelivery struct {
	entry   bots.JournalEntry
	conv    bots.Conversations
	attempt int // attempts made so far after the first
	due     time.Time
}

// redeliveries are this Engine's undelivered replies, by journal id.
type redeliveries struct {
	mu    sync.Mutex
	items map[string]*redelivery
}

// redeliverDelay is the pause before redelivery attempt n+1.
func redeliverDelay(n int) time.Duration {
	return min(redeliverFirst<<min(n, 10), redeliverMax)
}

// redeliver schedules another attempt at j, whose last text did not
// reach the platform for a transient reason. It reports false when this
// process will not retry it (stopping, the expiry notice itself failed,
// or no adapter to reopen it through): the entry is then left for a
// restart.
func (e *Engine) redeliver(j *job) bool {
	if e.stopped.Load() || j.jr.expired {
		return false
	}
	conv := j.conv
	if conv == nil {
		// A command's reply is opened by its adapter; again, it goes
		// through the adapter Recover was given.
		conv = e.recovery.from()[j.key.Platform]
	}
	if conv == nil {
		return false
	}
	rd := &redelivery{entry: j.jr.entry, conv: conv, attempt: j.jr.redelivered}
	rd.due = time.Now().Add(redeliverDelay(rd.attempt))
	e.redeliveries.mu.Lock()
	defer e.redeliveries.mu.Unlock()
	if e.redeliveries.items == nil {
		e.redeliveries.items = map[string]*redelivery{}
	}
	e.redeliveries.items[rd.entry.ID] = rd
	return true
}

// due removes and returns the redeliveries whose time has come.
func (r *redeliveries) due(now time.Time) []*redelivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*redelivery
	for id, rd := range r.items {
		if !now.Before(rd.due) {
			out = append(out, rd)
			delete(r.items, id)
		}
	}
	return out
}

// pending returns how many replies wait for a redelivery.
func (r *redeliveries) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items)
}

// redeliverDue queues the redeliveries whose time has come, like
// recovered replies.
func (e *Engine) redeliverDue(ctx context.Context) {
	for _, rd := range e.redeliveries.due(time.Now()) {
		en := rd.entry
		j, err := e.recoveredJob(ctx, en, rd.conv, e.now())
		if err != nil {
			e.log.ErrorContext(ctx, "undelivered reply cannot be retried; dropped", "journal_id", en.ID, "err", err)
			if err := e.jr.Remove(ctx, en.ID); err != nil {
				e.log.WarnContext(ctx, "journal entry not removed", "journal_id", en.ID, "err", err)
			}
			continue
		}
		j.jr.redelivered = rd.attempt + 1
		e.jr.Track(en.ID)
		if err := e.pool.push(j); err != nil {
			e.jr.Untrack(en.ID)
			if errors.Is(err, bots.ErrBusy) {
				// The queue is full: the same attempt, later.
				rd.due = time.Now().Add(redeliverDelay(rd.attempt))
				e.redeliveries.mu.Lock()
				e.redeliveries.items[en.ID] = rd
				e.redeliveries.mu.Unlock()
				continue
			}
			e.log.WarnContext(ctx, "undelivered reply left in the journal for the next start", "journal_id", en.ID, "err", err)
			continue
		}
		e.log.InfoContext(ctx, "retrying an undelivered reply", "key", en.Key.String(), "journal_id", en.ID,
			"attempt", j.jr.redelivered, "messages", len(en.Placeholder))
	}
}
