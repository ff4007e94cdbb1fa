package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
)

// storeRTT is the slow store's round trip in TestAdmissionWaitsOneStoreRoundTrip.
const storeRTT = 100 * time.Millisecond

// slowStore answers every call a reply can make one round trip late (a
// remote Redis on a bad day); heartbeats, which no reply waits for, go at
// once.
type slowStore struct{ *store.Memory }

func (s slowStore) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	time.Sleep(storeRTT)
	return s.Memory.Admit(ctx, a)
}

func (s slowStore) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error) {
	time.Sleep(storeRTT)
	return s.Memory.ClaimAll(ctx, keys, ttl)
}

func (s slowStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	time.Sleep(storeRTT)
	return s.Memory.Claim(ctx, key, ttl)
}

func (s slowStore) Settings(ctx context.Context, ch string) (bots.ChannelSettings, error) {
	time.Sleep(storeRTT)
	return s.Memory.Settings(ctx, ch)
}

func (s slowStore) Usage(ctx context.Context, sc bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	time.Sleep(storeRTT)
	return s.Memory.Usage(ctx, sc, id, p)
}

func (s slowStore) Take(ctx context.Context, key string, limit int, w time.Duration, now time.Time) (bool, time.Time, error) {
	time.Sleep(storeRTT)
	return s.Memory.Take(ctx, key, limit, w, now)
}

func (s slowStore) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.State != journal.Alive {
		time.Sleep(storeRTT)
	}
	return s.Memory.Journal(ctx, e)
}

func (s slowStore) Unjournal(ctx context.Context, id string) error {
	time.Sleep(storeRTT)
	return s.Memory.Unjournal(ctx, id)
}

// callClock records when the adapter is first called: history read or
// reply opened.
type callClock struct {
	*fakeConv
	mu               sync.Mutex
	history, opening time.Time
}

func (c *callClock) History(ctx context.Context, key bots.ConversationKey, n int) ([]bots.Turn, error) {
	c.mu.Lock()
	if c.history.IsZero() {
		c.history = time.Now()
	}
	c.mu.Unlock()
	return c.fakeConv.History(ctx, key, n)
}

func (c *callClock) firsts() (history, opening time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.history, c.opening
}

// TestAdmissionWaitsOneStoreRoundTrip (issue 12): a question waits for
// one store round trip before its first platform call: the claims, its
// rate token and its journal entry are one store write, beside the
// settings and the daily caps. Every store call is slowed, so the time
// from the delivery to the first platform call, in fake time, counts the
// round trips waited: one (two before: the journal entry was written
// after the claim, and the reply opened only once it was stored). The
// entry is in the store when the reply opens, and a redelivery is a
// duplicate at no store cost.
func TestAdmissionWaitsOneStoreRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		h := newMemHarness(t, newMemLLM(script{tokens: []string{"hi"}}), func(o *engine.Options) {
			o.Store = slowStore{mem}
			o.DailyUSDCap, o.DailyTokensPerChannel, o.RatePerUser = 5, 100000, 10
		})
		conv := &callClock{fakeConv: h.conv}
		journaledAtOpen := false
		h.conv.openHook = func(context.Context) error {
			conv.mu.Lock()
			if conv.opening.IsZero() {
				conv.opening = time.Now()
			}
			conv.mu.Unlock()
			es, _ := mem.Journaled(context.Background())
			for _, e := range es {
				journaledAtOpen = journaledAtOpen || (e.Message.ID == "q1" && e.State == journal.Queued)
			}
			return nil
		}
		synctest.Wait() // Run is up (its first heartbeat written)
		start := time.Now()
		d, err := h.eng.Dispatch(context.Background(), conv, mention("q1", "hello"))
		if err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		if took := time.Since(start); took != storeRTT {
			t.Errorf("Dispatch took %v with a %v store, want one round trip", took, storeRTT)
		}
		h.conv.wait(t, 1)
		history, opening := conv.firsts()
		if history.IsZero() || opening.IsZero() {
			t.Fatalf("platform calls: history at %v, reply opened at %v", history, opening)
		}
		first := min(history.Sub(start), opening.Sub(start))
		if n := first / storeRTT; first%storeRTT != 0 || n != 1 {
			t.Errorf("first platform call %v after the delivery: %.1f store round trips waited, want 1", first, float64(first)/float64(storeRTT))
		}
		if n := opening.Sub(start) / storeRTT; n != 1 {
			t.Errorf("reply opened %v after the delivery: %d store round trips waited, want 1", opening.Sub(start), n)
		}
		if !journaledAtOpen {
			t.Error("the reply opened before its journal entry was stored")
		}
		// A redelivery of it is a duplicate, known here: no store call.
		start = time.Now()
		if d, _ := h.eng.Dispatch(context.Background(), conv, mention("q1", "hello")); d != bots.Duplicate {
			t.Errorf("redelivery = %v, want Duplicate", d)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("the redelivery waited %v for the store, want 0", took)
		}
	})
}

