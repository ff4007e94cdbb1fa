package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

// contractClaimAll: every store claims a message's keys at once. A key
// already claimed is left as it was and the others are claimed; and two
// callers racing on two key sets that share one key (one message
// delivered as app_mention and as message, to two replicas) never both
// lose: exactly one gets true.
func contractClaimAll(t *testing.T, s bots.Store) {
	mc, ok := s.(bots.MultiClaimer)
	if !ok {
		t.Fatalf("%T does not claim several keys at once", s)
	}
	ctx := context.Background()
	if all, err := mc.ClaimAll(ctx, []string{"ev:1", "msg:1"}, time.Hour); err != nil || !all {
		t.Fatalf("fresh keys: %v, %v", all, err)
	}
	if all, err := mc.ClaimAll(ctx, []string{"ev:2", "msg:1"}, time.Hour); err != nil || all {
		t.Fatalf("one key taken: %v, %v; want false", all, err)
	}
	if won, _ := s.Claim(ctx, "ev:2", time.Hour); won {
		t.Error("ev:2 was not claimed by the ClaimAll that found msg:1 taken")
	}
	if _, err := mc.ClaimAll(ctx, []string{"ev:3", ""}, time.Hour); err == nil {
		t.Error("an empty key was accepted")
	}
	for round := range 20 {
		msg := fmt.Sprintf("msg:race%d", round)
		// The first delivery and its retry share the event key; the
		// message event has its own: any order, one winner.
		sets := [][]string{{"ev:a" + msg, msg}, {"ev:b" + msg, msg}, {"ev:a" + msg, msg}}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for _, keys := range sets {
			wg.Go(func() {
				all, err := mc.ClaimAll(ctx, keys, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if all {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("round %d: %d deliveries of one message won their claim, want 1", round, wins)
		}
	}
}
