package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

// contractLease: a lease is exclusive until it expires or is finished,
// renewable by its owner, and a finished key is never leased again.
func contractLease(t *testing.T, s bots.Store) {
	ctx := context.Background()
	lease := func(key, owner string, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.Lease(ctx, key, owner, ttl)
		must(t, err)
		return ok
	}
	if !lease("d1", "a", time.Hour) {
		t.Fatal("Lease(d1, a) of a free key = false; want true")
	}
	if lease("d1", "b", time.Hour) {
		t.Fatal("Lease(d1, b) held by a = true; want false")
	}
	if !lease("d1", "a", time.Hour) {
		t.Fatal("Lease(d1, a) by its owner = false; want true (renewed)")
	}
	for _, bad := range []struct {
		key, owner string
		ttl        time.Duration
	}{{"", "a", time.Minute}, {"x", "", time.Minute}, {"x", "a", 0}, {"x", "a", -time.Second}} {
		if _, err := s.Lease(ctx, bad.key, bad.owner, bad.ttl); err == nil {
			t.Errorf("Lease(%q, %q, %s) succeeded; want an error", bad.key, bad.owner, bad.ttl)
		}
	}
	if err := s.Finish(ctx, "", "a"); err == nil {
		t.Error(`Finish("", a) succeeded; want an error`)
	}

	// 50 owners racing for one free key: exactly one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []string
	for i := range 50 {
		owner := fmt.Sprintf("r%d", i)
		wg.Go(func() {
			ok, err := s.Lease(ctx, "d-race", owner, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("50 owners racing for one lease: winners %v; want one", winners)
	}

	// An expired lease is taken by another owner, and is then theirs.
	if !lease("d-short", "dead", 50*time.Millisecond) {
		t.Fatal("Lease(d-short, dead) = false; want true")
	}
	eventually(t, 5*time.Second, "the lease to expire", func() bool { return lease("d-short", "b", time.Hour) })
	if lease("d-short", "dead", time.Hour) {
		t.Fatal("the dead owner leased again a key another owner took over; want false")
	}

	// Finished: never leased again, by anyone; finishing twice is fine;
	// a key finished without a lease is finished too.
	must(t, s.Finish(ctx, "d-short", "b"))
	must(t, s.Finish(ctx, "d-short", "b"))
	must(t, s.Finish(ctx, "d-never", "a"))
	for _, c := range []struct{ key, owner string }{{"d-short", "b"}, {"d-short", "dead"}, {"d-never", "a"}, {"d-never", "z"}} {
		if lease(c.key, c.owner, time.Hour) {
			t.Errorf("Lease(%s, %s) of a finished key = true; want false", c.key, c.owner)
		}
	}
	// Other keys are untouched.
	if lease("d1", "b", time.Hour) {
		t.Fatal("Lease(d1, b) still held by a = true; want false")
	}
}
