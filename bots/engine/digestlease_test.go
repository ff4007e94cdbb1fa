package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/store"
	"mistralbot/bots/summary"
)

// onceConv is a digestConv whose posts are keyed
// (bots.OnceChannelPoster), as the Slack and Discord adapters are: a
// PostOnce with a key already in the channel returns that message.
type onceConv struct {
	*digestConv
	omu       sync.Mutex
	keyed     map[string]string // once -> message id
	calls     []time.Time       // every PostOnce, when
	slowFirst time.Duration     // the first ReadSpan takes this long
	reads     int
}

var _ bots.OnceChannelPoster = (*onceConv)(nil)

func newOnceConv() *onceConv {
	return &onceConv{digestConv: &digestConv{fakeConv: newFakeConv()}, keyed: map[string]string{}}
}

func (c *onceConv) ReadSpan(ctx context.Context, q bots.SpanQuery) (bots.Span, error) {
	c.omu.Lock()
	c.reads++
	slow := c.reads == 1 && c.slowFirst > 0
	c.omu.Unlock()
	if slow {
		time.Sleep(c.slowFirst)
	}
	return c.digestConv.ReadSpan(ctx, q)
}

func (c *onceConv) PostOnce(ctx context.Context, key bots.ConversationKey, once, text string) (string, error) {
	c.omu.Lock()
	defer c.omu.Unlock()
	c.calls = append(c.calls, time.Now())
	if id, ok := c.keyed[once]; ok {
		return id, nil
	}
	if err := c.PostToChannel(ctx, key, text); err != nil {
		return "", err
	}
	id := time.Now().Format(time.RFC3339Nano)
	c.keyed[once] = id
	return id, nil
}

func (c *onceConv) postOnceCalls() []time.Time {
	c.omu.Lock()
	defer c.omu.Unlock()
	return append([]time.Time(nil), c.calls...)
}

// digestDay starts the bubble's clock at at (Paris time) with a day of
// messages before 09:00 of the 28th of March, and returns the period key
// of that morning's digest.
func digestDay(t *testing.T, conv *onceConv, at string) (now time.Time, period string) {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now, err = time.ParseInLocation("2006-01-02 15:04", at, paris)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(now))
	for ts := now.Add(-20 * time.Hour); ts.Before(now.Add(-time.Hour)); ts = ts.Add(3 * time.Hour) {
		conv.msgs = append(conv.msgs, bots.SpanMessage{ID: ts.Format(time.RFC3339), Author: "Alice", Text: "news", Time: ts})
	}
	d, _, err := summary.ParseDigest("daily 09:00 Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return now, d.Last(now).Key
}

// A replica died after posting the digest and before finishing its
// lease: the next one waits for the lease to expire, takes it, finds the
// keyed post, posts nothing and finishes the period.
func TestDigestCrashAfterPostBeforeFinishPostsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conv := newOnceConv()
		now, period := digestDay(t, conv, "2026-03-28 09:01")
		key := "digest:slack:C1:" + period
		st := store.NewMemory(store.MemoryOptions{})
		ctx := context.Background()
		if ok, err := st.Lease(ctx, key, "dead", 2*time.Minute); err != nil || !ok {
			t.Fatalf("the dead replica's lease: %v %v", ok, err)
		}
		conv.keyed[key] = "posted-by-the-dead"
		conv.posts = append(conv.posts, digestPost{at: now, text: "the digest the dead replica posted"})

		stop := replica(t, st, conv, newMemLLM())
		time.Sleep(10 * time.Minute)
		stop()

		if posts := conv.snapshot(); len(posts) != 1 {
			t.Fatalf("%d digests in the channel, want 1 (the dead replica's)", len(posts))
		}
		calls := conv.postOnceCalls()
		if len(calls) != 1 {
			t.Fatalf("%d keyed posts tried, want 1 (the takeover, once)", len(calls))
		}
		if calls[0].Before(now.Add(2 * time.Minute)) {
			t.Errorf("the takeover posted at %s, before the dead lease expired at %s", calls[0], now.Add(2*time.Minute))
		}
		if ok, err := st.Lease(ctx, key, "another", time.Hour); err != nil || ok {
			t.Fatalf("Lease of the period after the takeover = %v, %v; want false (finished)", ok, err)
		}
	})
}

// Replicas racing over the due time: one keyed post is even tried; the
// others find the period leased, then finished.
func TestDigestRacingReplicasPostOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conv := newOnceConv()
		digestDay(t, conv, "2026-03-28 08:58")
		st := store.NewMemory(store.MemoryOptions{})
		llm := newMemLLM()
		var stops []func()
		for range 4 {
			stops = append(stops, replica(t, st, conv, llm))
		}
		time.Sleep(10 * time.Minute)
		for _, stop := range stops {
			stop()
		}
		if n := len(conv.postOnceCalls()); n != 1 {
			t.Fatalf("%d keyed posts tried by 4 replicas, want 1", n)
		}
		if n := len(conv.snapshot()); n != 1 {
			t.Fatalf("%d digests posted, want 1", n)
		}
		if n := len(llm.requests()); n != 1 {
			t.Fatalf("%d model calls, want 1", n)
		}
	})
}

// A live holder slower than the lease keeps it by renewing: the other
// replica does not take it over and try the post too.
func TestDigestSlowHolderKeepsItsLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conv := newOnceConv()
		conv.slowFirst = 7 * time.Minute // over three lease lifetimes
		digestDay(t, conv, "2026-03-28 09:00")
		st := store.NewMemory(store.MemoryOptions{})
		llm := newMemLLM()
		stopA := replica(t, st, conv, llm)
		time.Sleep(time.Second) // A leases first, then stalls in ReadSpan
		stopB := replica(t, st, conv, llm)
		time.Sleep(15 * time.Minute)
		stopA()
		stopB()
		if n := len(conv.postOnceCalls()); n != 1 {
			t.Fatalf("%d keyed posts tried, want 1 (the slow holder's)", n)
		}
		if n := len(conv.snapshot()); n != 1 {
			t.Fatalf("%d digests posted, want 1", n)
		}
	})
}

// A digest that failed (the model down) is tried again after the retry
// delay, not every minute, and then posted once.
func TestDigestFailureRetriedLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conv := newOnceConv()
		now, _ := digestDay(t, conv, "2026-03-28 09:00")
		st := store.NewMemory(store.MemoryOptions{})
		llm := newMemLLM(script{err: &bots.ModelError{Code: bots.CodeUnavailable, Err: errors.New("down")}})
		stop := replica(t, st, conv, llm)
		time.Sleep(40 * time.Minute)
		stop()
		if n := len(llm.requests()); n != 2 {
			t.Fatalf("%d model calls in 40 minutes, want 2 (the failure, and one retry 15 minutes later)", n)
		}
		calls := conv.postOnceCalls()
		if len(calls) != 1 || calls[0].Sub(now) < 15*time.Minute {
			t.Fatalf("keyed posts at %v, want one, 15 minutes or more after %s", calls, now)
		}
		if n := len(conv.snapshot()); n != 1 {
			t.Fatalf("%d digests posted, want 1", n)
		}
	})
}
