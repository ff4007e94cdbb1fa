package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"mistralbot/internal/wait"
)

const (
	// digestLeaseTTL is how long a digest's lease outlives a silent
	// holder. It is renewed while the summary runs (every third of it),
	// so it can be short: a holder that died is replaced within about
	// this plus a tick, within the few minutes Discord's enforce_nonce
	// remembers a nonce (see bots/discord, PostOnce), so that even
	// there a re-post after a crash is recognized.
	digestLeaseTTL = 2 * time.Minute
	// digestRetryAfter: a digest that failed (model or platform down) is
	// tried again this much later, by this replica and, since its lease
	// is held that long, by no other one before.
	digestRetryAfter = 15 * time.Minute
)

// errLeaseLost ends a digest whose lease another replica took (this one
// stalled past the lease): it must not post, the other one does.
var errLeaseLost = errors.New("digest lease taken over by another replica")

// digestBackoff holds the digests that failed here and when to try them
// again.
type digestBackoff struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// waiting reports whether key failed and is not to be tried yet at now.
func (b *digestBackoff) waiting(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[key]
	if ok && !now.Before(t) {
		delete(b.until, key)
		return false
	}
	return ok
}

func (b *digestBackoff) wait(key string, until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = map[string]time.Time{}
	}
	b.until[key] = until
}

// leasedDigest runs post for the period unless another replica holds it
// or it is done: it leases the period, runs post while renewing the
// lease, and finishes the lease once post succeeded (a digest skipped
// because nothing happened included). A failed post keeps the lease for
// digestRetryAfter and is tried again then; a post that does not finish
// (this process dies) is taken over when the lease expires, and post,
// keyed by once, does not post a second time.
func (e *Engine) leasedDigest(ctx context.Context, channel, period string, post func(ctx context.Context, once string) error) {
	key := digestKey(channel, period)
	if e.digestWait.waiting(key, e.now()) {
		return
	}
	owner := e.jr.Incarnation()
	ok, err := e.stores.leases.Lease(ctx, key, owner, digestLeaseTTL)
	if err != nil {
		e.log.WarnContext(ctx, "digest: not leased; retried next minute", "channel", channel, "err", err)
		return
	}
	if !ok {
		return
	}
	if err := e.whileLeased(ctx, key, owner, func(ctx context.Context) error { return post(ctx, key) }); err != nil {
		e.log.WarnContext(ctx, "digest not posted; retried later", "channel", channel, "period", period,
			"retry_in", digestRetryAfter, "err", err)
		if !errors.Is(err, errLeaseLost) && ctx.Err() == nil { // not stopping: hold off the retry
			e.digestWait.wait(key, e.now().Add(digestRetryAfter))
			if _, err := e.stores.leases.Lease(ctx, key, owner, digestRetryAfter); err != nil {
				e.log.WarnContext(ctx, "digest: lease not extended", "channel", channel, "err", err)
			}
		}
		return
	}
	if err := e.stores.leases.Finish(ctx, key, owner); err != nil {
		// Posted but not recorded: the lease expires and the next holder
		// finds the post by its key.
		e.log.WarnContext(ctx, "digest posted but not finished", "channel", channel, "period", period, "err", err)
	}
}

// whileLeased runs fn, renewing key's lease every third of its ttl; fn's
// context ends with errLeaseLost if a renewal finds another owner. A
// renewal the store refuses (down) is tried again at the next one: the
// lease may still be ours, and the post is keyed anyway.
func (e *Engine) whileLeased(ctx context.Context, key, owner string, fn func(context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		for wait.Sleep(ctx, digestLeaseTTL/3) == nil {
			ok, err := e.stores.leases.Lease(ctx, key, owner, digestLeaseTTL)
			if err == nil && !ok {
				cancel(errLeaseLost)
				return
			}
		}
	}()
	err := fn(ctx)
	if cause := context.Cause(ctx); err != nil && errors.Is(cause, errLeaseLost) {
		err = cause
	}
	cancel(nil)
	<-renewed
	return err
}
