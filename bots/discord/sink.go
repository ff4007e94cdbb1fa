package discord

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// maxContent is Discord's message content limit, in characters.
const maxContent = 2000

// noMentions is sent with every message and every edit: model output must
// never ping @everyone, @here, roles or users. Discord re-parses mentions on
// every edit, and only an empty parse list (not a missing one) disables
// them, so each call gets a fresh empty slice.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// channelSink posts and edits messages in one channel. Posts wait for the
// channel's budget; the Streamer paces edits itself through the sink's
// Throttle: the channel's budget and, for intermediate edits, the global
// one.
type channelSink struct {
	a       *Adapter
	channel string
	// replyTo makes the first message a reply to it (used when a thread
	// could not be created).
	replyTo string
	guild   string
	budget  *budget
	// moved maps messages deleted under the answer to their replacement.
	moved map[string]string
	// prepaid is the global slot Allow took for the next call.
	prepaid atomic.Pointer[ticket]
	// ctl is the Stop button, nil without; live: the current call
	// shows it (stop.go).
	ctl   *stopControl
	live  bool
	rated bool
}

var (
	_ bots.Sink  = (*channelSink)(nil)
	_ bots.Pacer = (*channelSink)(nil)
)

// Admit implements bots.Pacer: a reply shows its first text while it
// streams only when the global budget has room to spare. A posted reply
// costs one more call later (its final edit); under load a reply that
// waits and posts its whole answer at once costs one call, and the answers
// already on screen get their final text sooner.
func (c *channelSink) Admit() bool {
	g := c.a.global
	return g == nil || g.spare()
}

// Release implements bots.Pacer: admission holds nothing.
func (c *channelSink) Release() {}

// Share implements bots.Pacer: the channel's own budget (a thread is a
// channel) and Allow pace the edits.
func (c *channelSink) Share() time.Duration { return 0 }

// Allow implements bots.Throttle: an intermediate edit goes when both the
// channel's budget and the global one have room for it; neither is spent
// when the other refuses. The global slot is the next call's, which does
// not pay for another.
func (c *channelSink) Allow() bool {
	c.settle()
	var t *ticket
	if g := c.a.global; g != nil {
		if t = g.tryAcquire(); t == nil {
			return false
		}
	}
	if !c.budget.Allow() {
		t.drop()
		return false
	}
	c.prepaid.Store(t)
	return true
}

// Wait implements bots.Throttle on the channel's budget; the request waits
// for the global budget in the transport.
func (c *channelSink) Wait(ctx context.Context) error { return c.budget.Wait(ctx) }

// settle gives back a global slot Allow took for a call never made.
func (c *channelSink) settle() {
	if t := c.prepaid.Swap(nil); t != nil {
		t.drop()
	}
}

// paid returns the context of the next call: it carries the global slot
// Allow took, if any, for the call's request. done gives the slot back if
// no request used it.
func (c *channelSink) paid(ctx context.Context) (context.Context, func()) {
	t := c.prepaid.Swap(nil)
	if t == nil {
		return ctx, func() {}
	}
	return withTicket(ctx, t), t.drop
}

func (a *Adapter) newChannelSink(channel, guild, replyTo string) *channelSink {
	return &channelSink{a: a, channel: channel, guild: guild, replyTo: replyTo, budget: a.budgets.get("messages:" + channel),
		moved: map[string]string{}}
}

// Post implements bots.Sink.
func (c *channelSink) Post(ctx context.Context, text string) (string, error) {
	// A post is mandatory: it waits for the global budget like any call,
	// and gives back a slot Allow took.
	c.settle()
	if err := c.budget.Wait(ctx); err != nil {
		return "", err
	}
	send := &discordgo.MessageSend{Content: text, AllowedMentions: noMentions()}
	if comps := c.components(false); comps != nil {
		send.Components = *comps
	}
	if c.replyTo != "" {
		no := false
		send.Reference = &discordgo.MessageReference{MessageID: c.replyTo, ChannelID: c.channel, GuildID: c.guild, FailIfNotExists: &no}
	}
	m, err := c.a.s.ChannelMessageSendComplex(c.channel, send, discordgo.WithContext(ctx))
	if err != nil {
		// replyTo is kept: a retried first post is still the reply.
		return "", c.failed(wrapErr("post message in "+c.channel, err))
	}
	c.replyTo = ""
	return m.ID, nil
}

