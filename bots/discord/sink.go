package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/pace"
	"mistralbot/bots/stream"
	"mistralbot/internal/retry"
)

// maxContent is Discord's message content limit, in characters.
const maxContent = 2000

// noMentions is sent with the responses discordgo still makes (commands'
// ephemeral answers): model output must never ping @everyone, @here, roles
// or users. Discord re-parses mentions on every edit, and only an empty
// parse list (not a missing one) disables them, so each call gets a fresh
// empty slice. The answer's own calls send restClient's mentionsNone.
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
	// nonce starts the nonce of every message the sink creates: with the
	// part number it names one post, so that a retried create returns the
	// message the first one made.
	nonce string
	// prepaid is the global slot Allow took for the next call.
	prepaid atomic.Pointer[ticket]
	// ctl is the Stop button, nil without; live: the current call
	// shows it; rated: the current call shows the feedback buttons
	// (stop.go). The Streamer makes one call at a time.
	ctl   *stopControl
	live  bool
	rated bool

	mu    sync.Mutex
	extra int // posts made through Post, numbered apart from PostOnce's parts
}

var (
	_ stream.Sink     = (*channelSink)(nil)
	_ bots.OncePoster = (*channelSink)(nil)
	_ pace.Pacer      = (*channelSink)(nil)
)

// Admit implements pace.Pacer: a reply shows its first text while it
// streams only when the global budget has room to spare. A posted reply
// costs one more call later (its final edit); under load a reply that
// waits and posts its whole answer at once costs one call, and the answers
// already on screen get their final text sooner.
func (c *channelSink) Admit() bool {
	g := c.a.global
	return g == nil || g.spare()
}

// Release implements pace.Pacer: admission holds nothing.
func (c *channelSink) Release() {}

// Share implements pace.Pacer: the channel's own budget (a thread is a
// channel) and Allow pace the edits.
func (c *channelSink) Share() time.Duration { return 0 }

// Allow implements pace.Throttle: an intermediate edit goes when both the
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

// Wait implements pace.Throttle on the channel's budget; the request waits
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
		nonce: newNonce()}
}

// newNonce returns 12 random hex digits: with a part number (at most 13
// characters more) it stays within Discord's 25 characters for a nonce.
func newNonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Post implements stream.Sink: a post the caller does not number (each call
// is a new message; a retry of it is not recognized).
func (c *channelSink) Post(ctx context.Context, text string) (string, error) {
	c.mu.Lock()
	c.extra++
	n := c.extra
	c.mu.Unlock()
	return c.postNonce(ctx, c.nonce+"x"+strconv.Itoa(n), text)
}

// PostOnce implements bots.OncePoster: the create carries the nonce of
// part with enforce_nonce, so a second call for the same part (after an
// Uncertain failure) returns the message the first one created.
func (c *channelSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	return c.postNonce(ctx, c.nonce+"-"+strconv.Itoa(part), text)
}

// postNonce creates a message with nonce. A post is mandatory: it waits
// for the channel's budget (and in the transport for the global one), and
// gives back a slot Allow took.
func (c *channelSink) postNonce(ctx context.Context, nonce, text string) (string, error) {
	c.settle()
	if err := c.budget.Wait(ctx); err != nil {
		return "", err
	}
	comps := c.components(false)
	c.mu.Lock()
	var ref *messageRef
	if c.replyTo != "" {
		ref = &messageRef{MessageID: c.replyTo, ChannelID: c.channel, GuildID: c.guild}
	}
	c.mu.Unlock()
	id, err := c.a.rest.createMessage(ctx, "post message in "+c.channel, c.channel, text, nonce, ref, comps)
	if err != nil {
		// replyTo is kept: a retried first post is still the reply.
		return "", c.failed(err)
	}
	c.mu.Lock()
	c.replyTo = ""
	c.mu.Unlock()
	return id, nil
}

// Edit implements stream.Sink. A deleted message fails with an error
// wrapping bots.ErrMessageGone: the Streamer posts that part again.
func (c *channelSink) Edit(ctx context.Context, id, text string) error {
	pctx, done := c.paid(ctx)
	err := c.a.rest.editMessage(pctx, "edit message in "+c.channel, c.channel, id, text, c.components(true))
	done()
	return c.failed(err)
}

// failed makes every reply sharing the budget back off after a route's
// 429 (a global one pauses the global budget, in the transport).
func (c *channelSink) failed(err error) error {
	var e *apiError
	if errors.As(err, &e) && e.rateLimited() && !e.global {
		c.budget.pause(e.after)
	}
	return err
}

// interactionSink writes an answer to an application command: the first
// part edits the deferred original response, later parts are follow-up
// messages. Interaction tokens live 15 minutes: after TokenLifetime (or
// when Discord says the token is gone) the answer continues as channel
// messages, and an edit of an older message becomes a new message holding
// that part's text.
//
// It is an OncePoster: the first part is an edit of @original (doing it
// twice is harmless) and channel posts carry nonces. A follow-up cannot
// be made idempotent (Execute Webhook takes no nonce), so one whose
// outcome is unclear is not tried again: PostOnce reports it Permanent and
// the reply ends with a notice rather than risk the part twice.
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
	extra      int // posts made through Post
}

