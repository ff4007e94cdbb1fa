package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The GC policy: a bounded headroom instead of the runtime's doubling.
//
// With GOGC=100 the runtime lets the heap grow, between collections, by as
// much as the heap the last collection found live plus the goroutine
// stacks and globals it scanned (the heap goal since Go 1.18: live +
// (live + stacks + globals) × GOGC/100, runtime/mgcpacer.go heapGoal).
// With many answers in flight the live part is mostly the answers
// themselves, so every answer costs about twice what it holds: about 86
// KB of RSS per in-flight conversation at 1,000 of them, where 64 KB is
// the target (issue 20; BENCHMARKS.md, session 8: GOGC=50 gave 64.5 KB).
//
// The policy keeps the runtime's default while what the GC scans is
// small, and above gcHeadroom caps the garbage allowed between two
// collections at gcHeadroom: after each collection GOGC becomes
// 100 × gcHeadroom / scanned, never below gcPercentFloor. The price is
// collections more often in proportion (the GC's CPU grows as the
// percent shrinks), at most 100/gcPercentFloor = 4 times as often as the
// default's for heaps beyond 4 × gcHeadroom, and nothing while what is
// scanned stays under gcHeadroom (200 answers in flight scan about 9
// MiB). At 1,000 answers in flight (about 40 MiB scanned, GOGC about
// 30): 81-86 KB -> 56-60 KB of RSS per answer for 0.3-1.4 ms more CPU
// per reply; 16 MiB gave 60-65 KB (BENCHMARKS.md, issue 20, session 9).
//
// An operator's choice wins: with GOGC or GOMEMLIMIT in the environment
// the policy is off and the runtime does what they say (GOGC=100 gives
// the runtime's default back). The soft limit that run derives from a
// container's limit (memlimit.go) is not an operator's choice and stays
// on with the policy: the limit is a ceiling near the container's end,
// the policy keeps the heap low long before it.
const (
	// gcHeadroom is the garbage allowed between collections once what
	// the GC scans exceeds it.
	gcHeadroom = 12 << 20
	// gcPercentFloor bounds how often the GC runs: GOGC never goes below.
	gcPercentFloor = 25
	// gcPercentDefault is the runtime's own GOGC.
	gcPercentDefault = 100
)

// gcPercentFor is the GOGC for a collection that scanned scanned bytes
// (live heap, stacks and globals): the runtime's default up to
// gcHeadroom, then the percent that makes the headroom gcHeadroom, not
// below gcPercentFloor.
func gcPercentFor(scanned uint64) int {
	if scanned <= gcHeadroom {
		return gcPercentDefault
	}
	return max(gcPercentFloor, int(uint64(gcHeadroom)*gcPercentDefault/scanned))
}

// gcScanned reads what the last collection scanned: the live heap, the
// stacks and the globals (runtime/metrics, Go 1.21+), the sum the
// runtime's heap goal is a percent of.
func gcScanned() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	var sum uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			sum += v.Value.Uint64()
		}
	}
	return sum
}

// gcPolicy sets GOGC after each collection from what it scanned.
type gcPolicy struct {
	// collected receives once per collection (gcNotify outside tests).
	collected <-chan struct{}
	scanned   func() uint64
	set       func(int) int // debug.SetGCPercent outside tests
	percent   int           // the GOGC in force
}

// run adjusts GOGC after each collection until ctx ends, then gives the
// runtime's default back.
func (p *gcPolicy) run(ctx context.Context) {
	defer p.apply(gcPercentDefault)
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.collected:
			p.apply(gcPercentFor(p.scanned()))
		}
	}
}

// apply sets GOGC to percent unless it is in force already.
func (p *gcPolicy) apply(percent int) {
	if percent != p.percent {
		p.set(percent)
		p.percent = percent
	}
}

// gcSentinel is allocated for the GC to collect: its cleanup tells a
// collection happened. Larger than the tiny allocator's 16-byte blocks,
// whose objects are freed together and may keep a cleanup from running
// (runtime/malloc.go, maxTinySize).
type gcSentinel struct{ _ [32]byte }

// gcNotify sends on the returned channel after each collection (at most
// one pending), from the first one after the call until ctx ends. A
// cleanup runs once the sentinel is unreachable, that is after the first
// collection that follows its allocation; it re-arms with a new sentinel.
// stopped is closed by the first cleanup that finds ctx ended: it arms
// no other, so nothing is sent after it.
func gcNotify(ctx context.Context) (c <-chan struct{}, stopped <-chan struct{}) {
	notices, end := make(chan struct{}, 1), make(chan struct{})
	var arm func(struct{})
	arm = func(struct{}) {
		if ctx.Err() != nil {
			close(end)
			return
		}
		select {
		case notices <- struct{}{}:
		default: // one is pending: the reader sees the newest figures anyway
		}
		runtime.AddCleanup(new(gcSentinel), arm, struct{}{})
	}
	runtime.AddCleanup(new(gcSentinel), arm, struct{}{})
	return notices, end
}

// gcPolicyOn reports whether the policy applies: not when the operator
// set GOGC or GOMEMLIMIT (the runtime read them at start).
func gcPolicyOn(lookup func(string) (string, bool)) bool {
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		if v, ok := lookup(k); ok && v != "" {
			return false
		}
	}
	return true
}

// startGCPolicy runs the policy until ctx ends or stop is called, unless
// the operator tuned the GC (lookup reads the process's environment);
// stop returns once it has stopped.
func startGCPolicy(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) (stop func()) {
	if !gcPolicyOn(lookup) {
		log.Info("GC policy off: GOGC or GOMEMLIMIT set by the operator")
		return func() {}
	}
	log.Info("GC policy: the runtime's GOGC until the GC scans more than the headroom, then that headroom", "headroom_bytes", gcHeadroom, "gogc_floor", gcPercentFloor)
	return startBackground(ctx, func(ctx context.Context) {
		collected, _ := gcNotify(ctx)
		p := &gcPolicy{collected: collected, scanned: gcScanned, set: debug.SetGCPercent, percent: gcPercentDefault}
		p.run(ctx)
	})
}
