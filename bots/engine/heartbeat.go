package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"mistralbot/bots"
)

// Heartbeats: a running Engine rewrites its JournalAlive entry every
// HeartbeatInterval, so that other replicas can tell its journaled replies
// from those of a process that died (see Recover).

// retryLeftovers removes the entries of finished replies whose removal
// failed.
func (e *Engine) retryLeftovers(ctx context.Context) {
	e.jr.mu.Lock()
	ids := make([]string, 0, len(e.jr.leftover))
	for id := range e.jr.leftover {
		ids = append(ids, id)
	}
	e.jr.mu.Unlock()
	for _, id := range ids {
		if err := e.unjournal(ctx, id); err != nil {
			return
		}
		e.jr.untrack(id)
	}
}

// beat writes this Engine's heartbeat.
func (e *Engine) beat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer cancel()
	return e.stores.journal.Journal(ctx, bots.JournalEntry{ID: beatPrefix + e.owner(), State: JournalAlive,
		Owner: e.owner(), Incarnation: e.jr.incarnation, Started: e.now()})
}

// startHeartbeat writes the first heartbeat and starts two goroutines
// until the returned stop is called: one only beats, the other does the
// store's upkeep (leftover removals, unsaved usage, the repeated recovery
// passes once Recover was called). Liveness never waits for bulk work: a
// recovery pass can outlast the 6 intervals after which other replicas
// take this one for dead and recover its replies while it still writes
// them. stop removes the heartbeat, so that other replicas may take over
// what this Engine leaves.
func (e *Engine) startHeartbeat(ctx context.Context) (stop func()) {
	if err := e.beat(ctx); err != nil {
		e.log.WarnContext(ctx, "heartbeat not written", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { e.heartbeats(ctx) })
	wg.Go(func() { e.upkeep(ctx) })
	return func() {
		cancel()
		wg.Wait()
		ctx := context.WithoutCancel(ctx)
		e.retryLeftovers(ctx)
		e.retryUsage(ctx)
		if err := e.unjournal(ctx, beatPrefix+e.owner()); err != nil {
			e.log.WarnContext(ctx, "heartbeat not removed", "err", err)
		}
	}
}

// heartbeats writes the heartbeat every HeartbeatInterval, and nothing
// else.
func (e *Engine) heartbeats(ctx context.Context) {
	t := time.NewTicker(e.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.beat(ctx); err != nil {
			e.log.WarnContext(ctx, "heartbeat not written", "err", err)
		} else {
			e.jr.pausedUntil.Store(0) // the store answers again
		}
	}
}

// upkeep retries what the store refused earlier and, once Recover was
// called, looks through the journal again every RecoverInterval; it wakes
// at the heartbeat's pace.
func (e *Engine) upkeep(ctx context.Context) {
	t := time.NewTicker(e.opts.HeartbeatInterval)
	defer t.Stop()
	lastPass := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.retryLeftovers(ctx)
		e.retryUsage(ctx)
		if convs := e.jr.recoverFrom(); convs != nil && time.Since(lastPass) >= e.opts.RecoverInterval {
			lastPass = time.Now()
			if _, err := e.recoverPass(ctx, convs); err != nil && !errors.Is(err, bots.ErrStopped) {
				e.log.WarnContext(ctx, "recovery pass failed", "err", err)
			}
		}
	}
}
