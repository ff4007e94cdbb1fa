package main

import (
	"context"
	"log/slog"
	"runtime"
	"time"
)

// The bot runs on one processor (GOMAXPROCS=1) while it is quiet and on
// the runtime's default while it is busy. Why: on these machines a
// streamed token is one packet, and at light load (10 replies, a packet
// every 2 ms) every packet finds the process idle. With more than one P
// the runtime wakes a second thread for each goroutine it readies (the
// transport's read loop readies the reply's reader, which readies
// nothing else): a futex wake and a spinning thread per frame. On one P
// the readied goroutine runs next on the same thread. Measured with the
// load tool, the same binary with GOMAXPROCS=1 against the default, 3
// alternated runs each (BENCHMARKS.md, issue 20 session 9): CPU per reply
// 44 -> 32 ms at 10 conversations and 11.8 -> 9.4 ms at 200, but at 1,000
// conversations arriving in 2 s one P made the added latency's p99 80 ->
// 242 ms. So one P only while the process uses little CPU: a burst raises
// it within one sample.
//
// An operator's GOMAXPROCS (the environment variable) is left alone: the
// runtime read it at start and the controller never runs.

// procsPolicy decides, from the share of one core the process used over
// each sample, when to go to one P and when back to the default.
type procsPolicy struct {
	// sample is how often the process's CPU time is read. At one P a
	// burst waits at most this long for the other processors.
	sample time.Duration
	// raiseAt: at one P, a sample using at least this share of the one
	// core raises GOMAXPROCS to the default (the P is half busy: queueing
	// starts to show in the added latency).
	raiseAt float64
	// lowerBelow and quietFor: at the default, a window of quietFor whose
	// samples used on average less than this share of one core lowers it
	// to one P. Below raiseAt, so a load near the threshold does not flap.
	lowerBelow float64
	quietFor   time.Duration
}

// defaultProcsPolicy: 50 ms samples (20 system calls a second; the
// sysmon setting already wakes the process every 10 ms). Raise when one
// sample keeps the one P 70% busy; lower after a 2 s window averaging
// under 40% of a core (the 200-conversation scenario's streaming, about
// 0.25 of a core, then runs on one P; the 1,000-conversation ramp does
// not).
var defaultProcsPolicy = procsPolicy{sample: 50 * time.Millisecond, raiseAt: 0.7, lowerBelow: 0.4, quietFor: 2 * time.Second}

// procsState is where the controller is: on one P or on the default,
// and on the default the CPU and wall time of the current quiet window.
type procsState struct {
	one             bool
	winCPU, winWall time.Duration
}

// step returns the state after a sample that used cpu of CPU time over
// wall, and whether GOMAXPROCS changes. On one P a single busy sample
// raises it (a burst must not queue). On the default the samples are
// summed over windows of quietFor, and a window whose average is under
// lowerBelow lowers it: a load made of short spells (the frames of 200
// replies, a platform edit's JSON) is judged by what it costs on average,
// not by its busiest 50 ms.
func (p procsPolicy) step(s procsState, cpu, wall time.Duration) (procsState, bool) {
	if wall <= 0 {
		return s, false
	}
	if s.one {
		if float64(cpu) >= p.raiseAt*float64(wall) {
			return procsState{}, true
		}
		return s, false
	}
	s.winCPU += cpu
	s.winWall += wall
	if s.winWall < p.quietFor {
		return s, false
	}
	if float64(s.winCPU) < p.lowerBelow*float64(s.winWall) {
		return procsState{one: true}, true
	}
	return procsState{}, false
}

// procsControl is what the controller acts through: the process's CPU
// time so far, and the two settings. Tests replace every part.
type procsControl struct {
	cpuTime    func() (time.Duration, bool)
	setOne     func()
	setDefault func()
}

// runtimeProcs acts on the real runtime. SetDefaultGOMAXPROCS (Go 1.25)
// returns to the runtime's own choice, which follows the CPU affinity and
// the container's CPU quota and keeps updating it; GOMAXPROCS(1) stops
// those updates until the next SetDefaultGOMAXPROCS.
var runtimeProcs = procsControl{
	cpuTime:    processCPUTime,
	setOne:     func() { runtime.GOMAXPROCS(1) },
	setDefault: runtime.SetDefaultGOMAXPROCS,
}

// controlProcs runs until ctx ends, switching between one P and the
// default as the policy says, and leaves the default set when it returns.
// It starts on the default (the bot's start is busy: config, store,
// connections) and does nothing when the default is already one P, when
// the operator set GOMAXPROCS, or when CPU time cannot be read here.
func controlProcs(ctx context.Context, p procsPolicy, c procsControl, lookup func(string) (string, bool), defaultProcs int, log *slog.Logger) {
	if v, ok := lookup("GOMAXPROCS"); ok && v != "" {
		return
	}
	if defaultProcs <= 1 {
		return
	}
	last, ok := c.cpuTime()
	if !ok {
		return
	}
	tick := time.NewTicker(p.sample)
	defer tick.Stop()
	var s procsState
	lastAt := time.Now()
	defer func() {
		if s.one {
			c.setDefault()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			cpu, ok := c.cpuTime()
			if !ok {
				return
			}
			next, change := p.step(s, cpu-last, now.Sub(lastAt))
			last, lastAt = cpu, now
			if change {
				if next.one {
					c.setOne()
				} else {
					c.setDefault()
				}
				log.Debug("processors for Go code", "one", next.one)
			}
			s = next
		}
	}
}

// startProcsControl runs controlProcs on e's control until ctx ends or
// stop is called (nothing when e has none: tests); stop returns once it
// has stopped, with the runtime's default set.
func startProcsControl(ctx context.Context, e env, log *slog.Logger) (stop func()) {
	if e.procs == nil {
		return func() {}
	}
	return startBackground(ctx, func(ctx context.Context) {
		controlProcs(ctx, defaultProcsPolicy, *e.procs, e.lookup, runtime.GOMAXPROCS(0), log)
	})
}
