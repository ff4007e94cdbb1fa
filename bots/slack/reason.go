package slack

import (
	"context"
	"encoding/json"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// The 👎 reason form: after a 👎 the clicker gets a modal asking what was
// wrong (views.open with the click's trigger_id); its view_submission
// records the reason with the vote.

// ReasonCallbackID is the callback_id of the reason modal.
const ReasonCallbackID = "mistralbot_reason"

// The reason modal's input block and element.
const (
	reasonBlockID  = "reason"
	reasonActionID = "reason_text"
)

// reasonMeta is the modal's private_metadata (at most 3,000 characters,
// https://docs.slack.dev/reference/surfaces/views): which answer, and where
// to thank the voter.
type reasonMeta struct {
	Reply   string `json:"r"`
	Channel string `json:"c"`
	Thread  string `json:"t,omitempty"`
}

// openReasonForm opens the reason modal for the 👎 in. Slack takes a
// trigger_id for 3 seconds after the click ("pass a valid trigger_id
// within 3 seconds of receiving it",
// https://docs.slack.dev/tools/bolt-python/concepts/opening-modals): the
// caller opens it right after the vote, before anything slower. A refusal
// (expired_trigger_id when the store was slow) is logged: the vote stands.
func (a *Adapter) openReasonForm(ctx context.Context, in blockActions, replyID, lang string) {
	if in.TriggerID == "" {
		return
	}
	meta, _ := json.Marshal(reasonMeta{Reply: replyID, Channel: in.Channel.ID, Thread: in.Message.ThreadTS})
	text := func(k i18n.Key) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, i18n.T(lang, k), false, false)
	}
	input := slackgo.NewPlainTextInputBlockElement(text(i18n.ReasonPlaceholder), reasonActionID)
	input.Multiline, input.MaxLength = true, bots.FeedbackReasonMax
	block := slackgo.NewInputBlock(reasonBlockID, text(i18n.ReasonLabel), nil, input)
	block.Optional = true
	view := slackgo.ModalViewRequest{Type: slackgo.VTModal, CallbackID: ReasonCallbackID, PrivateMetadata: string(meta),
		Title: text(i18n.ReasonTitle), Submit: text(i18n.ReasonSubmit), Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{block}}}
	if _, err := a.api.OpenViewContext(ctx, in.TriggerID, view); err != nil {
		_ = a.logCallErr(ctx, "views.open", in.Channel.ID, a.apiErr(ctx, "views.open", err, nil))
	}
}

// viewSubmission is the part of a view_submission payload the adapter
// reads (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
type viewSubmission struct {
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	TriggerID string `json:"trigger_id"`
	View      struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		State           struct {
			Values map[string]map[string]struct {
				Value string `json:"value"`
			} `json:"values"`
		} `json:"state"`
	} `json:"view"`
}

// acceptViewSubmission handles a submitted modal. The caller acknowledges
// it at once with an empty body, which closes the modal
// (https://docs.slack.dev/surfaces/modals#close_current_view); the reason
// is recorded on its own goroutine. A submission replayed or delivered
// twice (same trigger_id) is claimed once; two submissions of the same
// text record once (the store's vote is unchanged).
func (a *Adapter) acceptViewSubmission(payload []byte) error {
	var in viewSubmission
	if err := json.Unmarshal(payload, &in); err != nil {
		return fmt.Errorf("%w: view_submission: %v", errMalformed, err)
	}
	if in.View.CallbackID != ReasonCallbackID {
		a.log.Info("unhandled view submission; acknowledged and ignored", "callback_id", in.View.CallbackID)
		return nil
	}
	var meta reasonMeta
	if json.Unmarshal([]byte(in.View.PrivateMetadata), &meta) != nil || meta.Reply == "" || meta.Channel == "" || in.User.ID == "" {
		return fmt.Errorf("%w: reason form without answer, channel or user", errMalformed)
	}
	reason := in.View.State.Values[reasonBlockID][reasonActionID].Value
	if !a.spawn(handlerTimeout, func(ctx context.Context) {
		if a.firstDelivery(ctx, "reason form", in.TriggerID) {
			a.handleReason(ctx, in, meta, reason)
		}
	}) {
		return errNotRunning
	}
	return nil
}

// handleReason records the reason and thanks the voter ephemerally in the
// answer's thread (once: a second submission of the same text is not
// thanked again).
func (a *Adapter) handleReason(ctx context.Context, in viewSubmission, meta reasonMeta, reason string) {
	res, err := a.opts.Engine.FeedbackReason(ctx, bots.Slack, meta.Reply, in.User.ID, reason)
	key := i18n.ReasonThanks
	switch {
	case err != nil:
		a.log.WarnContext(ctx, "feedback reason not recorded", "err", err)
		key = i18n.ErrInternal
	case res == bots.FeedbackUnknown:
		key = i18n.FeedbackUnknown
	case res == bots.FeedbackSame:
		return
	}
	user := a.users.info(ctx, in.User.ID)
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: meta.Channel, Thread: meta.Thread},
		UserID: in.User.ID}
	a.ephemeral(ctx, msg, "", i18n.T(a.uiLang(ctx, meta.Channel, user.Locale), key))
}
