package pace

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// A budget that grows wakes its waiter before the estimate runs out, and
// the waiter is counted (and uncounted) around the wait.
func TestWaitTurnWokenEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var waiters int
		wake := make(chan struct{})
		free := false
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			done <- WaitTurn(context.Background(), &mu, &waiters, func() (bool, time.Duration, <-chan struct{}) {
				if free {
					return true, 0, nil
				}
				return false, time.Hour, wake
			})
		}()
		synctest.Wait()
		mu.Lock()
		if waiters != 1 {
			t.Errorf("waiters %d while waiting, want 1", waiters)
		}
		mu.Unlock()
		time.Sleep(2 * time.Second)
		mu.Lock()
		free = true
		close(wake)
		mu.Unlock()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Fatalf("took %v, want 2s (the wake, not the hour)", got)
		}
		if waiters != 0 {
			t.Fatalf("waiters %d after the wait, want 0", waiters)
		}
	})
}

func TestWaitTurnEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		var mu sync.Mutex
		var waiters, asks int
		err := WaitTurn(ctx, &mu, &waiters, func() (bool, time.Duration, <-chan struct{}) {
			asks++
			return false, time.Second, nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want the deadline", err)
		}
		if asks != 3 || waiters != 0 {
			t.Fatalf("%d asks, %d waiters left; want 3 asks (at 0, 1s, 2s) and none", asks, waiters)
		}
	})
}
