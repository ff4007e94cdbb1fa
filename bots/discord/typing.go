package discord

import (
	"context"
	"sync"
	"time"
)

// typist shows "bot is typing" in the channels of the replies waiting for
// their first text, from one timer per adapter instead of a goroutine and
// a ticker per reply (issue 20: at 1,000 replies in flight each parked
// goroutine was a stack). Discord shows the indicator for about 10 s or
// until the bot posts (serenity's broadcast_typing docs: "lasts for about
// 10 seconds, and will then need to be renewed"; hikari-py/hikari#1542:
// "the timeout of 10 seconds"), so each waiting reply's indicator is
// renewed every TypingInterval (8 s by default) from its own start. A
// typing call runs on a goroutine of its own for as long as the call
// lasts; nothing runs while the replies only wait.
type typist struct {
	// send makes one typing call (the Adapter's showTyping); every is
	// the renewal interval (Options.TypingInterval).
	send  func(ctx context.Context, channel string)
	every time.Duration

	mu      sync.Mutex
	waiting map[*typing]struct{}
	timer   *time.Timer // armed for the earliest due renewal while waiting is not empty
	due     time.Time   // when timer fires (zero: not armed)
	// gen names the armed timer: a callback whose timer was replaced
	// while it waited for mu does nothing (it would forget the armed
	// timer and arm another, one more timer chain for as long as any
	// reply waits).
	gen int
}

// typing is one reply's indicator. calls counts its typing calls in
// flight: stop waits for them, so that no indicator is sent after the
// answer's first post (it would show "typing" for 10 s under it).
type typing struct {
	ctx     context.Context
	channel string
	next    time.Time // the next renewal
	calls   sync.WaitGroup
	stopped bool // guarded by the typist's mu
}

// start shows the indicator in channel now and every TypingInterval until
// stop.
func (t *typist) start(ctx context.Context, channel string) *typing {
	tp := &typing{ctx: ctx, channel: channel}
	t.mu.Lock()
	if t.waiting == nil {
		t.waiting = make(map[*typing]struct{})
	}
	t.waiting[tp] = struct{}{}
	t.callLocked(tp, time.Now())
	t.armLocked()
	t.mu.Unlock()
	return tp
}

// stop ends tp's indicator and waits for its call in flight, if any.
// Safe to call more than once.
func (t *typist) stop(tp *typing) {
	t.mu.Lock()
	if !tp.stopped {
		tp.stopped = true
		delete(t.waiting, tp)
		if len(t.waiting) == 0 && t.timer != nil {
			t.timer.Stop()
			t.timer, t.due = nil, time.Time{}
		}
	}
	t.mu.Unlock()
	tp.calls.Wait()
}

// callLocked sends tp's indicator on a goroutine that lasts as long as
// the call (mu held), and sets its next renewal.
func (t *typist) callLocked(tp *typing, now time.Time) {
	tp.next = now.Add(t.every)
	tp.calls.Add(1)
	go func() {
		defer tp.calls.Done()
		t.send(tp.ctx, tp.channel)
	}()
}

// armLocked sets the timer for the earliest renewal (mu held).
func (t *typist) armLocked() {
	var first time.Time
	for tp := range t.waiting {
		if first.IsZero() || tp.next.Before(first) {
			first = tp.next
		}
	}
	if first.IsZero() || first.Equal(t.due) && t.timer != nil {
		return
	}
	if t.timer != nil {
		t.timer.Stop()
	}
	t.gen++
	gen := t.gen
	t.due = first
	t.timer = time.AfterFunc(time.Until(first), func() { t.renew(gen) })
}

// renew is the callback of timer gen: every indicator due is sent again;
// a reply whose context ended is dropped.
func (t *typist) renew(gen int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen != t.gen || t.timer == nil {
		return // stale: its timer was stopped or replaced
	}
	t.timer, t.due = nil, time.Time{}
	now := time.Now()
	for tp := range t.waiting {
		switch {
		case tp.ctx.Err() != nil:
			tp.stopped = true
			delete(t.waiting, tp)
		case !tp.next.After(now):
			t.callLocked(tp, now)
		}
	}
	t.armLocked()
}
