package engine

import (
	"context"
	"strings"

	"mistralbot/bots"
)

// FeedbackReason records userID's reason for a 👎 on the answer replyID of
// platform p, with the vote: it is the vote 👎 with its reason (a reason
// given after a 👍 turns it into a 👎: the form is offered after a 👎
// only). The reason is trimmed and cut to bots.FeedbackReasonMax
// characters; an empty one records nothing (FeedbackSame). The same
// reason submitted twice is FeedbackSame; the metrics count votes, not
// reasons.
func (e *Engine) FeedbackReason(ctx context.Context, p bots.Platform, replyID, userID, reason string) (bots.FeedbackResult, error) {
	a, ok := e.rated.Get(replyID)
	fs, fok := e.opts.Store.(bots.FeedbackStore)
	if !ok || !fok || a.platform != p || userID == "" {
		return bots.FeedbackUnknown, nil
	}
	reason = strings.TrimSpace(reason)
	if r := []rune(reason); len(r) > bots.FeedbackReasonMax {
		reason = strings.TrimSpace(string(r[:bots.FeedbackReasonMax]))
	}
	if reason == "" {
		return bots.FeedbackSame, nil
	}
	changed, err := fs.Vote(ctx, bots.Feedback{Reply: replyID, User: bots.UserID(p, userID), Channel: a.channel,
		Model: a.model, Language: a.language, Reason: reason})
	switch {
	case err != nil:
		return bots.FeedbackUnknown, err
	case !changed:
		return bots.FeedbackSame, nil
	}
	return bots.FeedbackRecorded, nil
}
