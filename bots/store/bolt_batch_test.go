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

// TestBoltJournalAndUsageGroupCommit: journal and usage writes join a
// batch even alone (group commit), and a burst of them (each reply:
// queued, open, usage, unjournal) keeps its meaning: the last state of
// each entry, the removed ones gone, usage summed exactly, and each write
// durable when it returns (read back by a second handle after Close).
func TestBoltJournalAndUsageGroupCommit(t *testing.T) {
	path := t.TempDir() + "/bot.db"
	b, err := OpenBolt(context.Background(), BoltOptions{Path: path, CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must(t, b.Journal(ctx, bots.JournalEntry{ID: "alone", State: "queued", Started: time.Now()}))
	if b.batched.Load() != 1 {
		t.Fatalf("a lone journal write joined %d batches, want 1", b.batched.Load())
	}
	const n = 32
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("r%d", i)
			for _, st := range []string{"queued", "streaming"} {
				if err := b.Journal(ctx, bots.JournalEntry{ID: id, State: st, Started: at}); err != nil {
					t.Error(err)
				}
			}
			if err := b.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", User: "slack:U1", PromptTokens: 3, Time: at}); err != nil {
				t.Error(err)
			}
			if i%2 == 0 {
				if err := b.Unjournal(ctx, id); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b2, err := OpenBolt(context.Background(), BoltOptions{Path: path, CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b2.Close() })
	left, err := b2.Journaled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, e := range left {
		states[e.ID] = e.State
	}
	if len(states) != n/2+1 || states["alone"] != "queued" {
		t.Fatalf("journal after the burst = %v, want %d odd entries streaming and alone queued", states, n/2)
	}
	for i := 1; i < n; i += 2 {
		if st := states[fmt.Sprintf("r%d", i)]; st != "streaming" {
			t.Errorf("entry r%d in state %q, want streaming", i, st)
		}
	}
	got, err := b2.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(at))
	if err != nil {
		t.Fatal(err)
	}
	if got.PromptTokens != 3*n {
		t.Errorf("usage = %d prompt tokens, want %d", got.PromptTokens, 3*n)
	}
}
