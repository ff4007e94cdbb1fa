package discord

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/stream"
)

// Summarizer is the Engine's summaries, an optional capability of
// Options.Engine: /summarize, the "Summarize thread" message command and
// "@mistralbot catch me up".
type Summarizer interface {
	Summarize(ctx context.Context, conv bots.Conversations, job *bots.SummaryJob, out bots.SummaryOutput) error
	CatchUp(msg bots.Message) (bots.Command, bool)
}

var _ Summarizer = (*engine.Engine)(nil)

// SummarizeThreadCommand is the name of the message context-menu command.
const SummarizeThreadCommand = "Summarize thread"

// summaryPrefix starts the custom_id of a summary's confirm button; the
// job's token follows.
const summaryPrefix = "mistralbot_summary:"

// summaryTimeout bounds one summary (read, model calls, delivery). An
// interaction token lives 15 minutes; a shared summary is posted with the
// bot token and does not need it.
const summaryTimeout = 30 * time.Minute

// summaryRuns tracks the summaries running, so Run waits for them.
type summaryRuns struct {
	mu   sync.Mutex
	ctx  context.Context // Run's work context; nil when not running
	runs sync.WaitGroup
}

// runSummary runs job on its own goroutine, owned by Run (which waits
// for it), with out as its output. It reports false when Run is not
// running.
func (a *Adapter) runSummary(job *bots.SummaryJob, out bots.SummaryOutput) bool {
	s, ok := a.opts.Engine.(Summarizer)
	a.sums.mu.Lock()
	defer a.sums.mu.Unlock()
	if !ok || a.sums.ctx == nil || a.sums.ctx.Err() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(a.sums.ctx, summaryTimeout)
	a.sums.runs.Go(func() {
		defer cancel()
		if err := s.Summarize(ctx, a, job, out); err != nil {
			a.log.Warn("discord: summary not delivered", "key", job.Query.Key.String(), "err", err)
		}
	})
	return true
}

// interactionOut is bots.SummaryOutput for an interaction answered with
// a deferred ephemeral response: private texts replace it (and continue
// in ephemeral follow-ups), shared ones are posted in the channel.
type interactionOut struct {
	a        *Adapter
	in       *discordgo.Interaction
	received time.Time
	mu       sync.Mutex
}

var _ bots.SummaryOutput = (*interactionOut)(nil)

func (o *interactionOut) Private(ctx context.Context, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	parts := stream.SplitMarkdown(text, maxContent, nil)
	if len(parts) == 0 {
		return nil
	}
	if _, err := o.a.rest.editOriginal(ctx, "summary in "+o.in.ChannelID, o.in.AppID, o.in.Token, parts[0], nil); err != nil {
		return err
	}
	for _, p := range parts[1:] {
		if err := o.a.followup(ctx, o.in, p, o.received); err != nil {
			return err
		}
	}
	return nil
}

func (o *interactionOut) Share(ctx context.Context, text string) error {
	return o.a.postSummary(ctx, o.in.ChannelID, text, nil)
}

func (o *interactionOut) Confirm(ctx context.Context, text, label, token string) error {
	comps := confirmRow(label, token)
	body := messageBody{Content: text, AllowedMentions: noPings(), Components: &comps}
	return o.a.rest.do(ctx, "summary confirm in "+o.in.ChannelID, http.MethodPatch,
		"/webhooks/"+o.in.AppID+"/"+o.in.Token+"/messages/@original", body, nil)
}

// mentionOut is bots.SummaryOutput for "@mistralbot catch me up": a
// plain message has no private answer on Discord, so every text is a
// reply to the mention in its channel, where the asker asked in public.
type mentionOut struct {
	a       *Adapter
	channel string
	ref     *messageRef
}

var _ bots.SummaryOutput = (*mentionOut)(nil)

func (o *mentionOut) Private(ctx context.Context, text string) error {
	return o.a.postSummary(ctx, o.channel, text, o.ref)
}

func (o *mentionOut) Share(ctx context.Context, text string) error {
	return o.a.postSummary(ctx, o.channel, text, o.ref)
}

func (o *mentionOut) Confirm(ctx context.Context, text, label, token string) error {
	comps := confirmRow(label, token)
	_, err := o.a.rest.createMessage(ctx, "summary confirm in "+o.channel, o.channel, text, "", o.ref, &comps)
	return err
}

// postSummary posts text in channel in parts of at most 2,000
// characters, the first replying to ref when set.
func (a *Adapter) postSummary(ctx context.Context, channel, text string, ref *messageRef) error {
	_, err := a.postParts(ctx, channel, text, ref, "")
	return err
}

