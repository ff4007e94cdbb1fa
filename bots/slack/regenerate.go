package slack

import (
	"context"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// RegenerateActionID is the action_id of the Regenerate button on a
// finished answer, beside its feedback buttons; its value is the reply id.
const RegenerateActionID = "mistralbot_regenerate"

var (
	_ bots.Regenerable = (*streamReply)(nil)
	_ bots.Regenerable = (*nativeReply)(nil)
	_ bots.Reopenable  = (*streamReply)(nil)
	_ bots.Reopenable  = (*nativeReply)(nil)
)

// ReopenWith implements bots.Reopenable: a command's answer is regenerated
// by this adapter's Reopen, in the thread the answer is in (a slash
// command's answer starts a thread with the question, runCommand). Those
// are ordinary messages of the bot, which chat.update rewrites in place.
// Only the ephemeral texts sent through a command's response_url could not
// be rewritten later (a response_url takes at most 5 responses within 30
// minutes, https://api.slack.com/interactivity/handling#message_responses,
// https://claudiajs.com/tutorials/slack-delayed-responses.html), and none
// of those is a model answer.
func (r *streamReply) ReopenWith() (bots.Reopener, bots.ConversationKey) {
	return r.sink.a, r.sink.key()
}

// ReopenWith implements bots.Reopenable, as for streamReply.
func (r *nativeReply) ReopenWith() (bots.Reopener, bots.ConversationKey) {
	return r.a, r.ns.key
}

// key is the conversation the sink writes in.
func (s *threadSink) key() bots.ConversationKey {
	return bots.ConversationKey{Platform: bots.Slack, Team: s.asker.to.Key.Team, Channel: s.channel, Thread: s.thread}
}

// OfferRegenerate implements bots.Regenerable: the final text's last
// message shows the Regenerate button beside the feedback buttons.
func (r *streamReply) OfferRegenerate() { r.sink.regen.Store(true) }

// OfferRegenerate implements bots.Regenerable: the final chat.stopStream
// carries the button with the feedback buttons ("blocks ... rendered at
// the bottom of the finalized message",
// https://docs.slack.dev/reference/methods/chat.stopStream).
func (r *nativeReply) OfferRegenerate() { r.sink.regen.Store(true) }

// regenerateBlocks is the actions block with the Regenerate button, when
// the answer offers it. It is a block of its own: a context_actions block
// holds only feedback_buttons and icon_button elements
// (https://docs.slack.dev/reference/block-kit/blocks/context-actions-block).
func (s *threadSink) regenerateBlocks(ctx context.Context) []slackgo.Block {
	if !s.regen.Load() {
		return nil
	}
	label := i18n.T(s.a.uiLang(ctx, s.channel, s.asker.to.Locale), i18n.RegenerateButton)
	btn := slackgo.NewButtonBlockElement(RegenerateActionID, s.replyID, slackgo.NewTextBlockObject(slackgo.PlainTextType, "🔄 "+label, true, false))
	return []slackgo.Block{slackgo.NewActionBlock("regenerate", btn)}
}

// acceptRegenerate handles a Regenerate click; the caller acknowledged
// the envelope or request at once (Slack's 3 seconds). The click is
// claimed by its trigger_id, like commands and shortcuts (replay.go): a
// replayed or twice-delivered click acts once.
func (a *Adapter) acceptRegenerate(in blockActions, replyID string) error {
	if in.User.ID == "" || in.Channel.ID == "" || replyID == "" {
		return fmt.Errorf("%w: regenerate action without user, channel or reply id", errMalformed)
	}
	if !a.spawn(handlerTimeout, func(ctx context.Context) {
		if a.firstDelivery(ctx, "regenerate click", in.TriggerID) {
			a.handleRegenerate(ctx, in, replyID)
		}
	}) {
		return errNotRunning
	}
	return nil
}

// handleRegenerate asks the Engine for a new answer. One that is queued
// shows in the message itself (rewritten in place); a click that changed
// nothing gets a short ephemeral answer, also when the queued job then
// finds the old answer deleted (Reopen looks its first message up). The
// clicker's admin rights are looked up only when they are not the asker.
func (a *Adapter) handleRegenerate(ctx context.Context, in blockActions, replyID string) {
	gone := func(ctx context.Context) { a.tellRegenerate(ctx, in, i18n.RegenerateGone) }
	res, err := a.opts.Engine.Regenerate(ctx, bots.Slack, replyID, in.User.ID, false, gone)
	if err == nil && res == bots.RegenerateNotAllowed {
		if u := a.users.info(ctx, in.User.ID); u.Admin {
			res, err = a.opts.Engine.Regenerate(ctx, bots.Slack, replyID, in.User.ID, true, gone)
		}
	}
	if err != nil {
		a.log.WarnContext(ctx, "regenerate refused", "err", err)
	}
	switch res {
	case bots.RegenerateQueued:
	case bots.RegenerateNotAllowed:
		a.tellRegenerate(ctx, in, i18n.RegenerateNotAllowed)
	case bots.RegenerateBusy:
		a.tellRegenerate(ctx, in, i18n.RegenerateBusy)
	default:
		a.tellRegenerate(ctx, in, i18n.RegenerateGone)
	}
}

// tellRegenerate answers the Regenerate click in with the ephemeral text
// key, in the clicker's language.
func (a *Adapter) tellRegenerate(ctx context.Context, in blockActions, key i18n.Key) {
	user := a.users.info(ctx, in.User.ID)
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: in.Message.ThreadTS},
		UserID: in.User.ID}
	a.ephemeral(ctx, msg, in.ResponseURL, i18n.T(a.uiLang(ctx, in.Channel.ID, user.Locale), key))
}
