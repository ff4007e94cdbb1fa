package discord

import (
	"context"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// A command's answer (an interaction's original response and its
// follow-ups) has the controls of a chat answer: Stop while it is written,
// 👍 / 👎 and Regenerate once finished. The buttons go in the webhook
// calls themselves: Edit Original Interaction Response, Create and Edit
// Followup Message take components like Create Message
// (https://discord.com/developers/docs/interactions/receiving-and-responding#edit-original-interaction-response,
// #create-followup-message), and an edit without them keeps the old ones,
// an empty list removes them. Once the interaction token is gone (15
// minutes) the answer continues as channel messages (interactionSink),
// which carry the same buttons through the channelSink: a click is an
// interaction of its own with a fresh token, so the buttons keep working
// after the command's token expired.

var (
	_ stream.RatingSink  = (*interactionControlSink)(nil)
	_ bots.OncePoster    = flaggedInteraction{}
	_ stream.ControlSink = (*interactionControlSink)(nil)
	_ bots.Reopenable    = (*reply)(nil)
)

// interactionControls gives a command's sink the Stop, feedback and
// Regenerate buttons when the Engine can stop replies (as controls does
// for a channel reply); it returns the sink to stream into and the reply
// id ("" without controls).
func (a *Adapter) interactionControls(s *interactionSink, to bots.Message) (stream.Sink, string) {
	if _, ok := a.opts.Engine.(Stopper); !ok || !a.opts.StopButton {
		return s, ""
	}
	s.ch.ctl = newStopControl(to)
	return &interactionControlSink{s}, s.ch.ctl.id
}

// interactionControlSink is an interactionSink as a stream.RatingSink.
type interactionControlSink struct{ *interactionSink }

// Live implements stream.ControlSink: posts and edits with the Stop
// button. The Streamer makes one call at a time, so the flag is not
// shared.
func (c *interactionControlSink) Live() stream.Sink {
	return flaggedInteraction{c.interactionSink, &c.ch.live}
}

// Rated implements stream.RatingSink: posts and edits with the 👍 / 👎
// (and Regenerate) buttons.
func (c *interactionControlSink) Rated() stream.Sink {
	return flaggedInteraction{c.interactionSink, &c.ch.rated}
}

// flaggedInteraction is the interactionSink with one of its channelSink's
// component flags set for each call: the webhook calls and the channel
// messages after the token's end read the same flags.
type flaggedInteraction struct {
	s    *interactionSink
	flag *bool
}

func (f flaggedInteraction) Post(ctx context.Context, text string) (string, error) {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.s.Post(ctx, text)
}

// PostOnce implements bots.OncePoster.
func (f flaggedInteraction) PostOnce(ctx context.Context, part int, text string) (string, error) {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.s.PostOnce(ctx, part, text)
}

func (f flaggedInteraction) Edit(ctx context.Context, id, text string) error {
	*f.flag = true
	defer func() { *f.flag = false }()
	return f.s.Edit(ctx, id, text)
}

// ReopenWith implements bots.Reopenable: a command's answer is
// regenerated through Reopen, as channel messages edited with the bot's
// token (the original response and the follow-ups are the bot's messages
// in the channel; the command's token may have expired, and the
// Regenerate click's own token would only reach the message clicked).
func (r *reply) ReopenWith() (bots.Reopener, bots.ConversationKey) {
	key := r.to.Key
	key.Channel = r.channel
	return r.a, key
}
