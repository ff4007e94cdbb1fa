package engine

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// ratedAnswer is what a vote is counted by.
type ratedAnswer struct {
	platform                 bots.Platform
	channel, model, language string
}

// offerFeedback shows the feedback buttons on a complete answer and
// remembers what its votes count for.
func (e *Engine) offerFeedback(reply bots.Reply, msg bots.Message, model, lang string) {
	c, ok := reply.(bots.Controlled)
	r, rok := reply.(bots.Rateable)
	if !ok || !rok || c.ReplyID() == "" {
		return
	}
	if _, ok := e.opts.Store.(bots.FeedbackStore); !ok {
		return
	}
	e.rated.Put(c.ReplyID(), ratedAnswer{platform: msg.Key.Platform, channel: settingsID(msg), model: model, language: lang})
	r.OfferFeedback()
}

// Feedback records userID's vote on the answer replyID of platform p. A
// store error is returned (the adapter tells the clicker it failed).
func (e *Engine) Feedback(ctx context.Context, p bots.Platform, replyID, userID string, up bool) (bots.FeedbackResult, error) {
	a, ok := e.rated.Get(replyID)
	fs, fok := e.opts.Store.(bots.FeedbackStore)
	if !ok || !fok || a.platform != p || userID == "" {
		return bots.FeedbackUnknown, nil
	}
	changed, err := fs.Vote(ctx, bots.Feedback{Reply: replyID, User: bots.UserID(p, userID), Channel: a.channel,
		Model: a.model, Language: a.language, Up: up})
	if err != nil {
		return bots.FeedbackUnknown, err
	}
	if !changed {
		return bots.FeedbackSame, nil
	}
	if o, ok := e.opts.Observer.(bots.FeedbackObserver); ok {
		o.FeedbackGiven(p, a.model, a.language, up)
	}
	return bots.FeedbackRecorded, nil
}

// feedbackLines are the channel's votes per model and language, for an
// admin's /usage ("" for others, or without votes). A failed read is
// logged and left out.
func (e *Engine) feedbackLines(ctx context.Context, msg bots.Message, lang string) string {
	fs, ok := e.opts.Store.(bots.FeedbackStore)
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
