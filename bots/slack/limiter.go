package slack

import (
	"context"
	"sync"

	"mistralbot/bots"
)

// editBudget is the chat.update budget of one workspace as a bots.Throttle:
// intermediate edits (Allow) always leave one token per reply in flight
// that has posted a message, so that every reply's final edit (Wait) finds
// one without queueing behind a minute of refill.
type editBudget struct {
	l        *bots.Bucket
	mu       sync.Mutex
	inFlight int
}

var _ bots.Throttle = (*editBudget)(nil)

// Allow implements bots.Throttle.
func (b *editBudget) Allow() bool {
	b.mu.Lock()
	reserve := b.inFlight
	b.mu.Unlock()
	return b.l.AllowN(1, reserve)
}

// Wait implements bots.Throttle.
func (b *editBudget) Wait(ctx context.Context) error { return b.l.Wait(ctx) }

func (b *editBudget) add(n int) {
	b.mu.Lock()
	b.inFlight = max(0, b.inFlight+n)
	b.mu.Unlock()
}