var (
	_ stream.Sink     = (*interactionSink)(nil)
	_ bots.OncePoster = (*interactionSink)(nil)
	_ pace.Throttle   = (*interactionSink)(nil)
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

// Allow implements pace.Throttle on the budget currently in use (the
// interaction webhooks are not bound to the global limit).
func (s *interactionSink) Allow() bool {
	if s.useToken() {
		return s.webhook.Allow()
	}
	return s.ch.Allow()
}

// Wait implements pace.Throttle on the budget currently in use.
func (s *interactionSink) Wait(ctx context.Context) error {
	if s.useToken() {
		return s.webhook.Wait(ctx)
	}
	return s.ch.Wait(ctx)
}

// settle gives back a global slot Allow took for a call never made.
func (s *interactionSink) settle() { s.ch.settle() }

// Post implements stream.Sink: a post numbered apart from PostOnce's parts.
func (s *interactionSink) Post(ctx context.Context, text string) (string, error) {
	s.mu.Lock()
	s.extra++
	part := 1<<20 + s.extra
	s.mu.Unlock()
	return s.PostOnce(ctx, part, text)
}

// PostOnce implements bots.OncePoster.
func (s *interactionSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
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
		if !first && bots.ClassOf(err) == bots.Uncertain {
			return "", &apiError{op: "answer interaction in " + s.in.ChannelID, class: bots.Permanent, cause: err,
				message: "a follow-up whose outcome is unknown is not posted again (it takes no nonce)"}
		}
		if !s.tokenGone(err) {
			return "", err
		}
	}
	id, err := s.ch.PostOnce(ctx, part, text)
	if err == nil {
		s.mu.Lock()
		s.inChan[id] = true
		s.mu.Unlock()
	}
	return id, err
}

// Edit implements stream.Sink.
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
		op := "edit interaction answer in " + s.in.ChannelID
		if original {
			_, err = s.a.rest.editOriginal(ctx, op, s.in.AppID, s.in.Token, text, s.ch.components(true))
		} else {
			err = s.a.rest.editFollowup(ctx, op, s.in.AppID, s.in.Token, id, text, s.ch.components(true))
		}
		err = s.failed(err)
		if err == nil || !s.tokenGone(err) {
			return err
		}
	}
	// The token is gone, the message is not: the original response and
	// the follow-ups are the bot's messages in the channel, edited there
	// with the bot's token (as Reopen does). The part stays in one message
	// and its buttons follow: a Stop button does not outlive the token.
	if done, err := s.editInChannel(ctx, id, text); done {
		return err
	}
	// The bot cannot reach the channel (an interaction works where the bot
	// may not read): this part continues in a new channel message (its
	// nonce is the old message's, so a retry of this edit cannot post twice).
	nid, err := s.ch.postNonce(ctx, s.ch.nonce+"m"+strconv.Itoa(len(id))+id[max(0, len(id)-8):], text)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.moved[id] = nid
	s.inChan[nid] = true
	s.mu.Unlock()
	return nil
}

// editInChannel edits the webhook message id as a channel message once
// the token is gone; done is false when the bot cannot reach it (no
// access, the id unknown to the channel endpoint), and the caller posts
// the part anew.
func (s *interactionSink) editInChannel(ctx context.Context, id, text string) (done bool, err error) {
	if id == "" || id == "@original" {
		return false, nil // the original's channel id was never told
	}
	err = s.ch.Edit(ctx, id, text)
	switch codeOf(err) {
	case codeMissingAccess, codeMissingPermissions, codeUnknownChannel, codeUnknownMessage:
		s.a.log.Info("discord: cannot edit the interaction's message as a channel message; posting the part anew", "channel", s.in.ChannelID, "err", err)
		return false, nil
	}
	if err == nil {
		s.mu.Lock()
		s.inChan[id] = true
		s.mu.Unlock()
	}
	return true, err
}

// postWebhook edits the original response (first) or posts a follow-up.
// Over HTTP, Discord may read the deferred response after the first token
// arrives: an unknown webhook in the first seconds is retried.
func (s *interactionSink) postWebhook(ctx context.Context, text string, first bool) (string, error) {
	op := "answer interaction in " + s.in.ChannelID
	var id string
	p := retry.Policy{Tries: webhookTries, Backoff: webhookRetry, Retry: func(err error) (bool, time.Duration) {
		early := s.a.now().Sub(s.received) < 10*time.Second
		return early && (codeOf(err) == codeUnknownWebhook || codeOf(err) == codeUnknownMessage), 0
	}}
	err := p.Do(ctx, func(ctx context.Context) error {
		var err error
		id = ""
		if first {
			// The deferred "thinking" response is edited into the first part.
			id, err = s.a.rest.editOriginal(ctx, op, s.in.AppID, s.in.Token, text, s.ch.components(true))
			if err == nil {
				if id == "" {
					id = "@original"
				} else {
					s.mu.Lock()
					s.originalID = id
					s.mu.Unlock()
				}
			}
		} else {
			id, err = s.a.rest.followup(ctx, op, s.in.AppID, s.in.Token, text, 0, s.ch.components(false))
		}
		return s.failed(err)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// failed makes the webhook's budget back off after its 429.
func (s *interactionSink) failed(err error) error {
	var e *apiError
	if errors.As(err, &e) && e.rateLimited() && !e.global {
		s.webhook.pause(e.after)
	}
	return err
}
