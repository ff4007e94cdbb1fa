package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
)

// Issue 12, "slow store": the store round trips a reply waits for before
// its first platform call. Both tests run in a synctest bubble, where a
// store call's latency is fake time: the time from Dispatch to the first
// platform call, divided by one round trip, is how many sequential round
// trips the reply waited for (calls issued together count once).

// rtt is one store round trip of slowStore.
const rtt = 100 * time.Millisecond

// slowStore is a memory store at the port whose every call takes rtt, or
// blocks until its context ends when frozen (Redis not answering: the
// call lasts as long as the caller lets it).
type slowStore struct {
	*store.Memory
	frozen bool
}

var _ bots.Store = (*slowStore)(nil)

func (s *slowStore) wait(ctx context.Context, op string) error {
	if s.frozen {
		<-ctx.Done()
		return fmt.Errorf("frozen store: %s: %w: %w", op, bots.ErrStoreUnavailable, ctx.Err())
	}
	select {
	case <-time.After(rtt):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("slow store: %s: %w", op, ctx.Err())
	}
}

func (s *slowStore) Settings(ctx context.Context, ch string) (bots.ChannelSettings, error) {
	if err := s.wait(ctx, "settings"); err != nil {
		return bots.ChannelSettings{}, err
	}
	return s.Memory.Settings(ctx, ch)
}

func (s *slowStore) AddUsage(ctx context.Context, r bots.UsageRecord) error {
	if err := s.wait(ctx, "add usage"); err != nil {
		return err
	}
	return s.Memory.AddUsage(ctx, r)
}

func (s *slowStore) Usage(ctx context.Context, sc bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	if err := s.wait(ctx, "usage"); err != nil {
		return bots.UsageTotals{}, err
	}
	return s.Memory.Usage(ctx, sc, id, p)
}

func (s *slowStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.wait(ctx, "claim"); err != nil {
		return false, err
	}
	return s.Memory.Claim(ctx, key, ttl)
}

func (s *slowStore) Take(ctx context.Context, key string, limit int, w time.Duration, now time.Time) (bool, time.Time, error) {
	if err := s.wait(ctx, "take"); err != nil {
		return false, time.Time{}, err
	}
	return s.Memory.Take(ctx, key, limit, w, now)
}

func (s *slowStore) Journal(ctx context.Context, en bots.JournalEntry) error {
	if err := s.wait(ctx, "journal"); err != nil {
		return err
	}
	return s.Memory.Journal(ctx, en)
}

func (s *slowStore) Unjournal(ctx context.Context, id string) error {
	if err := s.wait(ctx, "unjournal"); err != nil {
		return err
	}
	return s.Memory.Unjournal(ctx, id)
}

// firstCallConv is fakeConv that notes when the first platform call for
// the reply (History or OpenReply) happens.
type firstCallConv struct {
	*fakeConv
	once  sync.Once
	first chan time.Time
}

func newFirstCallConv() *firstCallConv {
	return &firstCallConv{fakeConv: newFakeConv(), first: make(chan time.Time, 1)}
}

func (c *firstCallConv) called() { c.once.Do(func() { c.first <- time.Now() }) }

func (c *firstCallConv) History(ctx context.Context, key bots.ConversationKey, limit int) ([]bots.Turn, error) {
	c.called()
	return c.fakeConv.History(ctx, key, limit)
}

func (c *firstCallConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	c.called()
	return c.fakeConv.OpenReply(ctx, key, to)
}

// toFirstCall dispatches a Slack mention carrying both dedupe keys (event
// id and message ts, as a real delivery does) to an Engine on st with
// the production limits on (a rate per user, both daily caps), and
// returns the time from Dispatch to the reply's first platform call and
// to its final text.
func toFirstCall(t *testing.T, st bots.Store) (first, final time.Duration) {
	t.Helper()
	llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(fairAnswer), false }}
	eng, err := engine.New(engine.Options{LLM: llm.client(t), Store: st, Logger: testLogger(),
		RatePerUser: 10, DailyTokensPerChannel: 1_000_000, DailyUSDCap: 100,
		Defaults: engine.Defaults{FollowThreads: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	conv := newFirstCallConv()
	m := mention("1700.1", "what is Go?")
	m.EventID = "Ev1"
	start := time.Now()
	if d, err := eng.Dispatch(ctx, conv, m); d != bots.Queued || err != nil {
		t.Fatalf("Dispatch: %v, %v", d, err)
	}
	first = (<-conv.first).Sub(start)
	if r := conv.wait(t, 1)[0]; r.Final() != fairAnswer {
		t.Errorf("answer = %q, want %q", r.Final(), fairAnswer)
	}
	final = time.Since(start)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	llm.wg.Wait()
	return first, final
}

// A reply waits for at most one store round trip before its first
// platform call, with every limit on and the settings not yet cached.
func TestReplyWaitsForOneStoreRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &slowStore{Memory: store.NewMemory(store.MemoryOptions{})}
		defer st.Close()
		first, _ := toFirstCall(t, st)
		trips := float64(first) / float64(rtt)
		t.Logf("store round trips waited before the first platform call: %.1f (%v)", trips, first)
		if first > rtt {
			t.Errorf("first platform call after %v = %.1f round trips of %v, want at most one", first, trips, rtt)
		}
	})
}

// With the store frozen (every call blocks until its context ends) the
// reply's first platform call comes within one bounded store wait, and
// the answer is still delivered.
func TestFrozenStoreDelaysTheFirstCallByOneBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &slowStore{Memory: store.NewMemory(store.MemoryOptions{}), frozen: true}
		defer st.Close()
		first, final := toFirstCall(t, st)
		t.Logf("frozen store: first platform call after %v, final text after %v", first, final)
		if first > engine.StoreWait {
			t.Errorf("first platform call after %v, want within one store wait (%v)", first, engine.StoreWait)
		}
		// After it: the journal's first write before the first text, the
		// usage before the final text, each bounded the same way.
		if final > 3*engine.StoreWait {
			t.Errorf("final text after %v, want within three store waits", final)
		}
	})
}

// The rate per user is counted in process; the store's shared window is
// the backup: a replica that has not seen the asker's earlier questions
// lets one through, learns from the store that the window is full, and
// refuses the next.
func TestRateWindowIsSharedThroughTheStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		defer mem.Close()
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return nil, false }} // never asked: no Run
		replica := func() *engine.Engine {
			e, err := engine.New(engine.Options{LLM: llm.client(t), Store: mem, Logger: testLogger(), RatePerUser: 2})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a, b := replica(), replica()
		conv := newFakeConv()
		ask := func(e *engine.Engine, i int) bots.Disposition {
			m := mention(fmt.Sprint("1800.", i), "question")
			m.Key.Thread = m.ID
			d, err := e.Dispatch(t.Context(), conv, m)
			if err != nil {
				t.Fatalf("Dispatch %d: %v", i, err)
			}
			synctest.Wait() // the shared count is told in the background
			return d
		}
		got := []bots.Disposition{ask(a, 0), ask(a, 1), ask(a, 2), ask(b, 3), ask(b, 4)}
		want := []bots.Disposition{bots.Queued, bots.Queued, bots.Notified, bots.Queued, bots.Notified}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("question %d: %v, want %v (all: %v)", i, got[i], want[i], got)
			}
		}
	})
}
