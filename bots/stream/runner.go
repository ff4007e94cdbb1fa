package stream

import (
	"context"
	"sync"
	"time"
)

// runner runs a writer's work (the Streamer's and the Appender's platform
// calls) on one goroutine at a time, and only while there is work: no
// goroutine waits between two calls of a reply. A reply waits most of its
// life (for its next edit's interval, an admission, the model), and a
// parked writer goroutine per reply was about 8 KB of stack each at 1,000
// replies in flight (issue 20). A wake-up starts a run on a new
// goroutine; a timed retry runs on the timer's (time.AfterFunc); the
// context's end is watched by context.AfterFunc, also without a goroutine.
// A wake-up during a run marks it dirty and the run works again.
type runner struct {
	// work does one step with the reply's context: again > 0 asks to
	// run again after that long, stop ends the writer.
	work func(ctx context.Context) (again time.Duration, stop bool)
	// exit is called once, when the writer ends, before done is closed,
	// by whoever ends it (never during work).
	exit func()
	done chan struct{}

	mu       sync.Mutex
	ctx      context.Context
	unwatch  func() bool
	running  bool
	dirty    bool // a wake-up came during the run
	urgent   bool // with dirty: one that does not wait for the timer
	exited   bool
	timer    *time.Timer
	timerGen int // names the armed timer: a stale callback does nothing
	wakes    int // runs started by a wake-up (tests)
}

func newRunner(work func(context.Context) (time.Duration, bool), exit func()) *runner {
	return &runner{work: work, exit: exit, done: make(chan struct{})}
}

// start binds the writer to ctx (the first text's): its end ends the
// writer. Only the first call counts.
func (r *runner) start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		r.ctx = ctx
		r.unwatch = context.AfterFunc(ctx, r.cancelled)
	}
}

// wake asks for a run. While a timed retry is armed, a wake-up that is
// not urgent does nothing (the timer's run will see the new state: one
// run per edit, not per token); an urgent one runs now. Never blocks.
func (r *runner) wake(urgent bool) {
	r.mu.Lock()
	if r.exited || r.ctx == nil {
		r.mu.Unlock()
		return
	}
	if r.running {
		r.dirty = true
		r.urgent = r.urgent || urgent
		r.mu.Unlock()
		return
	}
	if r.timer != nil {
		if !urgent {
			r.mu.Unlock()
			return
		}
		r.stopTimerLocked()
	}
	r.wakes++
	r.running = true
	r.mu.Unlock()
	go r.run()
}

// timed says a retry is armed (a wake-up that is not urgent would do
// nothing).
func (r *runner) timed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.timer != nil
}

func (r *runner) stopTimerLocked() {
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.timerGen++
}

// fire is the timer's callback.
func (r *runner) fire(gen int) {
	r.mu.Lock()
	if r.exited || gen != r.timerGen || r.running {
		r.mu.Unlock()
		return
	}
	r.timer = nil
	r.running = true
	r.mu.Unlock()
	r.run()
}

// cancelled is the context's callback: an idle writer ends now; a running
// one when its work returns.
func (r *runner) cancelled() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.exited && !r.running {
		r.exitLocked()
	}
}

// exitLocked ends the writer for good (mu held, no work running).
func (r *runner) exitLocked() {
	r.exited = true
	r.stopTimerLocked()
	if r.unwatch != nil {
		r.unwatch()
	}
	if r.exit != nil {
		r.exit()
	}
	close(r.done)
}

func (r *runner) run() {
	for {
		r.mu.Lock()
		r.dirty, r.urgent = false, false
		ctx := r.ctx
		r.mu.Unlock()
		again, stop := r.work(ctx)
		r.mu.Lock()
		switch {
		case stop || ctx.Err() != nil:
			r.exitLocked()
		case r.dirty && (again == 0 || r.urgent):
			r.mu.Unlock()
			continue
		case again > 0:
			r.timerGen++
			gen := r.timerGen
			r.timer = time.AfterFunc(again, func() { r.fire(gen) })
		}
		r.running = false
		r.mu.Unlock()
		return
	}
}
