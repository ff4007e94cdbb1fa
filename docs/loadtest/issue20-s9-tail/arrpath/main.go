// arrpath reads an execution trace of the bot (cmd/loadtest -trace) and
// splits the time of the goroutines on a question's path to its model
// request into what they did: running, runnable (waiting for a P: the
// scheduler's latency), in a GC mark assist, in a system call, blocked
// (by reason). The path's goroutines are those whose stack, at any
// transition, holds one of the path's functions: the adapter's event
// handler (Dispatch), the Engine's worker up to the model request
// (prepare), the early request (startStream) and the LLM client's
// request write (h2pool). A goroutine counts from its first transition
// with such a stack to its last one (the worker: until it blocks reading
// the stream), so the long waits of a reading reply are left out.
//
//	go run . [-at mistralbot/] TRACE
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/exp/trace"
)

// roles: a function on the path, and the role of a goroutine whose stack
// holds it.
var roles = []struct{ fn, role string }{
	{"bots/engine.(*Engine).Dispatch", "dispatch"},
	{"bots/engine.(*Engine).prepare", "worker"},
	{"bots/engine.(*Engine).startStream", "request"},
	{"llm.(*h2pool)", "request"},
	{"bots/discord.(*Adapter).worker", "discord lane"},
}

type span struct {
	state string
	from  trace.Time
	to    trace.Time
}

type gor struct {
	role        string
	first, last trace.Time // transitions with a path stack
	spans       []span
	state       string
	since       trace.Time
	assistFrom  trace.Time
	assists     []span
}

func roleOf(st trace.Stack) string {
	role := ""
	for f := range st.Frames() {
		for _, r := range roles {
			if strings.Contains(f.Func, r.fn) {
				role = r.role
			}
		}
	}
	return role
}

// byFunc, when set (-at PREFIX), names each block by the innermost frame
// whose function starts with it.
var byFunc = flag.String("at", "", "name each block by its innermost frame under this function prefix (e.g. mistralbot/)")

func innermost(st trace.Stack, prefix string) string {
	for f := range st.Frames() {
		if strings.HasPrefix(f.Func, prefix) {
			return strings.TrimPrefix(f.Func, prefix)
		}
	}
	return "?"
}

func onStack(st trace.Stack, fn string) bool {
	for f := range st.Frames() {
		if strings.Contains(f.Func, fn) {
			return true
		}
	}
	return false
}

func stateName(s trace.GoState, reason string) string {
	switch s {
	case trace.GoRunning:
		return "running"
	case trace.GoRunnable:
		return "runnable"
	case trace.GoSyscall:
		return "syscall"
	case trace.GoWaiting:
		return "blocked:" + reason
	}
	return "other"
}

func main() {
	flag.Parse()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		panic(err)
	}
	r, err := trace.NewReader(f)
	if err != nil {
		panic(err)
	}
	gs := map[trace.GoID]*gor{}
	get := func(id trace.GoID) *gor {
		g := gs[id]
		if g == nil {
			g = &gor{}
			gs[id] = g
		}
		return g
	}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			g := get(st.Resource.Goroutine())
			_, to := st.Goroutine()
			if g.state != "" {
				g.spans = append(g.spans, span{g.state, g.since, ev.Time()})
			}
			if role := roleOf(st.Stack); role != "" {
				if g.role == "" || g.role == "request" || role == "discord lane" {
					g.role = role
				}
				if g.first == 0 {
					g.first = ev.Time()
				}
				g.last = ev.Time()
			}
			if role := roleOf(ev.Stack()); role != "" {
				if g.role == "" {
					g.role = role
				}
				if g.first == 0 {
					g.first = ev.Time()
				}
				g.last = ev.Time()
			}
			g.state, g.since = stateName(to, st.Reason), ev.Time()
			if to == trace.GoWaiting {
				if onStack(st.Stack, "go.etcd.io/bbolt") {
					g.state += " (in bbolt)"
				} else if where := *byFunc; where != "" {
					g.state += " at " + innermost(st.Stack, where)
				}
			}
		case trace.EventRangeBegin, trace.EventRangeActive:
			rg := ev.Range()
			if rg.Scope.Kind == trace.ResourceGoroutine && strings.Contains(rg.Name, "assist") {
				get(rg.Scope.Goroutine()).assistFrom = ev.Time()
			}
		case trace.EventRangeEnd:
			rg := ev.Range()
			if rg.Scope.Kind == trace.ResourceGoroutine && strings.Contains(rg.Name, "assist") {
				g := get(rg.Scope.Goroutine())
				if g.assistFrom != 0 {
					g.assists = append(g.assists, span{"assist", g.assistFrom, ev.Time()})
					g.assistFrom = 0
				}
			}
		}
	}
	type tot struct {
		n      int
		by     map[string]float64
		waits  map[string][]float64 // each span's length, ms
		totals []float64            // each goroutine's path time, ms
	}
	out := map[string]*tot{}
	for _, g := range gs {
		if g.role == "" || g.last <= g.first {
			continue
		}
		t := out[g.role]
		if t == nil {
			t = &tot{by: map[string]float64{}, waits: map[string][]float64{}}
			out[g.role] = t
		}
		t.n++
		clip := func(s span) float64 {
			a, b := max(s.from, g.first), min(s.to, g.last)
			if b <= a {
				return 0
			}
			return float64(b-a) / 1e6
		}
		sum := 0.0
		for _, s := range g.spans {
			if d := clip(s); d > 0 {
				t.by[s.state] += d
				t.waits[s.state] = append(t.waits[s.state], d)
				sum += d
			}
		}
		for _, s := range g.assists {
			if d := clip(s); d > 0 {
				t.by["(of running: GC assist)"] += d
				t.waits["(of running: GC assist)"] = append(t.waits["(of running: GC assist)"], d)
			}
		}
		t.totals = append(t.totals, sum)
	}
	pct := func(v []float64, p float64) float64 {
		if len(v) == 0 {
			return 0
		}
		slices.Sort(v)
		return v[min(len(v)-1, int(p*float64(len(v))))]
	}
	for _, role := range []string{"discord lane", "dispatch", "worker", "request"} {
		t := out[role]
		if t == nil {
			continue
		}
		all := 0.0
		for _, v := range t.by {
			all += v
		}
		fmt.Printf("%s: %d goroutines, path time per goroutine p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			role, t.n, pct(t.totals, 0.5), pct(t.totals, 0.99), pct(t.totals, 1))
		keys := make([]string, 0, len(t.by))
		for k := range t.by {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return t.by[keys[i]] > t.by[keys[j]] })
		for _, k := range keys {
			fmt.Printf("  %-32s %8.1f ms total (%4.1f%%)  per span p50 %.3f p99 %.2f max %.2f ms (%d spans)\n",
				k, t.by[k], 100*t.by[k]/all, pct(t.waits[k], 0.5), pct(t.waits[k], 0.99), pct(t.waits[k], 1), len(t.waits[k]))
		}
	}
}
