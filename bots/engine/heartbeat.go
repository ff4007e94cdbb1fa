package engine

import (
	"context"
	"errors"
	"mistralbot/bots"
	"time"
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
	return e.opts.Store.Journal(ctx, bots.JournalEntry{ID: beatPrefix + e.owner(), State: JournalAlive,
		Owner: e.owner(), Incarnation: e.jr.incarnation, Started: e.now()})
}

// startHeartbeat writes the first heartbeat and keeps beating (retrying
// leftover removals, repeating recovery passes once Recover was called)
// until the returned stop is called; stop then removes the heartbeat, so
// that other replicas may take over what this Engine leaves.
func (e *Engine) startHeartbeat(ctx context.Context) (stop func()) {
	if err := e.beat(ctx); err != nil {
		e.log.WarnContext(ctx, "heartbeat not written", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.heartbeats(ctx)
	}()
	return func() {
		cancel()
		<-done
		ctx := context.WithoutCancel(ctx)
		e.retryLeftovers(ctx)
		e.retryUsage(ctx)
		if err := e.unjournal(ctx, beatPrefix+e.owner()); err != nil {
			e.log.WarnContext(ctx, "heartbeat not removed", "err", err)
		}
	}
}

func (e *Engine) heartbeats(ctx context.Context) {
	t := time.NewTicker(e.opts.HeartbeatInterval)
	defer t.Stop()
	lastPass := time.Now()
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
