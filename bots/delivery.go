package bots

import (
	"context"
	"errors"
	"time"
)

// FailureClass sorts a failed platform call for the reply writer: the one
// error taxonomy of the bot. Each adapter classifies its platform's
// answers, next to a table of the codes and the platform's documentation
// (bots/slack/errors.go, bots/discord/errors.go); the writer acts only on
// the class.
type FailureClass int

const (
	// Permanent: the platform refused the call and would refuse it again
	// (missing permission, channel gone or archived, message too old to
	// edit, invalid form body). Never retried. An edit refused this way
	// continues the answer in a new message; a post refused this way ends
	// the reply with one notice to the asker by the best remaining path,
	// and the journal entry ends.
	Permanent FailureClass = iota
	// Transient: the call did not take effect (429 with its retry-after,
	// 5xx including 502/503/504 with an HTML body, a connection refused
	// or reset before the request was written). Retried after RetryAfter,
	// with a bounded number of tries.
	Transient
	// Uncertain: the call may have taken effect (a timeout or reset after
	// the request was written, a 2xx whose body does not decode). An edit
	// is retried (editing twice to the same text is harmless); a post is
	// retried only through an OncePoster, which cannot post twice.
	Uncertain
)

// String names the class for logs.
func (c FailureClass) String() string {
	switch c {
	case Transient:
		return "transient"
	case Uncertain:
		return "uncertain"
	default:
		return "permanent"
	}
}

// DeliveryError is a failed platform call classified by its adapter.
type DeliveryError interface {
	error
	// Class is what the writer may do about it.
	Class() FailureClass
	// RetryAfter is the pause the platform asked for before a retry
	// (Transient, Uncertain); 0 lets the writer choose its backoff.
	RetryAfter() time.Duration
}

// ClassOf returns the class of a failed platform call: a DeliveryError's
// own (the first in the chain), Transient for a bare RetryAfterError, and
// Permanent for anything nobody classified, so that an unknown error is
// never retried blindly (a blind retry of a post is how answers double).
// A context error is Permanent: the caller gave up.
func ClassOf(err error) FailureClass {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Permanent
	}
	var de DeliveryError
	if errors.As(err, &de) {
		return de.Class()
	}
	var ra RetryAfterError
	if errors.As(err, &ra) {
		return Transient
	}
	return Permanent
}

// OncePoster is an optional Sink capability: PostOnce posts text as the
// reply's post number part (0-based, counting every post the writer makes
// for this reply, so a later post never reuses a number) and, when called
// again with the same part after an Uncertain failure, returns the message
// the first call created instead of posting a second one (Discord: nonce
// with enforce_nonce; Slack: the thread is read back by the message
// metadata the bot sets). A writer retries an Uncertain post only through
// it.
type OncePoster interface {
	PostOnce(ctx context.Context, part int, text string) (id string, err error)
}

// ErrMessageGone is wrapped by a Sink's Edit error when the message no
// longer exists (someone deleted it: Slack message_not_found, Discord
// 10008): the writer posts that part again in a new message, and later
// edits go there. Such an error is Permanent.
var ErrMessageGone = errors.New("the message was deleted")

// MessageIDs is an optional Reply capability: the platform ids of the
// messages the reply has posted so far, in order. The journal records
// them so that a restart edits those messages instead of posting new
// ones; a Reply without it cannot be resumed in place. Safe to call at
// any time.
type MessageIDs interface {
	IDs() []string
}

// FirstPoster is an optional Reply capability: when the first visible
// text reached the platform (zero if not yet), for the
// first_token_to_visible metric. Safe to call at any time.
type FirstPoster interface {
	FirstPost() time.Time
}

// RetryAfterError is implemented by platform errors that ask the caller to
// wait (HTTP 429 with Retry-After).
type RetryAfterError interface {
	error
	RetryAfter() time.Duration
}
