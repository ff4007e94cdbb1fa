package pace

import (
	"context"
	"sync"
	"time"
)

// Pacer is a Throttle that also schedules the replies sharing its budget,
// for budgets where every posted reply commits the budget to one final
// edit later (Slack's chat.update, per workspace). A Streamer whose
// Throttle is a Pacer posts a reply's first intermediate text only once
// admitted, posts a final text with nothing posted yet without admission
// (one post, no edit), and spaces its optional edits by Share.
type Pacer interface {
	Throttle
	// Admit reports whether a reply may post its first message now,
	// posting commits the budget to that message's final edit. It never
	// blocks; true holds one slot of reserve for the final edit until
	// Release.
	Admit() bool
	// Release gives back the slot of an admitted reply that finished or
	// gave up. The caller calls it exactly once per admission.
	Release()
	// Share is the least interval a reply should keep between two
	// optional edits so that the replies in flight share the budget
	// equally. Never negative.
	Share() time.Duration
}

// SharedBudget is a Pacer on a Bucket. Each admitted reply that has not
// finished holds one token of reserve for its final edit: a reply is
// admitted only while the tokens available now cover the reserve and one
// more, and optional edits (Allow) never eat into the reserve, so every
// final edit finds its token without queueing behind a refill. Safe for
// concurrent use.
type SharedBudget struct {
	bucket *Bucket

	mu       sync.Mutex // held across the bucket's check and take
	reserved int
}

var _ Pacer = (*SharedBudget)(nil)

// NewSharedBudget returns a Pacer sharing b among the replies in flight.
func NewSharedBudget(b *Bucket) *SharedBudget { return &SharedBudget{bucket: b} }

// Allow implements Throttle: an optional call goes when a token beyond the
// reserve is there.
func (s *SharedBudget) Allow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bucket.AllowN(1, s.reserved)
}

// Wait implements Throttle: a mandatory call takes a token (the reserve is
// there for it), before any Allow caller.
func (s *SharedBudget) Wait(ctx context.Context) error { return s.bucket.Wait(ctx) }

// Admit implements Pacer: admitted when the tokens available now cover
// the reserve and one more (none during a pause or while a final edit
// waits).
func (s *SharedBudget) Admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket.Available() < float64(s.reserved+1) {
		return false
	}
	s.reserved++
	return true
}

// Hold reserves a slot without admission, for a reply that will edit
// messages it already has (one resumed after a restart). Release it like
// an admission.
func (s *SharedBudget) Hold() {
	s.mu.Lock()
	s.reserved++
	s.mu.Unlock()
}

// Release implements Pacer.
func (s *SharedBudget) Release() {
	s.mu.Lock()
	s.reserved = max(0, s.reserved-1)
	s.mu.Unlock()
}

// Share implements Pacer: the reserve (one slot per reply in flight)
// divided by the bucket's rate, so that the replies' optional edits
// together stay within the refill.
func (s *SharedBudget) Share() time.Duration {
	s.mu.Lock()
	n := s.reserved
	s.mu.Unlock()
	return time.Duration(float64(n) / s.bucket.rate * float64(time.Second))
}

// Reserved returns the slots held by the replies in flight.
func (s *SharedBudget) Reserved() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reserved
}

// Pause pauses the bucket (see Bucket.Pause).
func (s *SharedBudget) Pause(d time.Duration) { s.bucket.Pause(d) }
