package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		scanned uint64
		want    int
	}{
		{0, 100},
		{4 << 20, 100},
		{gcHeadroom, 100},    // up to the headroom: the runtime's default
		{gcHeadroom + 1, 99}, // just beyond: the headroom stays gcHeadroom
		{2 * gcHeadroom, 50},
		{3 * gcHeadroom, 33},        // 100 × 1/3, rounded down
		{4 * gcHeadroom, 25},        // the floor reached
		{40 * gcHeadroom, 25},       // and kept
		{1 << 62, gcPercentFloor},   // no overflow
		{gcHeadroom * 10 / 9, 90},   // 100 × 9/10
		{gcHeadroom * 100 / 70, 70}, // 100 × 7/10
	} {
		if got := gcPercentFor(c.scanned); got != c.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", c.scanned, got, c.want)
		}
	}
}

func TestGCPolicyOn(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"GOGC": ""}, true}, // set but empty: the runtime ignores it too
		{map[string]string{"GOGC": "100"}, false},
		{map[string]string{"GOGC": "off"}, false},
		{map[string]string{"GOMEMLIMIT": "512MiB"}, false},
		{map[string]string{"GOGC": "200", "GOMEMLIMIT": "1GiB"}, false},
	} {
		lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		if got := gcPolicyOn(lookup); got != c.want {
			t.Errorf("gcPolicyOn(%v) = %v, want %v", c.env, got, c.want)
		}
	}
}

// The policy sets GOGC from what each collection scanned, only when it
// changes, and gives the default back when it stops.
func TestGCPolicyRun(t *testing.T) {
	collected := make(chan struct{})
	scanned := make(chan uint64, 1)
	var set []int
	p := &gcPolicy{
		collected: collected,
		scanned:   func() uint64 { return <-scanned },
		set:       func(v int) int { set = append(set, v); return 0 },
		percent:   gcPercentDefault,
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run(ctx)
	}()
	for _, s := range []uint64{1 << 20, 2 * gcHeadroom, 2 * gcHeadroom, 8 * gcHeadroom, gcHeadroom / 2} {
		scanned <- s
		collected <- struct{}{}
	}
	// The last scanned value was taken: wait for run to be back in its
	// select (collected is unbuffered: this send is received only there).
	scanned <- gcHeadroom / 2
	collected <- struct{}{}
	cancel()
	<-done
	want := []int{50, 25, 100}
	if len(set) != len(want) {
		t.Fatalf("GOGC set to %v, want %v", set, want)
	}
	for i := range want {
		if set[i] != want[i] {
			t.Fatalf("GOGC set to %v, want %v", set, want)
		}
	}
}

// A stopped policy restores the runtime's default percent it changed.
func TestGCPolicyRestoresDefault(t *testing.T) {
	var set []int
	p := &gcPolicy{collected: make(chan struct{}), set: func(v int) int { set = append(set, v); return 0 }, percent: 40}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p.run(ctx)
	if len(set) != 1 || set[0] != gcPercentDefault {
		t.Fatalf("GOGC set to %v, want [%d]", set, gcPercentDefault)
	}
}

// gcNotify tells of real collections, and stops re-arming once its
// context ends.
func TestGCNotify(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	c, stopped := gcNotify(ctx)
	// A cleanup runs on the runtime's cleanup goroutine after the
	// collection that found its sentinel unreachable: collect until the
	// awaited channel is ready (bounded: the test fails rather than hangs).
	collectUntil := func(what string, ready <-chan struct{}) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			runtime.GC()
			select {
			case <-ready:
				return
			case <-time.After(10 * time.Millisecond):
				if time.Now().After(deadline) {
					t.Fatalf("no %s after 30 s of collections", what)
				}
			}
		}
	}
	for i := range 3 {
		collectUntil(fmt.Sprintf("notice %d", i), c)
	}
	// After cancel a cleanup finds the context ended, closes stopped and
	// arms no other sentinel (a notifier that kept re-arming would never
	// close it, and this fails after its 30 s).
	cancel()
	collectUntil("end of the notices", stopped)
}

// startGCPolicy stays off when the operator set GOGC, and otherwise runs
// until stopped, leaving the runtime's default percent behind.
func TestStartGCPolicy(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	gogc := func(k string) (string, bool) { return "100", k == "GOGC" }
	startGCPolicy(t.Context(), gogc, log)()
	if !strings.Contains(logs.String(), "GC policy off") {
		t.Fatalf("with GOGC set, the log says %q, want the policy off", logs.String())
	}
	logs.Reset()
	stop := startGCPolicy(t.Context(), noEnv, log)
	if !strings.Contains(logs.String(), "GC policy: ") {
		t.Fatalf("without GOGC, the log says %q, want the policy on", logs.String())
	}
	runtime.GC()
	stop()
	if p := debug.SetGCPercent(gcPercentDefault); p != gcPercentDefault {
		t.Fatalf("GOGC after the policy stopped = %d, want %d", p, gcPercentDefault)
	}
}
