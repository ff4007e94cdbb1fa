package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync/atomic"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/pace"
	"mistralbot/bots/stream"
)

// stopPrefix starts the custom_id of the Stop button on an answer being
// written: "mistralbot_stop:<reply id>" (custom_id holds at most 100
// characters, https://discord.com/developers/docs/components/reference#button).
const stopPrefix = "mistralbot_stop:"

// feedbackPrefix starts the custom_ids of the 👍 / 👎 buttons on a
// finished answer: "mistralbot_fb:up:<reply id>", "mistralbot_fb:down:<reply id>".
const feedbackPrefix = "mistralbot_fb:"

// Rater is the Engine's Feedback, an optional capability of
// Options.Engine (bots/engine's has it).
type Rater interface {
	Feedback(ctx context.Context, p bots.Platform, replyID, userID string, up bool) (bots.FeedbackResult, error)
}

// Stopper is the Engine's Stop, an optional capability of Options.Engine
// (bots/engine's has it): without it no Stop button is shown.
type Stopper interface {
	Stop(ctx context.Context, p bots.Platform, replyID, userID string, admin bool) (bots.StopResult, error)
}

var (
	_ stream.RatingSink  = (*controlSink)(nil)
	_ bots.Rateable      = (*reply)(nil)
	_ stream.ControlSink = (*controlSink)(nil)
	_ pace.Pacer         = (*controlSink)(nil)
	_ bots.Controlled    = (*reply)(nil)
	_ bots.OncePoster    = flaggedSink{}
)

// stopControl is the Stop button of one reply.
type stopControl struct {
	id    string
	label string
	// regen: the finished answer shows the Regenerate button
	// (regenerate.go), labelled regenLabel.
	regen      atomic.Bool
	regenLabel string
}

func newStopControl(to bots.Message) *stopControl {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	lang := i18n.Match(to.Locale)
	return &stopControl{id: hex.EncodeToString(b), label: i18n.T(lang, i18n.StopButton), regenLabel: i18n.T(lang, i18n.RegenerateButton)}
}

// row is the action row with the button.
func (s *stopControl) row() []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: s.label, Style: discordgo.SecondaryButton, CustomID: stopPrefix + s.id,
			Emoji: &discordgo.ComponentEmoji{Name: "⏹️"}},
	}}}
}

// ratingRow is the action row with the 👍 / 👎 buttons.
func (s *stopControl) ratingRow() []discordgo.MessageComponent {
	b := func(vote, emoji string) discordgo.MessageComponent {
		return discordgo.Button{Style: discordgo.SecondaryButton, CustomID: feedbackPrefix + vote + ":" + s.id,
			Emoji: &discordgo.ComponentEmoji{Name: emoji}}
	}
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: append([]discordgo.MessageComponent{b("up", "👍"), b("down", "👎")}, s.regenerateButton()...)}}
}

// components are what a post or an edit of c sends: the button while
// live, else nothing on a post and an empty list on an edit (an edit
// without components keeps the old ones; an empty array removes them,
// https://discord.com/developers/docs/resources/message#edit-message).
func (c *channelSink) components(edit bool) *[]discordgo.MessageComponent {
	switch {
	case c.ctl == nil:
		return nil
	case c.rated:
		r := c.ctl.ratingRow()
		return &r
	case c.live:
		r := c.ctl.row()
		return &r
	case edit:
		return &[]discordgo.MessageComponent{}
	default:
		return nil
	}
}

// controls gives sink a Stop button when the Engine can stop replies.
func (a *Adapter) controls(sink *channelSink, to bots.Message) (stream.Sink, string) {
	if _, ok := a.opts.Engine.(Stopper); !ok || !a.opts.StopButton {
		return sink, ""
	}
	sink.ctl = newStopControl(to)
	return &controlSink{sink}, sink.ctl.id
}

// controlSink is a channelSink as a stream.ControlSink.
type controlSink struct{ *channelSink }

// Live implements stream.ControlSink: posts and edits with the button. The
// Streamer makes one call at a time, so the flag is not shared.
func (c *controlSink) Live() stream.Sink { return flaggedSink{c.channelSink, &c.live} }

// Rated implements stream.RatingSink: posts and edits with the 👍 / 👎 buttons.
func (c *controlSink) Rated() stream.Sink { return flaggedSink{c.channelSink, &c.rated} }

// OfferFeedback implements bots.Rateable.
func (r *reply) OfferFeedback() { r.st.OfferFeedback() }

