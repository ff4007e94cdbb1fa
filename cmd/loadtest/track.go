package main

import (
	"sync"
	"sync/atomic"
)

// delivery counts the questions sent and the deliveries that failed.
type delivery struct {
	n        atomic.Int64
	mu       sync.Mutex
	failures []string
}

func (w *world) sentOne() { w.delivered.n.Add(1) }

func (w *world) deliveryFailed(msg string) {
	w.delivered.mu.Lock()
	w.delivered.failures = append(w.delivered.failures, msg)
	w.delivered.mu.Unlock()
}

// rateLimited is the number of 429s the fake platforms answered so far.
func (w *world) rateLimited() int {
	n := 0
	if w.slack != nil {
		n += w.slack.RateLimited()
	}
	if w.discord != nil {
		n += w.discord.Count429()
	}
	return n
}

// tracker follows which conversations hold their whole reply.
type tracker struct {
	w        *world
	convs    []*conversation
	complete []bool
	done     int
}

func newTracker(convs []*conversation, w *world) *tracker {
	return &tracker{w: w, convs: convs, complete: make([]bool, len(convs))}
}

// sent is how many questions were sent so far.
func (t *tracker) sent() int { return int(t.w.delivered.n.Load()) }

// poll checks the conversations sent and not yet complete; it returns how
// many are complete.
func (t *tracker) poll() int {
	sent := t.sent() // the conversations before it are fully set up
	for i := range sent {
		if t.complete[i] {
			continue
		}
		if r, _ := t.w.reply(t.convs[i]); !r.lost() {
			t.complete[i] = true
			t.done++
		}
	}
	return t.done
}
