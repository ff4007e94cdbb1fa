package engine_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
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
		eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm.client(t), Store: st,
			Logger: slog.New(slog.NewTextHandler(logs, nil)), HeartbeatInterval: 10 * time.Second}))
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
