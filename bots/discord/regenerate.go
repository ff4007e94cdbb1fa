package discord

import (
	"context"
	"strings"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

// regeneratePrefix starts the custom_id of the Regenerate button on a
// finished answer: "mistralbot_regen:<reply id>" (custom_id holds at most
// 100 characters, https://discord.com/developers/docs/components/reference#button).
const regeneratePrefix = "mistralbot_regen:"

// Regenerator is the Engine's Regenerate, an optional capability of
// Options.Engine (bots.Engine has it): without it no Regenerate button is
// shown.
type Regenerator interface {
	Regenerate(ctx context.Context, p bots.Platform, replyID, userID string, admin bool, gone func(context.Context)) (bots.RegenerateResult, error)
}

var (
	_ Regenerator      = (*engine.Engine)(nil)
	_ bots.Regenerable = (*reply)(nil)
)

// OfferRegenerate implements bots.Regenerable: the finished answer's last
// message shows the Regenerate button beside 👍 / 👎 (in the same action
// row: a row holds up to 5 buttons,
// https://discord.com/developers/docs/components/reference#action-row).
func (r *reply) OfferRegenerate() {
	if _, ok := r.a.opts.Engine.(Regenerator); ok && r.ctl != nil {
		r.ctl.regen.Store(true)
	}
}

// regenerateButton is the Regenerate button when the answer offers it.
func (s *stopControl) regenerateButton() []discordgo.MessageComponent {
	if !s.regen.Load() {
		return nil
	}
	return []discordgo.MessageComponent{discordgo.Button{Label: s.regenLabel, Style: discordgo.SecondaryButton,
		CustomID: regeneratePrefix + s.id, Emoji: &discordgo.ComponentEmoji{Name: "🔄"}}}
}

// onRegenerate answers a Regenerate click at once, within Discord's 3
// seconds: a queued regeneration with DEFERRED_UPDATE_MESSAGE (type 6:
// the message itself is rewritten), a click that changes nothing with an
// ephemeral message (type 4, flag 64). The interaction id was claimed
// before (replay.go): a click delivered twice acts once. Engine.Regenerate
// waits only for the new job's journal entry, whose write is bounded by
// journal.Timeout (2 s), so the response stays within the 3 s.
//
// A queued regeneration whose old answer turns out to be deleted (its
// first message, looked up when the job runs) changes nothing; the
// clicker is then told in an ephemeral follow-up of the click, once its
// type 6 is sent (a follow-up needs the initial response; the token
// lasts 15 minutes,
// https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages).
func (a *Adapter) onRegenerate(ctx context.Context, in *discordgo.Interaction, info channelInfo, customID string, send respondFunc) error {
	msg := a.interactionMessage(in, info)
	lang := i18n.Match(msg.Locale)
	rg, ok := a.opts.Engine.(Regenerator)
	if !ok {
		return send(ctx, ephemeral(i18n.T(lang, i18n.RegenerateGone)))
	}
	acked := make(chan error, 1)
	gone := func(ctx context.Context) {
		select {
		case err := <-acked:
			if err != nil {
				return // the click was not answered: no follow-up can be made
			}
		case <-ctx.Done():
			return
		}
		if err := a.followup(ctx, in, i18n.T(lang, i18n.RegenerateGone), a.now()); err != nil {
			a.log.Warn("discord: cannot tell the clicker the answer to regenerate is gone", "channel", in.ChannelID, "err", err)
		}
	}
	res, err := rg.Regenerate(ctx, bots.Discord, strings.TrimPrefix(customID, regeneratePrefix), msg.UserID, msg.Admin, gone)
	if err != nil {
		a.log.Warn("discord: regenerate refused", "err", err)
	}
	switch res {
	case bots.RegenerateQueued:
		err := send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		acked <- err
		return err
	case bots.RegenerateNotAllowed:
		return send(ctx, ephemeral(i18n.T(lang, i18n.RegenerateNotAllowed)))
	case bots.RegenerateBusy:
		return send(ctx, ephemeral(i18n.T(lang, i18n.RegenerateBusy)))
	default:
		return send(ctx, ephemeral(i18n.T(lang, i18n.RegenerateGone)))
	}
}
