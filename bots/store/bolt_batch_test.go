package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

// TestBoltConcurrentWritesBatch: many writers at once share transactions
// (one fsync for several) and every write keeps its meaning: each distinct
// claim is won once, a contended claim by exactly one caller, and usage
// added concurrently sums exactly.
func TestBoltConcurrentWritesBatch(t *testing.T) {
	b := openTestBolt(t, BoltOptions{CleanupInterval: -1})
	ctx := context.Background()
	const n = 64
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	distinct, contended := 0, 0
	for i := range n {
		wg.Go(func() {
			won, err := b.Claim(ctx, fmt.Sprintf("ev-%d", i), time.Hour)
			if err != nil {
				t.Error(err)
			}
			same, err := b.Claim(ctx, "ev-shared", time.Hour)
			if err != nil {
				t.Error(err)
			}
			if err := b.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", User: "slack:U1",
				PromptTokens: 10, CompletionTokens: 1, Time: at}); err != nil {
				t.Error(err)
			}
			mu.Lock()
			if won {
				distinct++
			}
			if same {
				contended++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if distinct != n || contended != 1 {
		t.Errorf("won %d distinct claims (want %d) and the shared one %d times (want 1)", distinct, n, contended)
	}
	got, err := b.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(at))
	if err != nil {
		t.Fatal(err)
	}
	if got.PromptTokens != 10*n || got.CompletionTokens != n {
		t.Errorf("usage = %+v, want %d prompt and %d completion tokens", got, 10*n, n)
	}
	if b.batched.Load() == 0 {
		t.Error("no write joined a batch: concurrent writers each waited for their own fsync")
	}
}
