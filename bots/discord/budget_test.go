package discord

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
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

func TestBudgetReserveAndWait(t *testing.T) {
	b := newBudget(2, 300*time.Millisecond, time.Now)
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
	start := time.Now()
	if err := b.Wait(ctx); err != nil { // the window is spent: wait for the next
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("Wait returned after %v, before the window ended", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	b.pause(time.Hour)
	if err := b.Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context: %v", err)
	}
}

func TestBudgetWaitersGoFirst(t *testing.T) {
	b := newBudget(3, 200*time.Millisecond, time.Now)
	b.pause(100 * time.Millisecond)
	var waited atomic.Bool
	done := make(chan struct{})
	go func() {
		_ = b.Wait(context.Background())
		waited.Store(true)
		close(done)
	}()
	for !waited.Load() {
		b.mu.Lock()
		w := b.waiters
		b.mu.Unlock()
		if w > 0 && b.Allow() {
			t.Fatal("Allow went before a waiting mandatory call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-done
}

func TestPauseHonoursRetryAfter(t *testing.T) {
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
	if el := time.Since(start); el < 100*time.Millisecond || el > 3*time.Second {
		t.Errorf("waited %v", el)
	}
}
