package console

import (
	"context"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// reply prints a streamed answer through the writer's append-only mode
// (stream.Appender): a terminal cannot take back what it printed, so only
// what a new text adds is printed, on the caller's goroutine (Inline: a
// terminal has no rate limit to pace for), with the writer's rule that a
// half-written fence line waits for its end; with Options.Render, whole
// blocks only (markdown.go). The terminal is the only path: a refused
// write ends the reply with its error (there is no post+update to go on
// in, and nobody else to tell).
type reply struct {
	*stream.Appender
	c   *Console
	key bots.ConversationKey
	id  string
}

var _ bots.Reply = (*reply)(nil)

// OpenReply starts printing an answer.
func (c *Console) OpenReply(_ context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	return c.newReply(key, to.ID), nil
}

func (c *Console) newReply(key bots.ConversationKey, id string) *reply {
	opts := stream.AppendOptions{Inline: true}
	if c.opts.Render != nil {
		opts.Render, opts.Stable = c.renderBlocks, wholeBlocks
	}
	return &reply{Appender: stream.NewAppender(termSink{c}, opts), c: c, key: key, id: id}
}

// Update prints the new suffix of text. After a failed write it returns
// that failure and prints nothing more.
func (r *reply) Update(ctx context.Context, text string) error {
	r.c.stopIfWanted(r.id)
	return r.Appender.Update(ctx, text)
}

// Finish prints the rest of text and ends the line. It returns the first
// failed write of the reply, if any (a Permanent bots.DeliveryError), and
// releases Run's wait for the answer either way.
func (r *reply) Finish(ctx context.Context, text string) error {
	err := r.Appender.Finish(ctx, text)
	r.c.finished(r.key, r.id, text, err == nil)
	return err
}

// termSink is the terminal as an append-only message: one "message" is
// the answer's run of output, ended by a newline.
type termSink struct{ c *Console }

var _ stream.AppendSink = termSink{}

// Start implements stream.AppendSink.
func (t termSink) Start(_ context.Context, text string) (string, error) {
	return "console", t.print(text)
}

// Append implements stream.AppendSink.
func (t termSink) Append(_ context.Context, _, text string) error { return t.print(text) }

// Stop implements stream.AppendSink: the rest, then the end of the line
// (two writes, as a terminal sees them).
func (t termSink) Stop(_ context.Context, _, text string, _ bool) error {
	if err := t.print(text); err != nil {
		return err
	}
	if err := t.c.write("\n"); err != nil {
		return &writeError{err}
	}
	return nil
}

func (t termSink) print(text string) error {
	if text == "" {
		return nil
	}
	if err := t.c.write(text); err != nil {
		return &writeError{err}
	}
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

// blank reports whether md prints nothing worth a write.
func blank(md string) bool { return strings.TrimSpace(md) == "" }
