package engine_test

import (
	"context"
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

// diskStore is a memory store whose admission write waits for a disk
// (storeRTT, bbolt's fsync queued behind others) and whose forecast of
// it (bots.AdmitPeeker) is scripted: forecast, counted in peeks.
type diskStore struct {
	*store.Memory
	forecast bots.Admitted
	peeks    atomic.Int32
}

func (s *diskStore) PeekAdmit(context.Context, bots.Admission) (bots.Admitted, error) {
	s.peeks.Add(1)
	return s.forecast, nil
}

func (s *diskStore) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	time.Sleep(storeRTT)
	return s.Memory.Admit(ctx, a)
}

// opened counts the replies the fake adapter opened.
func (c *fakeConv) opened() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.replies)
}

// askedAt records when each model request starts streaming, until the
// test's end.
func askedAt(t *testing.T, m *memLLM) func() []time.Time {
	var mu sync.Mutex
	var at []time.Time
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for {
			select {
			case <-m.started:
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
			case <-stop:
				return
			}
		}
	}()
	return func() []time.Time { mu.Lock(); defer mu.Unlock(); return append([]time.Time(nil), at...) }
}

// TestEarlyAdmissionAsksTheModelWhileTheWriteCommits (issue 20): with a
// store that foresees the admission, the model is asked when the
// question arrives, not once the admission's write has committed; the
// reply still opens only after it, with the journal entry stored, and
// the question is answered once.
func TestEarlyAdmissionAsksTheModelWhileTheWriteCommits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		st := &diskStore{Memory: mem, forecast: bots.Admitted{Won: true}}
		m := newMemLLM(script{tokens: []string{"hi"}})
		h := newMemHarness(t, m, func(o *engine.Options) { o.Store, o.RatePerUser = st, 10 })
		asked := askedAt(t, m)
		var openedAt time.Time
		journaledAtOpen := false
		h.conv.openHook = func(context.Context) error {
			openedAt = time.Now()
			es, _ := mem.Journaled(context.Background())
			for _, e := range es {
				journaledAtOpen = journaledAtOpen || (e.Message.ID == "q1" && e.State == journal.Queued)
			}
			return nil
		}
		synctest.Wait() // Run is up
		start := time.Now()
		if d, err := h.eng.Dispatch(context.Background(), h.conv, mention("q1", "hello")); err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		if took := time.Since(start); took != storeRTT {
			t.Errorf("Dispatch took %v, want the admission's write (%v): it returns once the entry is stored", took, storeRTT)
		}
		if got := h.conv.wait(t, 1)[0].Final(); got != "hi" {
			t.Errorf("final = %q, want the model's text", got)
		}
		if at := asked(); len(at) != 1 || !at[0].Equal(start) {
			t.Errorf("model asked at %v after the delivery, want once at 0 (while the admission commits)", at)
		} else if st.peeks.Load() != 1 {
			t.Errorf("%d forecasts, want 1", st.peeks.Load())
		}
		if openedAt.Sub(start) != storeRTT {
			t.Errorf("reply opened %v after the delivery, want after the admission's write (%v)", openedAt.Sub(start), storeRTT)
		}
		if !journaledAtOpen {
			t.Error("the reply opened before its journal entry was stored")
		}
	})
}

