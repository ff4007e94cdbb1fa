package stream

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
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
// closed, no run after; no goroutine is left (goleak).
func TestRunnerStopEnds(t *testing.T) {
	before := goleak.IgnoreCurrent()
	exits := 0
	runs := 0
	r := newRunner(func(ctx context.Context) (time.Duration, bool) {
		runs++
		return time.Hour, runs == 2
	}, func() { exits++ })
	r.start(context.Background())
	r.wake(true)
	for !r.timed() {
		// the first run arms its retry; wait for it (no fixed sleep)
		time.Sleep(time.Millisecond)
	}
	r.wake(true) // urgent: runs now and stops
	<-r.done
	r.wake(true)
	if err := goleak.Find(before); err != nil {
		t.Fatal(err)
	}
	if runs != 2 || exits != 1 || r.timed() {
		t.Fatalf("%d runs, %d exits, timed %v: want 2, 1, false", runs, exits, r.timed())
	}
}
