package bots

import (
	"context"
	"errors"
	"sync"
)

// Controlled is an optional Reply capability: the reply shows a Stop
// control (a button) that names it by ReplyID, an id the adapter chose and
// gets back with the click. The Engine registers such a reply while its
// model request runs, so that Engine.Stop can cancel it.
type Controlled interface {
	ReplyID() string
}

// StopResult is what a Stop click did.
type StopResult int

// Stop results.
const (
	// StopDone: the model request is cancelled; the answer ends with the
	// text so far and the Stopped notice.
	StopDone StopResult = iota
	// StopNotAllowed: the clicker is neither the asker nor an admin;
	// nothing changed.
	StopNotAllowed
	// StopOver: the answer is already finished or already stopped (a
	// click after the end, or delivered twice); nothing changed.
	StopOver
)

// errStopped is the cancellation cause of a model request stopped by a
// click: generate tells it from a timeout or a shutdown.
var errStopped = errors.New("answer stopped by the user")

// inflight are the controlled replies whose answer is being generated,
// by reply id. The zero value is ready.
type inflight struct {
	mu      sync.Mutex
	replies map[string]*running
}

// running is one controlled reply in flight.
type running struct {
	platform Platform
	asker    string // the asker's platform user id
	cancel   context.CancelCauseFunc
	stopped  bool // guarded by inflight.mu: a second click acts no more
}

// add registers a reply; the returned func removes it.
func (f *inflight) add(id string, r *running) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.replies == nil {
		f.replies = make(map[string]*running)
	}
	f.replies[id] = r
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.replies[id] == r {
			delete(f.replies, id)
		}
	}
}

// Stop cancels the model request of the controlled reply replyID on
// platform p, clicked by userID (admin: the platform grants them
// channel-admin rights). Only the asker or an admin may stop; a reply not
// in flight (finished, unknown, on another platform) or already stopped is
// StopOver. It never blocks on the platform: the reply's own goroutine
// delivers the final text, so the adapter can answer the click at once.
func (e *Engine) Stop(_ context.Context, p Platform, replyID, userID string, admin bool) (StopResult, error) {
	if replyID == "" || userID == "" {
		return StopOver, errors.New("engine: stop: reply id and user id are required")
	}
	e.inflight.mu.Lock()
	defer e.inflight.mu.Unlock()
	r, ok := e.inflight.replies[replyID]
	switch {
	case !ok || r.platform != p || r.stopped:
		return StopOver, nil
	case r.asker != userID && !admin:
		return StopNotAllowed, nil
	}
	r.stopped = true
	r.cancel(errStopped)
	return StopDone, nil
}

// controlled registers reply, when it is Controlled, so that a Stop
// click cancels its model request (cancel, with errStopped as the cause);
// the returned func removes it. The reply's own context is not touched:
// the text so far and the notice are still delivered.
func (e *Engine) controlled(reply Reply, msg Message, cancel context.CancelCauseFunc) func() {
	c, ok := reply.(Controlled)
	if !ok || c.ReplyID() == "" {
		return func() {}
	}
	return e.inflight.add(c.ReplyID(), &running{platform: msg.Key.Platform, asker: msg.UserID, cancel: cancel})
}

// wasStopped reports whether ctx (from stoppable) ended by a Stop click.
func wasStopped(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errStopped)
}
