package engine

import (
	"context"
	"errors"
	"sync"

	"mistralbot/bots"
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
	platform bots.Platform
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
func (e *Engine) Stop(_ context.Context, p bots.Platform, replyID, userID string, admin bool) (bots.StopResult, error) {
	if replyID == "" || userID == "" {
		return bots.StopOver, errors.New("engine: stop: reply id and user id are required")
	}
	e.inflight.mu.Lock()
	defer e.inflight.mu.Unlock()
	r, ok := e.inflight.replies[replyID]
	switch {
	case !ok || r.platform != p || r.stopped:
		return bots.StopOver, nil
	case r.asker != userID && !admin:
		return bots.StopNotAllowed, nil
	}
	r.stopped = true
	r.cancel(errStopped)
	return bots.StopDone, nil
}

// controlled registers reply, when it is Controlled, so that a Stop
// click cancels its model request (cancel, with errStopped as the cause);
// the returned func removes it. The reply's own context is not touched:
// the text so far and the notice are still delivered.
func (e *Engine) controlled(reply bots.Reply, msg bots.Message, cancel context.CancelCauseFunc) func() {
	c, ok := reply.(bots.Controlled)
	if !ok || c.ReplyID() == "" {
		return func() {}
	}
	return e.inflight.add(c.ReplyID(), &running{platform: msg.Key.Platform, asker: msg.UserID, cancel: cancel})
}

// wasStopped reports whether ctx (from stoppable) ended by a Stop click.
func wasStopped(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errStopped)
}