// Edit implements bots.Sink. When someone deleted the message being
// written, the text continues in a new one.
func (c *channelSink) Edit(ctx context.Context, id, text string) error {
	if to, ok := c.moved[id]; ok {
		id = to
	}
	edit := &discordgo.MessageEdit{ID: id, Channel: c.channel, Content: &text, AllowedMentions: noMentions(),
		Components: c.components(true)}
	pctx, done := c.paid(ctx)
	_, err := c.a.s.ChannelMessageEditComplex(edit, discordgo.WithContext(pctx))
	done()
	err = c.failed(wrapErr("edit message in "+c.channel, err))
	if codeOf(err) != codeUnknownMessage {
		return err
	}
	c.a.log.Info("discord: a message of the answer was deleted; posting its text again", "channel", c.channel)
	nid, perr := c.Post(ctx, text)
	if perr != nil {
		return perr
	}
	for k, v := range c.moved {
		if v == id {
			c.moved[k] = nid
		}
	}
	c.moved[id] = nid
	return nil
}

// failed makes every reply sharing the budget back off after a 429.
func (c *channelSink) failed(err error) error {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		c.budget.pause(rl.after)
	}
	return err
}

// interactionSink writes an answer to an application command: the first
// part edits the deferred original response, later parts are follow-up
// messages. Interaction tokens live 15 minutes: after TokenLifetime (or
// when Discord says the token is gone) the answer continues as channel
// messages, and an edit of an older message becomes a new message holding
// that part's text.
type interactionSink struct {
	a        *Adapter
	in       *discordgo.Interaction
	received time.Time
	deadline time.Time
	webhook  *budget
	ch       *channelSink

	mu       sync.Mutex
	original bool              // @original holds a part
	expired  bool              // the token is no longer usable
	moved    map[string]string // webhook message id -> channel message id
	inChan   map[string]bool   // ids of channel messages
	// originalID is the channel message id of @original, the id the
	// Streamer (and the reply journal) knows it by: after a restart the
	// token is gone, the message id still reaches it.
	originalID string
}

var (
	_ bots.Sink     = (*interactionSink)(nil)
	_ bots.Throttle = (*interactionSink)(nil)
)

func (a *Adapter) newInteractionSink(in *discordgo.Interaction, received time.Time) *interactionSink {
	return &interactionSink{
		a: a, in: in, received: received, deadline: received.Add(a.opts.TokenLifetime),
		webhook: a.budgets.get("webhook:" + in.Token),
		ch:      a.newChannelSink(in.ChannelID, in.GuildID, ""),
		moved:   map[string]string{}, inChan: map[string]bool{},
	}
}

// useToken reports whether the interaction token may still be used.
func (s *interactionSink) useToken() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.expired && !s.a.now().Before(s.deadline) {
		s.expired = true
		s.a.log.Info("discord: interaction token about to expire; continuing with channel messages", "channel", s.in.ChannelID)
	}
	return !s.expired
}

// tokenGone records a token Discord no longer accepts.
func (s *interactionSink) tokenGone(err error) bool {
	switch codeOf(err) {
	case codeInvalidToken, codeUnknownWebhook, codeUnknownInteraction:
		s.mu.Lock()
		s.expired = true
		s.mu.Unlock()
		s.a.log.Warn("discord: interaction token rejected; continuing with channel messages", "err", err)
		return true
	}
	return false
}