// TestDuplicateTakesNoRateToken (issue 12): deliveries of a question
// answered already, to this process or to another replica sharing the
// store, take no token of the asker's rate: with 2 a minute, the asker's
// second question is answered after any number of duplicates of the first
// (the token used to be taken beside the claim, duplicates too), and the
// third is refused with the notice.
func TestDuplicateTakesNoRateToken(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.RatePerUser = 2 }})
	other := h.another(t, func(o *engine.Options) { o.RatePerUser = 2 })
	ctx := context.Background()
	deliver := func(eng *engine.Engine, event, id string) bots.Disposition {
		t.Helper()
		m := mention(id, "question "+id)
		m.EventID, m.Key.Thread = event, id
		d, err := eng.Dispatch(ctx, h.conv, m)
		if err != nil {
			t.Fatalf("Dispatch(%s, %s) = %v", event, id, err)
		}
		return d
	}
	if d := deliver(h.eng, "Ev1", "1700.1"); d != bots.Queued {
		t.Fatalf("first question = %v", d)
	}
	h.conv.wait(t, 1)
	for i := range 3 {
		// Slack's retry here, the message event here, both to the other replica.
		for _, d := range []bots.Disposition{deliver(h.eng, "Ev1", "1700.1"), deliver(h.eng, fmt.Sprint("Ev1m", i), "1700.1"),
			deliver(other, "Ev1", "1700.1"), deliver(other, fmt.Sprint("Ev1m", i), "1700.1")} {
			if d != bots.Duplicate {
				t.Fatalf("duplicate round %d = %v, want Duplicate", i, d)
			}
		}
	}
	if d := deliver(other, "Ev2", "1700.2"); d != bots.Queued {
		t.Fatalf("second question of the minute after 12 duplicates = %v, want Queued", d)
	}
	h.conv.wait(t, 1)
	if d := deliver(h.eng, "Ev3", "1700.3"); d != bots.Notified {
		t.Fatalf("third question of the minute = %v, want Notified", d)
	}
	if got, want := h.conv.wait(t, 1)[0].Final(), i18n.T("en", i18n.LimitUserRate, 2, "14:03 UTC"); got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	if n := len(h.srv.Requests()); n != 2 {
		t.Errorf("%d model calls, want 2", n)
	}
	// The refused question was never journaled: nothing for a recovery.
	waitFor(t, func() bool { return len(replies(t, h.store)) == 0 })
}

