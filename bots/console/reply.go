package console

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"mistralbot/bots"
)

// reply prints a streamed answer: each Update prints only what is new.
//
// It does not go through the reply writer (bots/stream): a terminal is
// append-only, while the Streamer edits messages, re-rendering the open
// one whole on each edit (a half-written code fence gets its closing line,
// which the next edit takes back). Printing those edits would print text
// twice; printing only what a new text adds is all a terminal can do, and
// it needs none of the Streamer's pacing, splitting or retries.
type reply struct {
	c       *Console
	key     bots.ConversationKey
	id      string
	mu      sync.Mutex
	printed string
	// rendered is how much of printed went through Options.Render, which
	// prints whole blocks only (markdown.go).
	rendered int
	done     bool
	err      error // the first failed write; nothing is written after it
}

var _ bots.Reply = (*reply)(nil)

// OpenReply starts printing an answer.
func (c *Console) OpenReply(_ context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	return &reply{c: c, key: key, id: to.ID}, nil
}

// Update prints the new suffix of text. After a failed write it returns
// that failure and prints nothing more.
func (r *reply) Update(_ context.Context, text string) error {
	r.c.stopIfWanted(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return errors.New("console: update after finish")
	}
	if r.err == nil {
		r.err = r.show(text)
	}
	return r.err
}

// Finish prints the rest of text and ends the line. It returns the first
// failed write of the reply, if any (a Permanent bots.DeliveryError), and
// releases Run's wait for the answer either way.
func (r *reply) Finish(_ context.Context, text string) error {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return errors.New("console: reply finished twice")
	}
	r.done = true
	if r.err == nil {
		r.err = r.show(text)
	}
	if r.err == nil && r.c.opts.Render != nil {
		r.err = r.renderTo(len(r.printed))
	}
	if r.err == nil {
		if err := r.c.write("\n"); err != nil {
			r.err = &writeError{err}
		}
	}
	err := r.err
	r.mu.Unlock()
	r.c.finished(r.key, r.id, text, err == nil)
	return err
}

// show prints what text adds to what is on screen. Text that does not
// extend it (never sent by the Engine) is printed on a line of its own.
func (r *reply) show(text string) error {
	if r.c.opts.Render != nil {
		return r.showRendered(text)
	}
	var err error
	if strings.HasPrefix(text, r.printed) {
		err = r.c.write(text[len(r.printed):])
	} else {
		err = r.c.write("\n" + text)
	}
	if err != nil {
		return &writeError{err}
	}
	r.printed = text
	return nil
}

// writeError is a failed write of an answer to the console's output. It
// is Permanent (never retried): an output that refused a write (closed,
// a broken pipe, a full disk) does not come back within a reply, and the
// part of a short write already on screen cannot be taken back, so
// writing again could print words twice. The reply ends, and so does its
// journal entry; there is no other path to tell the user.
type writeError struct{ err error }

var _ bots.DeliveryError = (*writeError)(nil)

func (e *writeError) Error() string { return "console: write answer: " + e.err.Error() }

// Unwrap returns the writer's error.
func (e *writeError) Unwrap() error { return e.err }

// Class implements bots.DeliveryError: Permanent.
func (e *writeError) Class() bots.FailureClass { return bots.Permanent }

// RetryAfter implements bots.DeliveryError: no retry.
func (e *writeError) RetryAfter() time.Duration { return 0 }
