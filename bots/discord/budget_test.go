package discord

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func headers(limit, remaining string, after string) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", limit)
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset-After", after)
	return h
}

func TestBudgetFollowsHeaders(t *testing.T) {
	b := newBudget(5, 5*time.Second, time.Now)
	if !b.Allow() {
		t.Fatal("fresh budget refused")
	}
	// Discord says: 10 per window, 9 left, window ends in 200 ms.
	b.observe(headers("10", "9", "0.2"), time.Now())
	b.mu.Lock()
	limit, window, remaining, until := b.limit, b.window, b.remaining, time.Until(b.reset)
	b.mu.Unlock()
	if limit != 10 || window != 200*time.Millisecond || remaining != 4 || until > 250*time.Millisecond {
		t.Fatalf("limit %d window %v remaining %d reset in %v", limit, window, remaining, until)
	}
	// Malformed headers change nothing.
	b.observe(headers("x", "1", "0.1"), time.Now())
	b.observe(http.Header{}, time.Now())
	b.mu.Lock()
	if b.remaining != 4 {
		t.Errorf("remaining %d after malformed headers", b.remaining)
	}
	b.mu.Unlock()
}

// The budget's waits are checked on the bubble's clock: on a real clock a
// loaded machine could stall between the window's start and the test's
// own reading of the time, and exact figures could not be asserted.
func TestBudgetReserveAndWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(2, 300*time.Millisecond, time.Now)
		start := time.Now()
		if !b.Allow() {
			t.Fatal("first Allow refused")
		}
		if b.Allow() {
			t.Fatal("Allow took the last call, kept for mandatory ones")
		}
		ctx := context.Background()
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el != 0 {
			t.Errorf("Wait for the window's last call returned after %v, want at once", el)
		}
		if err := b.Wait(ctx); err != nil { // the window is spent: wait for the next
			t.Fatal(err)
		}
		if el := time.Since(start); el != 300*time.Millisecond {
			t.Errorf("Wait returned %v after the window opened, want when it ended (300ms)", el)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		b.pause(time.Hour)
		if err := b.Wait(cctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait on a cancelled context: %v", err)
		}
	})
}

// The moment a pause ends, a waiting mandatory call goes before an
// optional one. The budget reads a clock of the test's own, moved past the
// pause while the waiter still sleeps on the bubble's timer: so Allow is
// asked exactly when the window has room and the waiter has not yet taken
// its call, which a real clock could not arrange reliably.
func TestBudgetWaitersGoFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ahead atomic.Int64 // how far the budget's clock runs ahead of the bubble's
		now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		b := newBudget(3, 200*time.Millisecond, now)
		b.pause(100 * time.Millisecond)
		done := make(chan struct{})
		go func() {
			_ = b.Wait(context.Background())
			close(done)
		}()
		synctest.Wait() // the mandatory call sleeps until the pause ends
		ahead.Store(int64(100 * time.Millisecond))
		if b.Allow() {
			t.Fatal("Allow went before a waiting mandatory call")
		}
		time.Sleep(100 * time.Millisecond) // the waiter wakes and takes its call
		<-done
		if !b.Allow() {
			t.Fatal("Allow refused after the mandatory call went, with 2 of 3 calls left")
		}
	})
}

func TestPauseHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBudget(5, 5*time.Second, time.Now)
		b.pause(150 * time.Millisecond)
		if b.Allow() {
			t.Fatal("Allow during a pause")
		}
		start := time.Now()
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The pause, not the 5 s guess, decides.
		if el := time.Since(start); el != 150*time.Millisecond {
			t.Errorf("waited %v, want the pause's 150ms", el)
		}
	})
}
