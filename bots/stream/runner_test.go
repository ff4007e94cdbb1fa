package stream

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"mistralbot/internal/leaktest"
)

// TestRunnerRunsOnlyWhileThereIsWork: a wake-up runs the work once; one
// during a run makes the run work again (nothing is lost); a retry asked
// for runs after its delay, and a wake-up that is not urgent meanwhile
// does nothing while an urgent one runs at once; the context's end while
// idle ends the writer, exit called once and done closed.
func TestRunnerRunsOnlyWhileThereIsWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var runs []time.Duration // time of each run since t0
		again := time.Duration(0)
		t0 := time.Now()
		var r *runner
		exits := 0
		r = newRunner(func(ctx context.Context) (time.Duration, bool) {
			mu.Lock()
			runs = append(runs, time.Since(t0))
			n, d := len(runs), again
			mu.Unlock()
			if n == 1 {
				r.wake(false) // a text during the run
			}
			return d, false
		}, func() { exits++ })
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(runs) }
		ctx, cancel := context.WithCancel(context.Background())
		r.wake(true) // before start: no context yet, nothing runs
		synctest.Wait()
		if count() != 0 {
			t.Fatal("ran before start")
		}
		r.start(ctx)
		r.wake(false)
		synctest.Wait()
		if count() != 2 {
			t.Fatalf("%d runs, want 2 (the wake-up and the text during it)", count())
		}
		mu.Lock()
		again = time.Second
		mu.Unlock()
		r.wake(false) // run 3 asks for a retry in 1 s
		synctest.Wait()
		if count() != 3 || !r.timed() {
			t.Fatalf("%d runs, timed %v: want 3 and a retry armed", count(), r.timed())
		}
		r.wake(false) // waits for the timer
		synctest.Wait()
		if count() != 3 {
			t.Fatalf("%d runs: a non-urgent wake-up ran while a retry was armed", count())
		}
		time.Sleep(time.Second) // the timer fires: run 4, which asks again
		synctest.Wait()
		if count() != 4 {
			t.Fatalf("%d runs, want the timer's", count())
		}
		mu.Lock()
		again = 0
		mu.Unlock()
		r.wake(true) // urgent: now, not at the timer
		synctest.Wait()
		mu.Lock()
		at := runs[4]
		mu.Unlock()
		if count() != 5 || at >= 2*time.Second || r.timed() {
			t.Fatalf("%d runs, last at %v, timed %v: want an urgent run at once, no retry left", count(), at, r.timed())
		}
		cancel()
		synctest.Wait()
		select {
		case <-r.done:
		default:
			t.Fatal("the context's end did not end an idle writer")
		}
		r.wake(true)
		synctest.Wait()
		if count() != 5 || exits != 1 {
			t.Fatalf("%d runs, %d exits after the end: want 5 and 1", count(), exits)
		}
	})
}

// TestRunnerStopEnds: work that stops ends the writer: exit once, done
// closed, no run after; no goroutine is left (the bubble ends only when
// its goroutines have, and goleak checks after it).
func TestRunnerStopEnds(t *testing.T) {
	before := goleak.IgnoreCurrent()
	synctest.Test(t, func(t *testing.T) {
		exits := 0
		runs := 0
		r := newRunner(func(ctx context.Context) (time.Duration, bool) {
			runs++
			return time.Hour, runs == 2
		}, func() { exits++ })
		r.start(context.Background())
		r.wake(true)
		synctest.Wait() // the first run has armed its retry
		if !r.timed() {
			t.Fatal("the first run did not arm its retry")
		}
		r.wake(true) // urgent: runs now and stops
		<-r.done
		r.wake(true)
		synctest.Wait()
		if runs != 2 || exits != 1 || r.timed() {
			t.Fatalf("%d runs, %d exits, timed %v: want 2, 1, false", runs, exits, r.timed())
		}
	})
	if err := leaktest.Find(before); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerUrgentWakeAtTheTimersInstant: an urgent wake-up (Finish, a
// side item) that comes at the very instant the retry's timer fires
// starts one run, never two at once, and leaves one retry armed; the
// final wake-up ends the writer and no stale timer runs the work after.
func TestRunnerUrgentWakeAtTheTimersInstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight, overlaps, runs, after := 0, 0, 0, 0
		final, ended := false, false
		r := newRunner(func(ctx context.Context) (time.Duration, bool) {
			mu.Lock()
			inFlight++
			if inFlight > 1 {
				overlaps++
			}
			runs++
			if ended {
				after++
			}
			stop := final
			mu.Unlock()
			runtime.Gosched() // a platform call: let another run in, were there one
			mu.Lock()
			inFlight--
			mu.Unlock()
			return time.Second, stop
		}, nil)
		r.start(context.Background())
		r.wake(true)
		synctest.Wait()
		const rounds = 200
		for range rounds {
			mu.Lock()
			before := runs
			mu.Unlock()
			time.Sleep(time.Second) // the retry's timer fires now too
			r.wake(true)
			synctest.Wait()
			mu.Lock()
			n := runs - before
			mu.Unlock()
			if n < 1 || n > 2 || !r.timed() {
				t.Fatalf("%d runs, retry armed %v: want one or two (the timer's, the wake-up's) and a retry", n, r.timed())
			}
		}
		mu.Lock()
		final = true
		mu.Unlock()
		r.wake(true)
		<-r.done
		mu.Lock()
		ended = true
		mu.Unlock()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if overlaps != 0 || after != 0 || runs < rounds+2 || runs > 2*rounds+2 {
			t.Fatalf("%d runs (%d at once, %d after the end) for %d rounds: want one or two a round, never at once, none after", runs, overlaps, after, rounds)
		}
	})
}
