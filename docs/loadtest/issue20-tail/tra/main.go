// tra summarizes a Go execution trace in time buckets: goroutines running,
// runnable (waiting for a P), in GC mark, STW, mark assists.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/exp/trace"
)

func main() {
	f, _ := os.Open(os.Args[1])
	bucket := 50.0
	if len(os.Args) > 2 {
		bucket, _ = strconv.ParseFloat(os.Args[2], 64)
	}
	r, err := trace.NewReader(f)
	if err != nil {
		panic(err)
	}
	var t0 trace.Time
	type acc struct{ run, runnable, gc, stw, assist float64 }
	b := map[int]*acc{}
	add := func(from, to trace.Time, field func(*acc) *float64) {
		a, z := float64(from-t0)/1e6, float64(to-t0)/1e6
		for a < z {
			k := int(a / bucket)
			end := min(z, float64(k+1)*bucket)
			if b[k] == nil {
				b[k] = &acc{}
			}
			*field(b[k]) += end - a
			a = end
		}
	}
	gstate := map[trace.GoID]trace.GoState{}
	gsince := map[trace.GoID]trace.Time{}
	ranges := map[string]trace.Time{}
	assists := map[trace.GoID]trace.Time{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		if t0 == 0 {
			t0 = ev.Time()
		}
		switch ev.Kind() {
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			id := st.Resource.Goroutine()
			_, to := st.Goroutine()
			if s, ok := gstate[id]; ok {
				switch s {
				case trace.GoRunning:
					add(gsince[id], ev.Time(), func(a *acc) *float64 { return &a.run })
				case trace.GoRunnable:
					add(gsince[id], ev.Time(), func(a *acc) *float64 { return &a.runnable })
				}
			}
			gstate[id], gsince[id] = to, ev.Time()
		case trace.EventRangeBegin, trace.EventRangeActive:
			rg := ev.Range()
			if rg.Scope.Kind == trace.ResourceGoroutine {
				assists[rg.Scope.Goroutine()] = ev.Time()
			} else {
				ranges[rg.Name] = ev.Time()
			}
		case trace.EventRangeEnd:
			rg := ev.Range()
			if rg.Scope.Kind == trace.ResourceGoroutine {
				if s, ok := assists[rg.Scope.Goroutine()]; ok {
					add(s, ev.Time(), func(a *acc) *float64 { return &a.assist })
				}
				continue
			}
			if s, ok := ranges[rg.Name]; ok {
				if rg.Name == "GC concurrent mark phase" {
					add(s, ev.Time(), func(a *acc) *float64 { return &a.gc })
				} else {
					add(s, ev.Time(), func(a *acc) *float64 { return &a.stw })
				}
			}
		}
	}
	fmt.Printf("from_ms,running_goroutines,runnable_goroutines,gc_mark_share,stw_ms,assist_ms\n")
	for k := 0; k < 1000; k++ {
		a := b[k]
		if a == nil {
			continue
		}
		fmt.Printf("%.0f,%.2f,%.2f,%.2f,%.2f,%.2f\n", float64(k)*bucket, a.run/bucket, a.runnable/bucket, a.gc/bucket, a.stw, a.assist)
	}
}
