package discord

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"mistralbot/internal/leaktest"
)

// typingCalls counts the typist's calls per channel, with their times.
type typingCalls struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (c *typingCalls) send(ctx context.Context, channel string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.times == nil {
		c.times = map[string][]time.Time{}
	}
	c.times[channel] = append(c.times[channel], time.Now())
}

func (c *typingCalls) of(channel string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.times[channel]...)
}

// TestTypistRenewsEachReplyFromItsStart: one timer for every waiting
// reply; a reply's indicator is sent at once and renewed every interval
// from its own start; a reply that ends stops its renewals while the
// other's go on; once no reply waits no timer is armed.
func TestTypistRenewsEachReplyFromItsStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := &typingCalls{}
		ty := &typist{send: calls.send, every: 8 * time.Second}
		ctx := context.Background()
		t0 := time.Now()
		a := ty.start(ctx, "a")
		time.Sleep(3 * time.Second)
		b := ty.start(ctx, "b") // mid-period: typing at once, not at a's next tick
		synctest.Wait()
		if got := calls.of("b"); len(got) != 1 || !got[0].Equal(t0.Add(3*time.Second)) {
			t.Fatalf("b typed at %v, want once at its start", got)
		}
		time.Sleep(14 * time.Second) // t0+17s
		synctest.Wait()
		if got := calls.of("a"); len(got) != 3 || !got[1].Equal(t0.Add(8*time.Second)) || !got[2].Equal(t0.Add(16*time.Second)) {
			t.Fatalf("a typed at %v, want t0, t0+8s, t0+16s", got)
		}
		if got := calls.of("b"); len(got) != 2 || !got[1].Equal(t0.Add(11*time.Second)) {
			t.Fatalf("b typed at %v, want t0+3s, t0+11s", got)
		}
		ty.stop(a)                   // a's answer began
		time.Sleep(16 * time.Second) // t0+33s
		synctest.Wait()
		if got := calls.of("a"); len(got) != 3 {
			t.Fatalf("a typed %d times, want no renewal after stop (3)", len(got))
		}
		if got := calls.of("b"); len(got) != 4 || !got[3].Equal(t0.Add(27*time.Second)) {
			t.Fatalf("b typed at %v, want its renewals to go on every 8 s", got)
		}
		ty.stop(b)
		ty.stop(b) // twice is fine
		ty.mu.Lock()
		armed, waiting := ty.timer != nil, len(ty.waiting)
		ty.mu.Unlock()
		if armed || waiting != 0 {
			t.Fatalf("timer armed %v, %d waiting after every reply stopped", armed, waiting)
		}
	})
}

// TestTypistStopWaitsForTheCallInFlight: stop returns only after the
// reply's typing call in flight has returned, so no indicator is sent
// after the answer's first post.
func TestTypistStopWaitsForTheCallInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		returned := false
		ty := &typist{every: 8 * time.Second, send: func(ctx context.Context, channel string) {
			time.Sleep(time.Second) // a slow typing call
			mu.Lock()
			returned = true
			mu.Unlock()
		}}
		tp := ty.start(context.Background(), "c")
		ty.stop(tp)
		mu.Lock()
		defer mu.Unlock()
		if !returned {
			t.Fatal("stop returned while the typing call was in flight")
		}
	})
}

// TestTypistDropsEndedReplies: a reply whose context ended is no longer
// renewed even if stop is never called.
func TestTypistDropsEndedReplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := &typingCalls{}
		ty := &typist{send: calls.send, every: 8 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		ty.start(ctx, "d")
		cancel()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if got := calls.of("d"); len(got) != 1 {
			t.Fatalf("%d typing calls, want only the first (the reply's context ended)", len(got))
		}
		ty.mu.Lock()
		defer ty.mu.Unlock()
		if ty.timer != nil || len(ty.waiting) != 0 {
			t.Fatal("an ended reply is still waiting")
		}
	})
}

// TestTypistLeavesNoGoroutine: many replies typing and stopping leave no
// goroutine behind (a typing call's goroutine ends with the call; the
// timer is not a goroutine).
func TestTypistLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	calls := &typingCalls{}
	ty := &typist{send: calls.send, every: 5 * time.Millisecond}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tp := ty.start(context.Background(), string(rune('a'+i%26)))
			time.Sleep(time.Duration(i%7) * 3 * time.Millisecond) // renewals happen meanwhile
			ty.stop(tp)
		}()
	}
	wg.Wait()
	if err := leaktest.Find(before); err != nil {
		t.Fatal(err)
	}
	ty.mu.Lock()
	defer ty.mu.Unlock()
	if ty.timer != nil || len(ty.waiting) != 0 {
		t.Fatal("timer or replies left after every reply stopped")
	}
}

// TestTypistStaleRenewalKeepsOneTimer: a renewal whose timer was replaced
// while its callback waited for the lock (a reply started just as the
// timer fired, re-arming it for a later reply) does nothing: the armed
// timer stays the one timer, and the replies are still renewed on time.
// Before, the stale callback forgot the armed timer and armed another,
// leaving two timer chains for as long as any reply waited.
func TestTypistStaleRenewalKeepsOneTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := &typingCalls{}
		ty := &typist{send: calls.send, every: 8 * time.Second}
		ctx := context.Background()
		t0 := time.Now()
		a := ty.start(ctx, "a") // renewal due at t0+8s
		time.Sleep(time.Second)
		b := ty.start(ctx, "b") // due at t0+9s: the timer stays at t0+8s
		ty.stop(a)
		ty.mu.Lock()
		stale := ty.gen // the timer for a's renewal, now useless
		ty.mu.Unlock()
		c := ty.start(ctx, "c") // re-arms the timer for b's renewal
		ty.mu.Lock()
		armed, due := ty.timer, ty.due
		ty.mu.Unlock()
		if armed == nil || !due.Equal(t0.Add(9*time.Second)) {
			t.Fatalf("timer %v due %v, want one armed for t0+9s", armed, due)
		}
		ty.renew(stale) // the replaced timer's callback, late
		ty.mu.Lock()
		same, due2 := ty.timer == armed, ty.due
		ty.mu.Unlock()
		if !same || !due2.Equal(due) {
			t.Fatalf("a stale renewal replaced the armed timer (same %v, due %v)", same, due2)
		}
		time.Sleep(9 * time.Second) // t0+10s
		synctest.Wait()
		for _, ch := range []string{"b", "c"} {
			if got := calls.of(ch); len(got) != 2 || !got[1].Equal(t0.Add(9*time.Second)) {
				t.Fatalf("%s typed at %v, want t0+1s and t0+9s", ch, got)
			}
		}
		ty.stop(b)
		ty.stop(c)
	})
}
