package discord

import (
	"context"
	"strings"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

// The 👎 reason form: a 👎 is answered with a modal (interaction callback
// type 9) asking what was wrong; its MODAL_SUBMIT interaction (type 5)
// records the reason with the vote.

// reasonPrefix starts the modal's custom_id: "mistralbot_reason:<reply id>"
// (at most 100 characters).
const reasonPrefix = "mistralbot_reason:"

// reasonInputID is the custom_id of the modal's text input.
const reasonInputID = "reason"

// Reasoner is the Engine's FeedbackReason, an optional capability of
// Options.Engine (bots.Engine has it): without it a 👎 opens no form.
type Reasoner interface {
	FeedbackReason(ctx context.Context, p bots.Platform, replyID, userID, reason string) (bots.FeedbackResult, error)
}

var _ Reasoner = (*engine.Engine)(nil)

// reasonModal is the form's response: a modal with one optional
// paragraph text input of at most bots.FeedbackReasonMax characters.
// Discord's limits: modal title and input label 45 characters, custom_id
// 100, max_length up to 4,000, placeholder 100
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
// https://discord.com/developers/docs/components/reference#text-input).
// A modal must be the interaction's first response (no defer before it).
func reasonModal(replyID, lang string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: reasonPrefix + replyID, Title: i18n.T(lang, i18n.ReasonTitle),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: reasonInputID, Label: i18n.T(lang, i18n.ReasonLabel), Style: discordgo.TextInputParagraph,
				Placeholder: i18n.T(lang, i18n.ReasonPlaceholder), MaxLength: bots.FeedbackReasonMax},
		}}},
	}}
}

// onModalSubmit records a submitted reason and thanks the voter with an
// ephemeral message at once. The interaction id was claimed before
// (replay.go): a submission delivered twice acts once; the same text
// submitted twice records once (the store's vote is unchanged).
func (a *Adapter) onModalSubmit(ctx context.Context, in *discordgo.Interaction, info channelInfo, send respondFunc) error {
	data, _ := in.Data.(discordgo.ModalSubmitInteractionData)
	msg := a.interactionMessage(in, info)
	lang := i18n.Match(msg.Locale)
	rs, ok := a.opts.Engine.(Reasoner)
	replyID, isReason := strings.CutPrefix(data.CustomID, reasonPrefix)
	if !ok || !isReason {
		a.log.Info("discord: unhandled modal", "custom_id", data.CustomID)
		return send(ctx, ephemeral(i18n.T(lang, i18n.FeedbackUnknown)))
	}
	res, err := rs.FeedbackReason(ctx, bots.Discord, replyID, msg.UserID, modalValue(data, reasonInputID))
	switch {
	case err != nil:
		a.log.Warn("discord: feedback reason not recorded", "err", err)
		return send(ctx, ephemeral(i18n.T(lang, i18n.ErrInternal)))
	case res == bots.FeedbackUnknown:
		return send(ctx, ephemeral(i18n.T(lang, i18n.FeedbackUnknown)))
	}
	return send(ctx, ephemeral(i18n.T(lang, i18n.ReasonThanks)))
}

// modalValue is the text of the input id in a submitted modal.
func modalValue(data discordgo.ModalSubmitInteractionData, id string) string {
	for _, c := range data.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, rc := range row.Components {
			if ti, ok := rc.(*discordgo.TextInput); ok && ti.CustomID == id {
				return ti.Value
			}
		}
	}
	return ""
}
