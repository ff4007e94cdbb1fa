package discord

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// globalBudget paces every REST call of the bot against Discord's global
// limit (50 requests per second per bot token, on every route but the
// interaction endpoints). Discord does not say where its windows start,
// and a request reaches it some time after it leaves, so the budget does
// not count calls per window of its own: a call holds its slot from the
// moment it is let through until one window after its response arrived.
// Whatever window Discord counts in, the calls arriving in it were let
// through while the earlier ones still held their slots, so at most limit
// of them arrive in it, however the network delays them.
//
// Mandatory calls (acquire) queue in order and go before optional ones
// (tryAcquire), which also leave reserve slots to them. A global 429
// pauses every call (pause).
type globalBudget struct {
	limit   int
	reserve int
	window  time.Duration
	now     func() time.Time
	// turn is held by the mandatory caller waiting for a slot; the others
	// queue for it in order (a channel's blocked senders are served first
	// in, first out).
	turn chan struct{}
	// wake tells the caller holding turn that a slot may have freed up.
	wake chan struct{}

	mu       sync.Mutex
	inflight int         // calls let through whose response has not arrived
	done     []time.Time // responses received within the last window, oldest first
	paused   time.Time   // a global 429 holds every call until then
	waiters  int         // mandatory callers queued or waiting
}

// newGlobalBudget allows limit calls per window; a fifth of them (at least
// one) are kept for mandatory calls.
func newGlobalBudget(limit int, window time.Duration, now func() time.Time) *globalBudget {
	return &globalBudget{limit: limit, reserve: (limit + 4) / 5, window: window, now: now,
		turn: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

// used counts the slots held at now; g.mu is held.
func (g *globalBudget) used(now time.Time) int {
	cut := now.Add(-g.window)
	i := 0
	for i < len(g.done) && !g.done[i].After(cut) {
		i++
	}
	g.done = g.done[i:]
	return g.inflight + len(g.done)
}

// acquire blocks until a mandatory call may go (after the mandatory calls
// queued before it), then holds a slot for it until release. It returns
// ctx's error if ctx ends first.
func (g *globalBudget) acquire(ctx context.Context) error {
	g.mu.Lock()
	g.waiters++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiters--
		g.mu.Unlock()
	}()
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()
	for {
		g.mu.Lock()
		now := g.now()
		var d time.Duration // 0: until a response arrives
		switch {
		case now.Before(g.paused):
			d = g.paused.Sub(now)
		case g.used(now) < g.limit:
			g.inflight++
			g.mu.Unlock()
			return nil
		case len(g.done) > 0:
			d = g.done[0].Add(g.window).Sub(now)
		}
		g.mu.Unlock()
		var timer <-chan time.Time
		var t *time.Timer
		if d > 0 {
			t = time.NewTimer(d)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-timer:
		case <-g.wake:
		}
		if t != nil {
			t.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// tryAcquire holds a slot for an optional call when one is free beyond the
// reserve, no mandatory call waits and no global 429 holds calls; it never
// blocks. The ticket must be used by the call's request or dropped.
func (g *globalBudget) tryAcquire() *ticket {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.waiters > 0 || now.Before(g.paused) || g.used(now) > g.limit-g.reserve-1 {
		return nil
	}
	g.inflight++
	return &ticket{g: g}
}

// spare reports whether the budget keeps up: no mandatory call waits for
// a slot and no global 429 holds calls. (Optional calls may still fill
// the window: a mandatory call goes before them.)
func (g *globalBudget) spare() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiters == 0 && !g.now().Before(g.paused)
}

// release ends the hold of a slot: when the call reached the network
// (sent), the slot stays held for one window after now.
func (g *globalBudget) release(sent bool) {
	g.mu.Lock()
	g.inflight--
	if sent {
		g.done = append(g.done, g.now())
	}
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// pause holds every call for d after a global 429.
func (g *globalBudget) pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until := g.now().Add(d); until.After(g.paused) {
		g.paused = until
	}
}

// ticket is a slot an optional call took in the global budget before its
// request was made: the transport lets that request through without
// taking another one.
type ticket struct {
	g    *globalBudget
	gone atomic.Bool // used by a request or dropped
}

// use reports whether the ticket was still unused, marking it used; the
// request then releases its slot.
func (t *ticket) use() bool { return t != nil && t.gone.CompareAndSwap(false, true) }

// drop gives back the slot of a ticket no request used.
func (t *ticket) drop() {
	if t.use() {
		t.g.release(false)
	}
}

type ticketKey struct{}

// withTicket makes the requests made with ctx use t (the first of them).
func withTicket(ctx context.Context, t *ticket) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, ticketKey{}, t)
}

// ticketOf returns the ticket a request carries, nil if none.
func ticketOf(ctx context.Context) *ticket {
	t, _ := ctx.Value(ticketKey{}).(*ticket)
	return t
}
