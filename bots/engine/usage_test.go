package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
)

// usageFailStore is a memory store whose next fails AddUsage calls fail,
// like bbolt on a full disk.
type usageFailStore struct {
	bots.Store
	fails atomic.Int32
}

func (s *usageFailStore) AddUsage(ctx context.Context, r bots.UsageRecord) error {
	if s.fails.Add(-1) >= 0 {
		return errors.New("write: no space left on device")
	}
	return s.Store.AddUsage(ctx, r)
}

// lockedBuffer is a log sink safe for the Engine's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// usageAfterStoreFailures answers one mention while the store refuses
// fails usage writes, lets one heartbeat pass, and returns the user's
// recorded tokens and the log.
func usageAfterStoreFailures(t *testing.T, fails int32) (bots.UsageTotals, string) {
	t.Helper()
	var totals bots.UsageTotals
	logs := &lockedBuffer{}
	synctest.Test(t, func(t *testing.T) {
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(fairAnswer), false }, delay: fairDelay}
		mem := store.NewMemory(store.MemoryOptions{})
		st := &usageFailStore{Store: mem}
		st.fails.Store(fails)
		eng, err := engine.New(engine.Options{LLM: llm.client(t), Store: st,
			Logger: slog.New(slog.NewTextHandler(logs, nil)), HeartbeatInterval: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		conv := newFakeConv()
		if d, err := eng.Dispatch(ctx, conv, mention("1700.1", "what is Go?")); d != bots.Queued || err != nil {
			t.Fatalf("Dispatch: %v, %v", d, err)
		}
		if r := conv.wait(t, 1)[0]; r.Final() != fairAnswer {
			t.Fatalf("answer = %q", r.Final())
		}
		time.Sleep(11 * time.Second) // one heartbeat (fake time)
		synctest.Wait()
		totals, err = mem.Usage(ctx, bots.ScopeUser, bots.UserID(bots.Slack, "U1"), bots.Day(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		llm.wg.Wait()
	})
	return totals, logs.String()
}

// Issue 12: usage the store refused once is written at the next heartbeat,
// so the caps keep counting it.
func TestUnsavedUsageIsRetriedAtTheNextHeartbeat(t *testing.T) {
	totals, logs := usageAfterStoreFailures(t, 1)
	if totals.Tokens() == 0 {
		t.Errorf("usage after the retry = %+v, want the reply's tokens", totals)
	}
	if !strings.Contains(logs, "usage not recorded; retried at the next heartbeat") || !strings.Contains(logs, "saved=1 lost=0") {
		t.Errorf("logs:\n%s", logs)
	}
}

// Usage refused twice is logged as lost with its figures, not dropped
// silently.
func TestUsageRefusedTwiceIsLoggedWithItsFigures(t *testing.T) {
	totals, logs := usageAfterStoreFailures(t, 2)
	if totals.Tokens() != 0 {
		t.Errorf("usage = %+v, want none stored", totals)
	}
	if !containsAll(logs, "usage lost: not recorded after a retry", "user=slack:U1", "prompt_tokens=", "completion_tokens=", "no space left on device") {
		t.Errorf("logs:\n%s", logs)
	}
}

// usageRecorder is a recorder that also counts lost usage
// (bots.UsageObserver).
type usageRecorder struct {
	recorder
	lost atomic.Int64
}

var _ bots.UsageObserver = (*usageRecorder)(nil)

func (r *usageRecorder) UsageLost(bots.UsageRecord) { r.lost.Add(1) }

// Issue 12: a usage record refused again after its retry is counted
// through the Observer and degrades the Engine's usage health (readiness)
// until a usage write succeeds again.
func TestLostUsageIsCountedAndDegradesUntilAWriteWorks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(fairAnswer), false }, delay: fairDelay}
		st := &usageFailStore{Store: store.NewMemory(store.MemoryOptions{})}
		st.fails.Store(2)
		rec := &usageRecorder{}
		eng, err := engine.New(engine.Options{LLM: llm.client(t), Store: st, Logger: testLogger(),
			Observer: rec, HeartbeatInterval: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		conv := newFakeConv()
		ask := func(id string) {
			t.Helper()
			m := mention(id, "what is Go?")
			m.Key.Thread = id
			if d, err := eng.Dispatch(ctx, conv, m); d != bots.Queued || err != nil {
				t.Fatalf("Dispatch: %v, %v", d, err)
			}
			conv.wait(t, 1)
		}
		ask("1700.1")
		if err := eng.UsageHealth(); err != nil {
			t.Errorf("usage health before the retry: %v, want nil (the record waits for it)", err)
		}
		time.Sleep(11 * time.Second) // one heartbeat: the retry is refused too
		synctest.Wait()
		if n := rec.lost.Load(); n != 1 {
			t.Errorf("lost usage observed %d times, want 1", n)
		}
		if err := eng.UsageHealth(); err == nil || !containsAll(err.Error(), "1 usage records lost", "no space left on device") {
			t.Errorf("usage health after the lost record: %v", err)
		}
		ask("1701.1") // the store writes again
		if err := eng.UsageHealth(); err != nil {
			t.Errorf("usage health after a write succeeded: %v, want nil", err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		llm.wg.Wait()
	})
}

// A retry round that meets a refusal ends there: the record refused
// twice is lost, the ones not tried yet wait for the next heartbeat and
// are saved then (a frozen store costs one wait per heartbeat).
func TestUsageRetryStopsAtTheFirstRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(fairAnswer), false }, delay: fairDelay}
		mem := store.NewMemory(store.MemoryOptions{})
		st := &usageFailStore{Store: mem}
		st.fails.Store(4) // three answers, then the first retry
		rec := &usageRecorder{}
		eng, err := engine.New(engine.Options{LLM: llm.client(t), Store: st, Logger: testLogger(),
			Observer: rec, HeartbeatInterval: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		conv := newFakeConv()
		for i := range 3 {
			m := mention(fmt.Sprint("1700.", i), "what is Go?")
			m.Key.Thread = m.ID
			if d, err := eng.Dispatch(ctx, conv, m); d != bots.Queued || err != nil {
				t.Fatalf("Dispatch: %v, %v", d, err)
			}
		}
		conv.wait(t, 3)
		time.Sleep(11 * time.Second) // one heartbeat
		synctest.Wait()
		// fails counts down once per write: 3 answers + 1 retry tried.
		if left := st.fails.Load(); left != 0 {
			t.Errorf("usage writes in the first retry round: %d, want 1 (the round ends at the refusal)", 1-left)
		}
		time.Sleep(10 * time.Second) // the next heartbeat
		synctest.Wait()
		totals, err := mem.Usage(ctx, bots.ScopeUser, bots.UserID(bots.Slack, "U1"), bots.Day(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if totals.Requests != 2 || rec.lost.Load() != 1 {
			t.Errorf("after two heartbeats: %d requests stored, %d lost; want 2 and 1", totals.Requests, rec.lost.Load())
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		llm.wg.Wait()
	})
}
