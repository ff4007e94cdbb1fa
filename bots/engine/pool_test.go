package engine

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"mistralbot/bots"
)

func TestPoolOrderPerLaneAndBound(t *testing.T) {
	p := newPool(4, 0)
	a := bots.ConversationKey{Platform: bots.Slack, Channel: "C", Thread: "a"}
	b := bots.ConversationKey{Platform: bots.Slack, Channel: "C", Thread: "b"}
	for i, k := range []bots.ConversationKey{a, a, b, a} {
		if err := p.push(&job{key: k, msg: bots.Message{ID: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.push(&job{key: b}); !errors.Is(err, bots.ErrBusy) {
		t.Fatalf("fifth push: %v, want ErrBusy", err)
	}
	j0 := p.next() // a:0, holds lane a
	j2 := p.next() // lane a is held: b:2
	if j0.msg.ID != "0" || j2.msg.ID != "2" {
		t.Fatalf("got %s, %s; want 0, 2", j0.msg.ID, j2.msg.ID)
	}
	if w, r := p.stats(); w != 2 || r != 2 {
		t.Fatalf("stats = %d waiting, %d running", w, r)
	}
	// Nothing else is ready until lane a is released.
	p.done(j2)
	p.mu.Lock()
	ready := len(p.ready)
	p.mu.Unlock()
	if ready != 0 {
		t.Fatalf("%d lanes ready while a is held", ready)
	}
	p.done(j0)
	if j := p.next(); j.msg.ID != "1" {
		t.Fatalf("got %s, want 1", j.msg.ID)
	}
	if got := len(p.drain()); got != 1 {
		t.Fatalf("drained %d, want 1", got)
	}
	p.close()
	if j := p.next(); j != nil {
		t.Fatalf("next after close = %v", j)
	}
	if err := p.push(&job{key: a}); !errors.Is(err, bots.ErrStopped) {
		t.Fatalf("push after close: %v", err)
	}
}

// Workers racing over many lanes keep each lane's order.
func TestPoolConcurrentOrder(t *testing.T) {
	const lanes, per = 8, 50
	p := newPool(lanes*per, 0)
	for i := range per {
		for l := range lanes {
			if err := p.push(&job{key: bots.ConversationKey{Thread: fmt.Sprint(l)}, msg: bots.Message{ID: fmt.Sprint(i)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var mu sync.Mutex
	seen := map[string][]string{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for j := p.next(); j != nil; j = p.next() {
				mu.Lock()
				seen[j.key.Thread] = append(seen[j.key.Thread], j.msg.ID)
				n := len(seen[j.key.Thread])
				mu.Unlock()
				p.done(j)
				if w, _ := p.stats(); w == 0 && n == per {
					p.close() // close once everything has been taken
				}
			}
		})
	}
	wg.Wait()
	for l, ids := range seen {
		for i, id := range ids {
			if id != fmt.Sprint(i) {
				t.Fatalf("lane %s out of order: %v", l, ids)
			}
		}
	}
	total := 0
	for _, ids := range seen {
		total += len(ids)
	}
	if total != lanes*per {
		t.Fatalf("processed %d jobs, want %d", total, lanes*per)
	}
}
