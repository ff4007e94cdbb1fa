package bots

import (
	"context"
)

// Feedback is one user's vote (👍 or 👎) on one answer, with what the
// counts are kept by: the answer's channel (ChannelID form), model and
// language.
type Feedback struct {
	Reply    string `json:"reply"` // the answer's reply id
	User     string `json:"user"`  // the voter (UserID form)
	Channel  string `json:"channel"`
	Model    string `json:"model"`
	Language string `json:"language"`
	Up       bool   `json:"up"`
	// Reason is what a 👎 voter said was wrong (the reason form), at most
	// FeedbackReasonMax characters; "" when none was given.
	Reason string `json:"reason,omitempty"`
}

// FeedbackReasonMax bounds a 👎 reason, in characters: the forms ask for
// a short one (Slack's plain_text_input and Discord's text input take
// 3,000 and 4,000; the store keeps every vote's JSON).
const FeedbackReasonMax = 500

// FeedbackCount is the votes of one channel, model and language.
type FeedbackCount struct {
	Channel, Model, Language string
	Up, Down                 int64
}

// FeedbackStore is an optional Store capability (store.Memory, store.Bolt
// and store.Redis have it): answers' votes, kept per voter and answer so
// that a click delivered twice counts once and a changed mind replaces
// the first vote.
type FeedbackStore interface {
	// Vote records f, replacing the voter's earlier vote on the same
	// answer, and reports whether anything changed (false: the same vote
	// again).
	Vote(ctx context.Context, f Feedback) (changed bool, err error)
	// FeedbackCounts returns the counts of channel ("" for every channel),
	// sorted by channel, model and language.
	FeedbackCounts(ctx context.Context, channel string) ([]FeedbackCount, error)
	// FeedbackReasons returns the votes of channel ("" for every channel)
	// that carry a reason, sorted by channel, answer and voter.
	FeedbackReasons(ctx context.Context, channel string) ([]Feedback, error)
}

// Rateable is an optional Reply capability: the finished answer can show
// feedback buttons. The Engine calls OfferFeedback before Finish on a
// Controlled reply whose answer is complete (ok or length).
type Rateable interface {
	OfferFeedback()
}

// FeedbackObserver is an optional Observer capability: a vote that
// changed the counts (metrics).
type FeedbackObserver interface {
	FeedbackGiven(p Platform, model, language string, up bool)
}

// FeedbackResult is what a feedback click did.
type FeedbackResult int

// Feedback results.
const (
	// FeedbackRecorded: the vote is stored (new, or a changed mind).
	FeedbackRecorded FeedbackResult = iota
	// FeedbackSame: the same vote again (a click delivered twice).
	FeedbackSame
	// FeedbackUnknown: the answer is not known here (answered before a
	// restart, by another replica, or long ago): nothing is recorded.
	FeedbackUnknown
)
