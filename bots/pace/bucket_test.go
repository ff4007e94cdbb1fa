package pace

import (
	"context"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	b := NewBucket(2, time.Second)
	b.now = func() time.Time { return now }
	for i := 0; i < 2; i++ {
		if !b.Allow() {
			t.Fatalf("a full bucket of 2 refused call %d", i+1)
		}
	}
	if b.Allow() {
		t.Fatal("third call allowed")
	}
	now = now.Add(500 * time.Millisecond)
	if !b.Allow() {
		t.Fatal("a token must be back after half a period")
	}
	b.Pause(10 * time.Second)
	now = now.Add(5 * time.Second)
	if b.Allow() {
		t.Fatal("allowed during a pause")
	}
	now = now.Add(6 * time.Second)
	if !b.Allow() {
		t.Fatal("not allowed after the pause")
	}
}

func TestBucketWaitHasPriorityAndUnblocks(t *testing.T) {
	b := NewBucket(1, 20*time.Millisecond)
	if !b.Allow() {
		t.Fatal("first call refused")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Wait(ctx) }()
	if err := <-done; err != nil {
		t.Fatalf("wait: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	b.Pause(time.Hour)
	if err := b.Wait(cctx); err == nil {
		t.Fatal("wait on a cancelled context returned nil")
	}
}

func TestBucketAllowNKeepsAReserve(t *testing.T) {
	now := time.Unix(1000, 0)
	b := NewBucketClock(5, time.Minute, func() time.Time { return now })
	if !b.AllowN(2, 3) {
		t.Fatal("2 of 5 with a reserve of 3 refused")
	}
	if b.AllowN(1, 3) {
		t.Fatal("a call that eats into the reserve was allowed")
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := b.Wait(ctx); err != nil {
			t.Fatalf("mandatory call %d: %v", i, err)
		}
	}
	b.Pause(time.Second)
	now = now.Add(30 * time.Second) // refills 2.5 tokens; the pause is over
	if !b.AllowN(2, 0) {
		t.Fatal("tokens earned after a pause are not usable")
	}
}