// TestEarlyAdmissionTurnedDownPostsNothing: a question foreseen answered
// whose admission then says otherwise (another replica's claim, the
// asker's rate, both committed after the forecast) gets what the
// ordinary path gives: a duplicate nothing at all, a question over the
// rate its one notice; the model request started early is dropped,
// nothing of it is posted or reported, and the conversation's next
// question is answered.
func TestEarlyAdmissionTurnedDownPostsNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  func(*store.Memory) // what the forecast did not see
		want    bots.Disposition
		notices int
	}{
		{"another replica's claim", func(mem *store.Memory) {
			if ok, err := mem.ClaimAll(context.Background(), []string{"msg:slack:C1:q1"}, time.Hour); !ok || err != nil {
				t.Fatalf("ClaimAll = %v, %v", ok, err)
			}
		}, bots.Duplicate, 0},
		{"the asker's rate", func(mem *store.Memory) {
			if ok, _, err := mem.Take(context.Background(), "rate:"+bots.UserID(bots.Slack, "U1"), 1, time.Minute, time.Now()); !ok || err != nil {
				t.Fatalf("Take = %v, %v", ok, err)
			}
		}, bots.Notified, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := store.NewMemory(store.MemoryOptions{})
				st := &diskStore{Memory: mem, forecast: bots.Admitted{Won: true}}
				m := newMemLLM(script{tokens: []string{"dropped"}}, script{tokens: []string{"next"}})
				h := newMemHarness(t, m, func(o *engine.Options) { o.Store, o.RatePerUser = st, 1 })
				asked := askedAt(t, m)
				synctest.Wait()
				tc.before(mem)
				d, err := h.eng.Dispatch(context.Background(), h.conv, mention("q1", "hello"))
				if err != nil || d != tc.want {
					t.Fatalf("Dispatch = %v, %v; want %v", d, err, tc.want)
				}
				synctest.Wait()
				if n := len(asked()); n != 1 {
					t.Fatalf("model asked %d times, want once (the forecast was won)", n)
				}
				if n := h.conv.opened(); n != tc.notices {
					t.Fatalf("%d replies opened, want %d", n, tc.notices)
				}
				if tc.notices > 0 {
					want := i18n.T("en", i18n.LimitUserRate, 1, time.Now().Truncate(time.Minute).Add(time.Minute).UTC().Format("15:04 UTC"))
					if got := h.conv.wait(t, 1)[0].Final(); got != want {
						t.Errorf("notice = %q, want %q", got, want)
					}
				}
				if w, r := h.eng.QueueDepth(), h.eng.InFlight(); w != 0 || r != 0 {
					t.Errorf("dropped job left %d queued, %d running", w, r)
				}
				if stats, _ := h.obs.snapshot(); len(stats) != 0 {
					t.Errorf("%d replies reported for a dropped job, want 0", len(stats))
				}
				es, _ := mem.Journaled(context.Background())
				for _, e := range es {
					if e.Message.ID == "q1" {
						t.Errorf("dropped question left its journal entry %+v", e)
					}
				}
				// The conversation's lane is free: a later question (a
				// new minute for the rate) is answered.
				time.Sleep(time.Minute)
				st.forecast = bots.Admitted{Won: true}
				if d, err := h.eng.Dispatch(context.Background(), h.conv, mention("q2", "again")); err != nil || d != bots.Queued {
					t.Fatalf("next question = %v, %v", d, err)
				}
				if got := h.conv.wait(t, 1)[0].Final(); got != "next" {
					t.Errorf("next answer = %q, want the model's second text", got)
				}
			})
		})
	}
}

// TestForeseenRefusalAsksNoModel: a question the store foresees refused
// (a duplicate it holds the claim of) takes the ordinary path: the
// admission, then nothing; the model is never asked.
func TestForeseenRefusalAsksNoModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		st := &diskStore{Memory: mem, forecast: bots.Admitted{}}
		m := newMemLLM()
		h := newMemHarness(t, m, func(o *engine.Options) { o.Store = st })
		asked := askedAt(t, m)
		synctest.Wait()
		if ok, err := mem.ClaimAll(context.Background(), []string{"msg:slack:C1:q1"}, time.Hour); !ok || err != nil {
			t.Fatalf("ClaimAll = %v, %v", ok, err)
		}
		if d, err := h.eng.Dispatch(context.Background(), h.conv, mention("q1", "hello")); err != nil || d != bots.Duplicate {
			t.Fatalf("Dispatch = %v, %v; want Duplicate", d, err)
		}
		synctest.Wait()
		if n := len(asked()); n != 0 || len(m.requests()) != 0 {
			t.Errorf("model asked %d times for a foreseen duplicate, want 0", n)
		}
		if n := h.conv.opened(); n != 0 {
			t.Errorf("%d replies opened, want 0", n)
		}
	})
}