// TestRefusedQuestionsLeaveNoJournalEntry: a question admitted (claimed
// and journaled in one store write) and then not answered leaves no
// entry behind once Dispatch returns (a disabled channel, a daily cap,
// the asker's rate, too many pending, the queue full), so that a recovery
// never answers a question its asker was refused; those answered or
// waiting keep theirs.
func TestRefusedQuestionsLeaveNoJournalEntry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		h := newMemHarness(t, newMemLLM(script{tokens: []string{"a"}, block: true}, script{tokens: []string{"b"}, block: true}), func(o *engine.Options) {
			o.Store, o.MaxConcurrency, o.QueueSize, o.MaxPendingPerUser = mem, 1, 1, 1
			o.DailyTokensPerChannel, o.RatePerUser = 100, 2
		})
		ctx := context.Background()
		off := false
		if err := mem.UpdateSettings(ctx, "slack:C9", bots.ChannelSettings{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		if err := mem.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C8", User: "slack:U8", PromptTokens: 100, Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
		ask := func(id, user, channel string) bots.Disposition {
			t.Helper()
			m := mention(id, "question "+id)
			m.Key.Thread, m.UserID = id, user
			m.Key.Channel, m.SettingsChannel = channel, channel
			d, err := h.eng.Dispatch(ctx, h.conv, m)
			if err != nil {
				t.Fatalf("Dispatch(%s) = %v", id, err)
			}
			synctest.Wait() // the worker took what it can
			return d
		}
		got := []bots.Disposition{
			ask("1.1", "U1", "C1"), // answering (blocks the one worker)
			ask("2.1", "U1", "C1"), // U1 has one pending: refused
			ask("3.1", "U2", "C1"), // queued (the one slot)
			ask("4.1", "U3", "C1"), // queue full: refused
			ask("5.1", "U4", "C9"), // channel disabled
			ask("6.1", "U5", "C8"), // channel over its daily tokens
			ask("7.1", "U6", "C1"), // U6's rate: 2 a minute; queue full, refused (notice given)
			ask("7.2", "U6", "C1"), // queue full again (no second notice)
			ask("7.3", "U6", "C1"), // over the rate
		}
		want := []bots.Disposition{bots.Queued, bots.Notified, bots.Queued, bots.Notified, bots.Refused, bots.Notified,
			bots.Notified, bots.Refused, bots.Notified}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("dispositions = %v, want %v", got, want)
		}
		var ids []string
		for _, e := range replies(t, mem) {
			ids = append(ids, e.Message.ID)
		}
		if fmt.Sprint(ids) != "[1.1 3.1]" {
			t.Errorf("journaled questions = %v, want [1.1 3.1]: the answered and the queued one only", ids)
		}
	})
}

// entryCounter counts the admissions that carry a journal entry.
type entryCounter struct {
	*store.Memory
	entries atomic.Int64
}

func (s *entryCounter) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	if a.Entry != nil {
		s.entries.Add(1)
	}
	return s.Memory.Admit(ctx, a)
}

// TestDisabledChannelWritesNoEntry: once a disabled channel's settings
// are cached, its mentions are still claimed (a redelivery is a
// duplicate) but carry no journal entry, which would be written only to
// be removed.
func TestDisabledChannelWritesNoEntry(t *testing.T) {
	ec := &entryCounter{Memory: store.NewMemory(store.MemoryOptions{})}
	h := newMemHarness(t, newMemLLM(), func(o *engine.Options) { o.Store = ec })
	ctx := context.Background()
	off := false
	if err := ec.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		m := mention(fmt.Sprint("d", i), "anyone?")
		if d, err := h.eng.Dispatch(ctx, h.conv, m); d != bots.Refused || err != nil {
			t.Fatalf("mention %d in a disabled channel = %v, %v; want Refused", i, d, err)
		}
	}
	if n := ec.entries.Load(); n != 1 {
		t.Errorf("%d admissions carried an entry, want 1 (the first, before the settings were cached)", n)
	}
	if left := replies(t, ec); len(left) != 0 {
		t.Errorf("journal = %+v, want empty", left)
	}
	// Claimed in the store all the same: another replica's delivery of
	// it is a duplicate.
	if won, err := ec.Claim(ctx, "msg:slack:C1:d3", time.Hour); won || err != nil {
		t.Errorf("the store's claim of the last mention: free = %v (%v), want claimed", won, err)
	}
}
