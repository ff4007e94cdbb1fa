package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestProcsPolicyStep: one P is left at the first busy sample; the
// default only after a window of quietFor whose average is quiet, and a
// busy window starts the count again; a single busy sample inside a quiet
// window does not keep the default; a load between the two thresholds
// stays where it is.
func TestProcsPolicyStep(t *testing.T) {
	p := procsPolicy{sample: 50 * time.Millisecond, raiseAt: 0.5, lowerBelow: 0.25, quietFor: 200 * time.Millisecond}
	ms := time.Millisecond
	type sample struct {
		cpu        time.Duration
		wantOne    bool
		wantChange bool
	}
	cases := []struct {
		name    string
		start   procsState
		samples []sample
	}{
		{"quiet default goes to one P after quietFor", procsState{}, []sample{
			{5 * ms, false, false}, {5 * ms, false, false}, {5 * ms, false, false}, {5 * ms, true, true},
		}},
		{"one busy sample in a quiet window: judged by the average", procsState{}, []sample{
			{5 * ms, false, false}, {30 * ms, false, false}, {5 * ms, false, false}, {5 * ms, true, true},
		}},
		{"a busy window keeps the default and starts a new one", procsState{}, []sample{
			{20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false},
			{5 * ms, false, false}, {5 * ms, false, false}, {5 * ms, false, false}, {5 * ms, true, true},
		}},
		{"one P raised by a sample at half a core", procsState{one: true}, []sample{
			{10 * ms, true, false}, {24 * ms, true, false}, {25 * ms, false, true},
		}},
		{"between the thresholds one P stays", procsState{one: true}, []sample{
			{20 * ms, true, false}, {20 * ms, true, false}, {20 * ms, true, false}, {20 * ms, true, false}, {20 * ms, true, false},
		}},
		{"between the thresholds the default stays", procsState{}, []sample{
			{20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false},
			{20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false}, {20 * ms, false, false},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.start
			for i, smp := range c.samples {
				var change bool
				s, change = p.step(s, smp.cpu, p.sample)
				if s.one != smp.wantOne || change != smp.wantChange {
					t.Fatalf("sample %d (%v of %v): one=%v change=%v, want one=%v change=%v", i, smp.cpu, p.sample, s.one, change, smp.wantOne, smp.wantChange)
				}
			}
		})
	}
	if s, change := p.step(procsState{one: true}, time.Second, 0); change || !s.one {
		t.Errorf("a sample of no wall time changed the state: %+v %v", s, change)
	}
}

// fakeCPU is a process whose CPU time grows at a rate the test sets, on
// synctest's clock, and which records the settings made.
type fakeCPU struct {
	mu    sync.Mutex
	rate  float64 // share of one core used from now on
	cpu   time.Duration
	since time.Time
	calls []string
}

func (f *fakeCPU) setRate(r float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance()
	f.rate = r
}

func (f *fakeCPU) advance() {
	now := time.Now()
	f.cpu += time.Duration(float64(now.Sub(f.since)) * f.rate)
	f.since = now
}

func (f *fakeCPU) control() procsControl {
	record := func(s string) func() {
		return func() { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }
	}
	return procsControl{
		cpuTime: func() (time.Duration, bool) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.advance()
			return f.cpu, true
		},
		setOne:     record("one"),
		setDefault: record("default"),
	}
}

func (f *fakeCPU) settings() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func noEnv(string) (string, bool) { return "", false }

// TestControlProcsFollowsTheLoad: an idle bot goes to one P after the
// quiet time, a burst brings the default back within one sample, and
// the default is set again when the controller stops.
func TestControlProcsFollowsTheLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := defaultProcsPolicy
		f := &fakeCPU{since: time.Now(), rate: 0.01}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			controlProcs(ctx, p, f.control(), noEnv, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
		}()

		time.Sleep(p.quietFor - p.sample)
		synctest.Wait()
		if got := f.settings(); len(got) != 0 {
			t.Fatalf("before quietFor: settings %v, want none", got)
		}
		time.Sleep(p.sample)
		synctest.Wait()
		if got := f.settings(); len(got) != 1 || got[0] != "one" {
			t.Fatalf("after quietFor idle: settings %v, want [one]", got)
		}

		f.setRate(1.5) // a burst: more than one core's worth asked for
		time.Sleep(p.sample)
		synctest.Wait()
		if got := f.settings(); len(got) != 2 || got[1] != "default" {
			t.Fatalf("one sample into a burst: settings %v, want [one default]", got)
		}

		f.setRate(0.01)
		time.Sleep(p.quietFor)
		synctest.Wait()
		if got := f.settings(); len(got) != 3 || got[2] != "one" {
			t.Fatalf("quiet again: settings %v, want [one default one]", got)
		}
		cancel()
		<-done
		if got := f.settings(); len(got) != 4 || got[3] != "default" {
			t.Fatalf("after stop: settings %v, want the default set last", got)
		}
	})
}

// TestControlProcsLeavesAnOperatorsChoice: with GOMAXPROCS in the
// environment, with one processor by default, or without a CPU clock,
// the controller returns at once and sets nothing.
func TestControlProcsLeavesAnOperatorsChoice(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	set := func(k string) (string, bool) { return "2", k == "GOMAXPROCS" }
	cases := []struct {
		name   string
		lookup func(string) (string, bool)
		procs  int
		clock  bool
	}{
		{"GOMAXPROCS set", set, 2, true},
		{"one processor", noEnv, 1, true},
		{"no CPU clock", noEnv, 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeCPU{since: time.Now()}
				ctl := f.control()
				if !c.clock {
					ctl.cpuTime = func() (time.Duration, bool) { return 0, false }
				}
				done := make(chan struct{})
				go func() { defer close(done); controlProcs(t.Context(), defaultProcsPolicy, ctl, c.lookup, c.procs, log) }()
				// Returned at once, or blocked on its ticker: Wait tells.
				synctest.Wait()
				select {
				case <-done:
				default:
					t.Fatal("the controller is still running")
				}
				if got := f.settings(); len(got) != 0 {
					t.Errorf("settings %v, want none", got)
				}
			})
		})
	}
}