// postParts posts text split under Discord's limit and returns the first
// part's id. With a nonce, part n is created with nonce+"-"+n and
// enforce_nonce (createMessage), so a repeat returns the earlier message.
func (a *Adapter) postParts(ctx context.Context, channel, text string, ref *messageRef, nonce string) (string, error) {
	first := ""
	for n, p := range stream.SplitMarkdown(text, maxContent, nil) {
		pn := ""
		if nonce != "" {
			pn = nonce + "-" + strconv.Itoa(n)
		}
		id, err := a.rest.createMessage(ctx, "summary in "+channel, channel, p, pn, ref, nil)
		if err != nil {
			return first, err
		}
		if n == 0 {
			first = id
		}
		ref = nil
	}
	return first, nil
}

func confirmRow(label, token string) []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: label, Style: discordgo.PrimaryButton, CustomID: summaryPrefix + token},
	}}}
}

// summaryCommand answers an interaction whose command produced a summary
// job: deferred and ephemeral at once (Discord's 3 s), then the summary.
func (a *Adapter) summaryCommand(ctx context.Context, in *discordgo.Interaction, job *bots.SummaryJob, send respondFunc, received time.Time) error {
	if err := send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}); err != nil {
		return err
	}
	if !a.runSummary(job, &interactionOut{a: a, in: in, received: received}) {
		_, err := a.rest.editOriginal(ctx, "summary in "+in.ChannelID, in.AppID, in.Token, "The bot is restarting; try again in a moment.", nil)
		return err
	}
	return nil
}

// onSummaryConfirm runs a click on a summary's confirm button.
func (a *Adapter) onSummaryConfirm(ctx context.Context, in *discordgo.Interaction, info channelInfo, customID string, send respondFunc) error {
	msg := a.interactionMessage(in, info)
	cmd := bots.Command{Name: "summarize", Msg: msg, Options: map[string]string{"prefix": "/",
		"confirm": strings.TrimPrefix(customID, summaryPrefix)}}
	resp := a.opts.Engine.Command(ctx, a, cmd)
	if resp.Summary == nil {
		return send(ctx, ephemeral(resp.Text))
	}
	return a.summaryCommand(ctx, in, resp.Summary, send, a.now())
}

// catchUp runs "@mistralbot catch me up" as /summarize of the channel or
// thread m was posted in; it reports whether m asked for it.
func (a *Adapter) catchUp(ctx context.Context, m *discordgo.Message, msg bots.Message) bool {
	s, ok := a.opts.Engine.(Summarizer)
	if !ok {
		return false
	}
	cmd, ok := s.CatchUp(msg)
	if !ok {
		return false
	}
	// normalize keys a channel mention by the thread it would start (the
	// message's id); a summary is of where the mention was posted.
	cmd.Msg.Key.Channel = m.ChannelID
	cmd.Msg.Key.Thread = ""
	if msg.InThread {
		cmd.Msg.Key.Thread = m.ChannelID
	}
	cmd.Options["prefix"] = "/"
	if !a.opts.Engine.ClaimDelivery(ctx, "catchup:discord:"+m.ID) {
		return true // a redelivery of a catch-up already run
	}
	ref := &messageRef{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID}
	resp := a.opts.Engine.Command(ctx, a, cmd)
	out := &mentionOut{a: a, channel: m.ChannelID, ref: ref}
	if resp.Summary == nil {
		if err := out.Private(ctx, resp.Text); err != nil {
			a.log.Warn("discord: catch-up refusal not posted", "channel", m.ChannelID, "err", err)
		}
		return true
	}
	if !a.runSummary(resp.Summary, out) {
		a.log.Warn("discord: catch-up dropped: the adapter is stopping", "channel", m.ChannelID)
	}
	return true
}

// summarizeThreadOf is the "Summarize thread" command on a message: the
// thread the message started (a thread from a message has its id), or
// the thread the command was used in, else the channel.
func (a *Adapter) summarizeThreadOf(in *discordgo.Interaction, info channelInfo, data discordgo.ApplicationCommandInteractionData) bots.Command {
	msg := a.interactionMessage(in, info)
	if data.Resolved != nil {
		if m := data.Resolved.Messages[data.TargetID]; m != nil && m.Thread != nil && m.Thread.ID != "" {
			msg.Key.Channel, msg.Key.Thread, msg.InThread = m.Thread.ID, m.Thread.ID, true
		}
	}
	return bots.Command{Name: "summarize", Msg: msg, Options: map[string]string{"prefix": "/"}}
}

var _ bots.ChannelPoster = (*Adapter)(nil)

// PostToChannel implements bots.ChannelPoster (digests).
func (a *Adapter) PostToChannel(ctx context.Context, key bots.ConversationKey, text string) error {
	return a.postSummary(ctx, key.Channel, text, nil)
}