// Allow implements bots.Throttle on the budget currently in use (the
// interaction webhooks are not bound to the global limit).
func (s *interactionSink) Allow() bool {
	if s.useToken() {
		return s.webhook.Allow()
	}
	return s.ch.Allow()
}

// Wait implements bots.Throttle on the budget currently in use.
func (s *interactionSink) Wait(ctx context.Context) error {
	if s.useToken() {
		return s.webhook.Wait(ctx)
	}
	return s.ch.Wait(ctx)
}

// settle gives back a global slot Allow took for a call never made.
func (s *interactionSink) settle() { s.ch.settle() }

// Post implements bots.Sink.
func (s *interactionSink) Post(ctx context.Context, text string) (string, error) {
	if s.useToken() {
		if err := s.webhook.Wait(ctx); err != nil {
			return "", err
		}
		s.mu.Lock()
		first := !s.original
		s.mu.Unlock()
		id, err := s.postWebhook(ctx, text, first)
		if err == nil {
			if first {
				s.mu.Lock()
				s.original = true
				s.mu.Unlock()
			}
			return id, nil
		}
		if !s.tokenGone(err) {
			return "", err
		}
	}
	id, err := s.ch.Post(ctx, text)
	if err == nil {
		s.mu.Lock()
		s.inChan[id] = true
		s.mu.Unlock()
	}
	return id, err
}

// Edit implements bots.Sink.
func (s *interactionSink) Edit(ctx context.Context, id, text string) error {
	s.mu.Lock()
	if to, ok := s.moved[id]; ok {
		id = to
	}
	inChan := s.inChan[id]
	s.mu.Unlock()
	if inChan {
		return s.ch.Edit(ctx, id, text)
	}
	if s.useToken() {
		var err error
		s.mu.Lock()
		original := id == "@original" || id == s.originalID
		s.mu.Unlock()
		if original {
			_, err = s.a.s.InteractionResponseEdit(s.in, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()},
				discordgo.WithContext(ctx))
		} else {
			_, err = s.a.s.FollowupMessageEdit(s.in, id, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()},
				discordgo.WithContext(ctx))
		}
		err = s.failed(wrapErr("edit interaction answer in "+s.in.ChannelID, err))
		if err == nil || !s.tokenGone(err) {
			return err
		}
	}
	// The token is gone: this part continues in a new channel message.
	nid, err := s.ch.Post(ctx, text)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.moved[id] = nid
	s.inChan[nid] = true
	s.mu.Unlock()
	return nil
}

// postWebhook edits the original response (first) or posts a follow-up.
// Over HTTP, Discord may read the deferred response after the first token
// arrives: an unknown webhook in the first seconds is retried.
func (s *interactionSink) postWebhook(ctx context.Context, text string, first bool) (string, error) {
	for attempt := 0; ; attempt++ {
		var id string
		var err error
		if first {
			var m *discordgo.Message
			m, err = s.a.s.InteractionResponseEdit(s.in, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()},
				discordgo.WithContext(ctx))
			id = "@original"
			if err == nil && m != nil && m.ID != "" {
				id = m.ID
				s.mu.Lock()
				s.originalID = m.ID
				s.mu.Unlock()
			}
		} else {
			var m *discordgo.Message
			m, err = s.a.s.FollowupMessageCreate(s.in, true, &discordgo.WebhookParams{Content: text, AllowedMentions: noMentions()},
				discordgo.WithContext(ctx))
			if err == nil {
				id = m.ID
			}
		}
		err = s.failed(wrapErr("answer interaction in "+s.in.ChannelID, err))
		early := s.a.now().Sub(s.received) < 10*time.Second
		if err == nil || attempt == 3 || !early || (codeOf(err) != codeUnknownWebhook && codeOf(err) != codeUnknownMessage) {
			return id, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *interactionSink) failed(err error) error {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		s.webhook.pause(rl.after)
	}
	return err
}
