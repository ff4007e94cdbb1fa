package discord

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots/i18n"
)

// clickAnswerBy is how long a click or a modal submit may work (a store
// write, a journal entry) before its initial response: Discord wants one
// within 3 seconds of the interaction or the user sees "This interaction
// failed" and the token is lost
// (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction).
// The rest of the 3 s is for the callback's own round trip.
const clickAnswerBy = 2 * time.Second

// clickBudget is clickAnswerBy, shorter in tests (atomic: set while the
// adapter runs).
type clickBudget struct{ d atomic.Int64 }

func (b *clickBudget) get() time.Duration {
	if d := b.d.Load(); d > 0 {
		return time.Duration(d)
	}
	return clickAnswerBy
}

// inTime runs handle, which answers the interaction once through the
// respondFunc it is given, and sends that answer when it comes within
// the click budget. When it does not (a slow store), the click is
// acknowledged at once with DEFERRED_UPDATE_MESSAGE (type 6: nothing
// changes on screen) and, when handle answers, the clicker is told its
// text in an ephemeral follow-up, or the message is edited as an
// UPDATE_MESSAGE would have; a modal can no longer be opened then (it is
// only an initial response), so a 👎 that was late is thanked instead.
func (a *Adapter) inTime(ctx context.Context, in *discordgo.Interaction, send respondFunc, received time.Time,
	handle func(respondFunc) error) error {
	resp := make(chan *discordgo.InteractionResponse, 1)
	sent := make(chan error, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- handle(func(_ context.Context, r *discordgo.InteractionResponse) error {
			resp <- r
			return <-sent
		})
	}()
	wait := a.clicks.get() - a.now().Sub(received)
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case r := <-resp:
		sent <- send(ctx, r)
		return <-errc
	case err := <-errc:
		return err
	case <-timer.C:
	}
	a.log.Warn("discord: a click's answer is late; acknowledged, the answer follows", "channel", in.ChannelID)
	ackErr := send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	var r *discordgo.InteractionResponse
	select {
	case r = <-resp:
	case err := <-errc:
		return errors.Join(ackErr, err)
	}
	if ackErr != nil {
		sent <- ackErr
		return errors.Join(ackErr, <-errc)
	}
	err := a.late(ctx, in, r, received)
	sent <- err
	return errors.Join(err, <-errc)
}

// late delivers an answer that came after the click was acknowledged.
func (a *Adapter) late(ctx context.Context, in *discordgo.Interaction, r *discordgo.InteractionResponse, received time.Time) error {
	if r == nil {
		return nil
	}
	text := ""
	if r.Data != nil {
		text = r.Data.Content
	}
	switch r.Type {
	case discordgo.InteractionResponseUpdateMessage:
		// @original of a component interaction is the message clicked.
		comps := r.Data.Components
		_, err := a.rest.editOriginal(ctx, "update the message clicked in "+in.ChannelID, in.AppID, in.Token, text, &comps)
		return err
	case discordgo.InteractionResponseModal:
		text = i18n.T(i18n.Match(string(in.Locale)), i18n.FeedbackThanks)
	case discordgo.InteractionResponseChannelMessageWithSource:
	default:
		return nil // DEFERRED_UPDATE_MESSAGE: the message itself shows it
	}
	if text == "" {
		return nil
	}
	return a.followup(ctx, in, text, received)
}
