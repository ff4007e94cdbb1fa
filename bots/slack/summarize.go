package slack

import (
	"context"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// Summaries on Slack. Slash commands "cannot be used in message threads"
// (https://api.slack.com/interactivity/slash-commands, "Limitations on
// use"), so /summarize summarizes the channel; a thread is summarized
// with the "Summarize thread" message shortcut or by mentioning the bot
// in it ("@mistralbot catch me up").

// SummarizeThreadCallbackID is the callback id of the "Summarize
// thread" message shortcut.
const SummarizeThreadCallbackID = "summarize_thread"

// SummaryConfirmActionID is the action_id of the confirm button of a
// costly summary; its value is the job's token.
const SummaryConfirmActionID = "mistralbot_summary_confirm"

// summaryTimeout bounds one summary (reading the span, every model call,
// the delivery): far more than an answer's, as a large span under the
// reduced read limits takes minutes.
const summaryTimeout = 30 * time.Minute

// maxSummaryPart bounds one posted part of a shared summary (Slack takes
// 40,000 characters in text but truncates long messages in the UI; 3,500
// keeps every part readable and under chat.update's 4,000 too).
const maxSummaryPart = 3500

// runSummary runs a summary job on its own goroutine (the command
// handler's two minutes are too short), its texts going to the asker
// through responseURL or chat.postEphemeral, a shared one to the
// conversation.
func (a *Adapter) runSummary(job *bots.SummaryJob, responseURL string) {
	out := &summaryOut{a: a, msg: job.Cmd.Msg, responseURL: responseURL}
	started := a.spawn(summaryTimeout, func(ctx context.Context) {
		if err := a.opts.Engine.Summarize(ctx, a, job, out); err != nil {
			a.log.WarnContext(ctx, "summary not delivered", "key", job.Query.Key.String(), "err", err)
		}
	})
	if !started {
		a.log.Warn("summary dropped: the adapter is stopping", "key", job.Query.Key.String())
	}
}

// summaryOut is bots.SummaryOutput for one Slack request.
type summaryOut struct {
	a           *Adapter
	msg         bots.Message
	responseURL string
}

var _ bots.SummaryOutput = (*summaryOut)(nil)

// Private implements bots.SummaryOutput: ephemeral, in the thread when
// the summary is a thread's.
func (o *summaryOut) Private(ctx context.Context, text string) error {
	o.a.ephemeral(ctx, o.msg, o.responseURL, text)
	return nil
}

// Share implements bots.SummaryOutput: posted in the conversation the
// summary is of (the thread, or the channel), in parts of at most
// maxSummaryPart characters.
func (o *summaryOut) Share(ctx context.Context, text string) error {
	for _, part := range stream.SplitMarkdown(text, maxSummaryPart, nil) {
		if _, err := o.a.postShared(ctx, o.msg.Key, part, nil); err != nil {
			return err
		}
	}
	return nil
}

// postShared posts one part of a shared summary or digest in key's
// channel (its thread when set), tagged with md when not nil.
func (a *Adapter) postShared(ctx context.Context, key bots.ConversationKey, part string, md *slackgo.SlackMetadata) (string, error) {
	opts := append(a.postOptions(), slackgo.MsgOptionText(Mrkdwn(part), false))
	if key.Thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(key.Thread))
	}
	if md != nil {
		opts = append(opts, slackgo.MsgOptionMetadata(*md))
	}
	if err := a.workspace(key.Team).postBucket(key.Channel).Wait(ctx); err != nil {
		return "", err
	}
	_, ts, err := a.api.PostMessageContext(ctx, key.Channel, opts...)
	if err != nil {
		return "", a.logCallErr(ctx, "chat.postMessage", key.Channel, a.apiErr(ctx, "chat.postMessage", err, nil))
	}
	return ts, nil
}

