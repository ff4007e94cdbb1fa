package pace

import (
	"context"
	"sync"
	"time"

	"mistralbot/internal/wait"
)

// WaitTurn is the loop of a budget's mandatory Wait, written once for
// every budget (Bucket here, Discord's per-channel budget in its
// adapter). It locks mu, counts the caller in *waiters for as long as it
// waits (so the budget's Allow can give way to it), and asks take, with
// mu held, for a slot: take either takes one (ok) or says how long until
// one may be free and which channel, closed, means the budget grew
// before that (nil: none). Between asks it pauses with mu released
// (wait.SleepOrWake). It returns nil with a slot taken, or ctx's error.
func WaitTurn(ctx context.Context, mu sync.Locker, waiters *int, take func() (ok bool, d time.Duration, wake <-chan struct{})) error {
	mu.Lock()
	*waiters++
	defer func() {
		mu.Lock()
		*waiters--
		mu.Unlock()
	}()
	for {
		ok, d, wake := take()
		mu.Unlock()
		if ok {
			return nil
		}
		if err := wait.SleepOrWake(ctx, d, wake); err != nil {
			return err
		}
		mu.Lock()
	}
}
