package journal

import (
	"context"
	"sync"
	"time"

	"mistralbot/bots"
)

// Heartbeats: a running process rewrites its Alive entry every
// HeartbeatInterval, so that other replicas can tell its entries from
// those of a process that died (Survey).

// Beat writes this process's heartbeat. A heartbeat that reaches the
// store ends a pause: the store answers again. Only a pause that began
// before the heartbeat was sent: a beat that was in flight while a reply
// write failed proves nothing about the store after that failure.
func (j *Journal) Beat(ctx context.Context) error {
	sent := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Timeout)
	defer cancel()
	err := j.opts.Store.Journal(ctx, bots.JournalEntry{ID: beatPrefix + j.Owner(), State: Alive,
		Owner: j.Owner(), Incarnation: j.incarnation, Started: j.opts.Now()})
	if err == nil {
		j.unpause(sent)
	}
	return err
}

// unpause ends a pause that began before sent.
func (j *Journal) unpause(sent time.Time) {
	for {
		until := j.pausedUntil.Load()
		if until == 0 || time.Unix(0, until).Add(-pause).After(sent) {
			return
		}
		if j.pausedUntil.CompareAndSwap(until, 0) {
			return
		}
	}
}

// Heartbeat writes the first heartbeat and starts two goroutines until
// the returned stop is called: one only beats, the other runs upkeep
// (the caller's bulk work: leftover removals, recovery passes) at the
// same pace. Liveness never waits for bulk work: a recovery pass can
// outlast the 6 intervals after which other replicas take this one for
// dead and recover its replies while it still writes them. stop ends
// both, removes the leftovers it can and the heartbeat, so that other
// replicas may take over what this process leaves.
func (j *Journal) Heartbeat(ctx context.Context, upkeep func(ctx context.Context)) (stop func()) {
	if err := j.Beat(ctx); err != nil {
		j.opts.Logger.WarnContext(ctx, "heartbeat not written", "err", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		every(ctx, j.opts.HeartbeatInterval, func() {
			if err := j.Beat(ctx); err != nil {
				j.opts.Logger.WarnContext(ctx, "heartbeat not written", "err", err)
			}
		})
	})
	wg.Go(func() {
		every(ctx, j.opts.HeartbeatInterval, func() {
			j.RetryLeftovers(ctx)
			upkeep(ctx)
		})
	})
	return func() {
		cancel()
		wg.Wait()
		ctx := context.WithoutCancel(ctx)
		j.RetryLeftovers(ctx)
		if err := j.Remove(ctx, beatPrefix+j.Owner()); err != nil {
			j.opts.Logger.WarnContext(ctx, "heartbeat not removed", "err", err)
		}
	}
}

// every runs f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f()
	}
}
