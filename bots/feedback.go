package bots

import (
	"context"
	"strings"

	"mistralbot/bots/i18n"
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
}

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

// ratedAnswer is what a vote is counted by.
type ratedAnswer struct {
	platform                 Platform
	channel, model, language string
}

// offerFeedback shows the feedback buttons on a complete answer and
// remembers what its votes count for.
func (e *Engine) offerFeedback(reply Reply, msg Message, model, lang string) {
	c, ok := reply.(Controlled)
	r, rok := reply.(Rateable)
	if !ok || !rok || c.ReplyID() == "" {
		return
	}
	if _, ok := e.opts.Store.(FeedbackStore); !ok {
		return
	}
	e.rated.Put(c.ReplyID(), ratedAnswer{platform: msg.Key.Platform, channel: settingsID(msg), model: model, language: lang})
	r.OfferFeedback()
}

// Feedback records userID's vote on the answer replyID of platform p. A
// store error is returned (the adapter tells the clicker it failed).
func (e *Engine) Feedback(ctx context.Context, p Platform, replyID, userID string, up bool) (FeedbackResult, error) {
	a, ok := e.rated.Get(replyID)
	fs, fok := e.opts.Store.(FeedbackStore)
	if !ok || !fok || a.platform != p || userID == "" {
		return FeedbackUnknown, nil
	}
	changed, err := fs.Vote(ctx, Feedback{Reply: replyID, User: UserID(p, userID), Channel: a.channel,
		Model: a.model, Language: a.language, Up: up})
	if err != nil {
		return FeedbackUnknown, err
	}
	if !changed {
		return FeedbackSame, nil
	}
	if o, ok := e.opts.Observer.(FeedbackObserver); ok {
		o.FeedbackGiven(p, a.model, a.language, up)
	}
	return FeedbackRecorded, nil
}

// feedbackLines are the channel's votes per model and language, for an
// admin's /usage ("" for others, or without votes). A failed read is
// logged and left out.
func (e *Engine) feedbackLines(ctx context.Context, msg Message, lang string) string {
	fs, ok := e.opts.Store.(FeedbackStore)
	if !ok || !msg.Admin {
		return ""
	}
	counts, err := fs.FeedbackCounts(ctx, settingsID(msg))
	if err != nil {
		e.log.WarnContext(ctx, "feedback read failed", "channel", settingsID(msg), "err", err)
		return ""
	}
	var b strings.Builder
	for _, c := range counts {
		b.WriteString("\n")
		b.WriteString(e.tr(lang, i18n.FeedbackLine, c.Model, c.Language, c.Up, c.Down))
	}
	return b.String()
}
