package engine

import (
	"context"

	"mistralbot/bots"
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
	e.rated.Put(c.ReplyID(), ratedAnswer{platform: msg.Key.Platform, channel: msg.SettingsID(), model: model, language: lang})
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
