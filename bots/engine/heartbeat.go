package engine

import (
	"context"
	"errors"

	"mistralbot/bots"
)

// upkeep is the Engine's bulk work beside the heartbeat (bots/journal runs
// it on its own goroutine, never on the one that beats): usage the store
// refused, and once Recover was called, a recovery pass every
// RecoverInterval.
func (e *Engine) upkeep(ctx context.Context) {
	e.retryUsage(ctx)
	convs := e.recovery.from()
	if convs == nil || !e.recovery.due(e.opts.RecoverInterval) {
		return
	}
	if _, err := e.recoverPass(ctx, convs); err != nil && !errors.Is(err, bots.ErrStopped) {
		e.log.WarnContext(ctx, "recovery pass failed", "err", err)
	}
}