// flaggedSink is the channelSink with one of its component flags (live:
// the Stop button; rated: the feedback buttons) set for each call.
type flaggedSink struct {
	c    *channelSink
	flag *bool
}

func (f flaggedSink) Post(ctx context.Context, text string) (string, error) {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.c.Post(ctx, text)
}

// PostOnce implements bots.OncePoster: the post with the buttons keeps
// the channelSink's nonce of part.
func (f flaggedSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.c.PostOnce(ctx, part, text)
}

func (f flaggedSink) Edit(ctx context.Context, id, text string) error {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.c.Edit(ctx, id, text)
}

// ReplyID implements bots.Controlled.
func (r *reply) ReplyID() string { return r.replyID }

// onComponent answers a button click (MESSAGE_COMPONENT). A stop that
// worked is answered with DEFERRED_UPDATE_MESSAGE (type 6: nothing shown,
// the message's own final edit removes the button); a click that changes
// nothing gets an ephemeral message (type 4, flag 64). Both are sent at
// once, within Discord's 3 seconds
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-interaction-callback-type,
// https://docs.discordnet.dev/api/Discord.InteractionResponseType.html).
func (a *Adapter) onComponent(ctx context.Context, in *discordgo.Interaction, info channelInfo, send respondFunc) error {
	data, _ := in.Data.(discordgo.MessageComponentInteractionData)
	if strings.HasPrefix(data.CustomID, feedbackPrefix) {
		return a.onFeedback(ctx, in, info, data.CustomID, send)
	}
	if strings.HasPrefix(data.CustomID, regeneratePrefix) {
		return a.onRegenerate(ctx, in, info, data.CustomID, send) // regenerate.go
	}
	if strings.HasPrefix(data.CustomID, approvePrefix) || strings.HasPrefix(data.CustomID, denyPrefix) {
		return a.onApproval(ctx, in, info, data.CustomID, send)
	}
	if strings.HasPrefix(data.CustomID, summaryPrefix) {
		return a.onSummaryConfirm(ctx, in, info, data.CustomID, send) // summary.go
	}
	st, ok := a.opts.Engine.(Stopper)
	if !ok || !strings.HasPrefix(data.CustomID, stopPrefix) {
		a.log.Info("discord: unhandled component", "custom_id", data.CustomID)
		return send(ctx, ephemeral("This button is not supported."))
	}
	msg := a.interactionMessage(in, info)
	lang := i18n.Match(msg.Locale)
	res, err := st.Stop(ctx, bots.Discord, strings.TrimPrefix(data.CustomID, stopPrefix), msg.UserID, msg.Admin)
	if err != nil {
		a.log.Warn("discord: stop refused", "err", err)
		return send(ctx, ephemeral(i18n.T(lang, i18n.StopOver)))
	}
	switch res {
	case bots.StopDone:
		return send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	case bots.StopNotAllowed:
		return send(ctx, ephemeral(i18n.T(lang, i18n.StopNotAllowed)))
	default:
		return send(ctx, ephemeral(i18n.T(lang, i18n.StopOver)))
	}
}

// onFeedback records a 👍 / 👎 click and thanks the clicker with an
// ephemeral message (type 4, flag 64), at once; the same click delivered
// twice is thanked again and counted once.
func (a *Adapter) onFeedback(ctx context.Context, in *discordgo.Interaction, info channelInfo, customID string, send respondFunc) error {
	msg := a.interactionMessage(in, info)
	lang := i18n.Match(msg.Locale)
	vote, replyID, _ := strings.Cut(strings.TrimPrefix(customID, feedbackPrefix), ":")
	r, ok := a.opts.Engine.(Rater)
	if !ok || (vote != "up" && vote != "down") {
		return send(ctx, ephemeral(i18n.T(lang, i18n.FeedbackUnknown)))
	}
	res, err := r.Feedback(ctx, bots.Discord, replyID, msg.UserID, vote == "up")
	switch {
	case err != nil:
		a.log.Warn("discord: feedback not recorded", "err", err)
		return send(ctx, ephemeral(i18n.T(lang, i18n.ErrInternal)))
	case res == bots.FeedbackUnknown:
		return send(ctx, ephemeral(i18n.T(lang, i18n.FeedbackUnknown)))
	}
	if _, ok := a.opts.Engine.(Reasoner); ok && vote == "down" {
		return send(ctx, reasonModal(replyID, lang)) // reason.go: the vote is in; ask why
	}
	return send(ctx, ephemeral(i18n.T(lang, i18n.FeedbackThanks)))
}