// Confirm implements bots.SummaryOutput: an ephemeral message with the
// estimate and a button.
func (o *summaryOut) Confirm(ctx context.Context, text, label, token string) error {
	blocks := slackgo.MsgOptionBlocks(
		slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, Mrkdwn(text), false, false), nil, nil),
		slackgo.NewActionBlock("", slackgo.NewButtonBlockElement(SummaryConfirmActionID, token,
			slackgo.NewTextBlockObject(slackgo.PlainTextType, label, false, false)).WithStyle(slackgo.StylePrimary)),
	)
	fallback := slackgo.MsgOptionText(Mrkdwn(text), false)
	if o.responseURL != "" {
		_, _, err := o.a.api.PostMessageContext(ctx, o.msg.Key.Channel,
			slackgo.MsgOptionResponseURL(o.responseURL, slackgo.ResponseTypeEphemeral), fallback, blocks)
		if err == nil {
			return nil
		}
		o.a.log.WarnContext(ctx, "response_url post failed; trying chat.postEphemeral", "err", err)
	}
	opts := []slackgo.MsgOption{fallback, blocks}
	if o.msg.Key.Thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(o.msg.Key.Thread))
	}
	if _, err := o.a.api.PostEphemeralContext(ctx, o.msg.Key.Channel, o.msg.UserID, opts...); err != nil {
		return o.a.logCallErr(ctx, "chat.postEphemeral", o.msg.Key.Channel, o.a.apiErr(ctx, "chat.postEphemeral", err, nil))
	}
	return nil
}

// catchUp runs "@mistralbot catch me up" as /summarize: the thread when
// the mention is in one, else the channel. It reports whether msg was
// one; the mention arrives as app_mention and as message, so it is
// claimed once.
func (a *Adapter) catchUp(ctx context.Context, msg bots.Message) bool {
	cmd, ok := a.opts.Engine.CatchUp(msg)
	if !ok {
		return false
	}
	if !a.opts.Engine.ClaimDelivery(ctx, "catchup:slack:"+msg.Key.Channel+":"+msg.ID) {
		return true
	}
	if !msg.InThread && !msg.DM {
		cmd.Msg.Key.Thread = "" // the mention's own ts; the summary is the channel's
	}
	cmd.Options["prefix"] = "/" + a.opts.CommandPrefix
	a.runCommand(ctx, cmd, "", "", "")
	return true
}

// handleSummaryShortcut runs "Summarize thread" on a message: the thread
// it is in, or that it starts.
func (a *Adapter) handleSummaryShortcut(ctx context.Context, in interaction) {
	thread := in.Message.ThreadTS
	if thread == "" {
		thread = in.Message.TS
	}
	user := a.users.info(ctx, in.User.ID)
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: thread},
		SettingsChannel: in.Channel.ID, UserID: in.User.ID, UserName: user.Name, Locale: user.Locale,
		Admin: user.Admin, DM: strings.HasPrefix(in.Channel.ID, "D"), InThread: true, Time: a.now(),
	}
	a.runCommand(ctx, a.delivered(a.command("summarize", msg), in.TriggerID), "message shortcut", in.ResponseURL, thread)
}

// handleSummaryConfirm runs a click on a summary's confirm button.
func (a *Adapter) handleSummaryConfirm(ctx context.Context, in blockActions, token string) {
	user := a.users.info(ctx, in.User.ID)
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: in.Message.ThreadTS},
		SettingsChannel: in.Channel.ID, UserID: in.User.ID, UserName: user.Name, Locale: user.Locale, Admin: user.Admin,
		Time: a.now(),
	}
	cmd := a.command("summarize", msg)
	cmd.Options["confirm"] = token
	a.runCommand(ctx, cmd, "", in.ResponseURL, "")
}

var _ bots.ChannelPoster = (*Adapter)(nil)

// PostToChannel implements bots.ChannelPoster (digests): posted as a
// shared summary is.
func (a *Adapter) PostToChannel(ctx context.Context, key bots.ConversationKey, text string) error {
	return (&summaryOut{a: a, msg: bots.Message{Key: key}}).Share(ctx, text)
}
