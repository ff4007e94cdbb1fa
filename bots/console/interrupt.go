package console

import (
	"context"

	"mistralbot/bots"
)

// Ctrl-C (issue 19): while an answer streams it stops that answer through
// the Engine's Stop, the path a Stop button takes (bots/engine/stop.go):
// the text so far and the Stopped notice are printed, the conversation
// goes on. At the prompt a first Ctrl-C says how to quit, a second one
// quits (so does Ctrl-D, the end of input).

// Stopper is the Engine's Stop, an optional capability of Options.Engine
// (the Engine has it): without it Ctrl-C cannot stop an answer.
type Stopper interface {
	Stop(ctx context.Context, p bots.Platform, replyID, userID string, admin bool) (bots.StopResult, error)
}

var _ bots.Controlled = (*reply)(nil)

// ReplyID implements bots.Controlled: the Engine registers the answer
// under its message id, which Interrupt stops.
func (r *reply) ReplyID() string { return r.id }

// Interrupt is Ctrl-C: chat calls it on SIGINT. It never blocks on the
// answer.
func (c *Console) Interrupt() {
	c.mu.Lock()
	id := c.current
	if id == "" {
		again := c.interrupted
		c.interrupted = true
		c.mu.Unlock()
		if again {
			c.quitOnce.Do(func() { close(c.quit) })
			return
		}
		c.print("\n(Ctrl-C again or Ctrl-D to quit)\n")
		if c.opts.Prompt {
			c.print("> ")
		}
		return
	}
	c.stopWanted = id
	c.mu.Unlock()
	c.stop(id)
}

// stop asks the Engine to stop the answer to id. An answer still queued is
// not registered yet (StopOver): stopWanted stays, and its first text
// stops it (stopIfWanted).
func (c *Console) stop(id string) {
	s, ok := c.opts.Engine.(Stopper)
	if !ok {
		return
	}
	res, err := s.Stop(context.Background(), bots.Console, id, "local", true)
	if err != nil || res != bots.StopDone {
		return
	}
	c.mu.Lock()
	if c.stopWanted == id {
		c.stopWanted = ""
	}
	c.mu.Unlock()
}

// stopIfWanted stops the answer to id when a Ctrl-C came before the
// Engine registered it.
func (c *Console) stopIfWanted(id string) {
	c.mu.Lock()
	wanted := c.stopWanted == id
	c.mu.Unlock()
	if wanted {
		c.stop(id)
	}
}

// answering marks id's answer as the one on screen ("" when it is over).
func (c *Console) answering(id string) {
	c.mu.Lock()
	c.current = id
	if id == "" {
		c.stopWanted = ""
	}
	c.mu.Unlock()
}
