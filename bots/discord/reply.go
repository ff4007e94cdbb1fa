package discord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// OpenReply implements bots.Conversations. For a mention in a channel it
// starts the thread the answer goes to (the Engine has claimed the
// message by now, so a redelivery never starts a second one; and Discord
// refuses a second thread on one message, which is handled as "already
// there"). It shows the typing indicator until the first text arrives.
func (a *Adapter) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	channel, replyTo := key.Channel, ""
	if p, ok := a.pending.m.take(key.Channel); ok {
		var err error
		channel, replyTo, err = a.startThread(ctx, p)
		if err != nil {
			return nil, err
		}
	}
	sink := a.newChannelSink(channel, key.Team, replyTo)
	out, id := a.controls(sink, to) // the Stop button (stop.go)
	r := a.newReply(ctx, out, sink, channel, to, true)
	r.replyID = id
	return r, nil
}

// startThread creates the thread of a pending mention. When Discord
// refuses (no Create Public Threads permission, a channel type without
// threads, still rate limited after a few tries) the answer goes to the
// channel itself, as a reply to the mention.
func (a *Adapter) startThread(ctx context.Context, p pendingThread) (channel, replyTo string, err error) {
	b := a.budgets.get("threads:" + p.parent)
	var th *discordgo.Channel
	for attempt := 0; ; attempt++ {
		if err := b.Wait(ctx); err != nil {
			return "", "", err
		}
		th, err = a.s.MessageThreadStartComplex(p.parent, p.message, &discordgo.ThreadStart{
			Name: p.name, AutoArchiveDuration: 1440, Type: discordgo.ChannelTypeGuildPublicThread,
		}, discordgo.WithContext(ctx))
		err = wrapErr("start thread in "+p.parent, err)
		// 429s and 5xx are worth another try (a 5xx that did create the
		// thread is answered "already there").
		var again interface{ RetryAfter() time.Duration }
		if !errors.As(err, &again) || attempt == 4 {
			break
		}
		b.pause(again.RetryAfter())
	}
	switch code := codeOf(err); {
	case err == nil:
		a.channels.m.put(th.ID, infoOf(th))
		return th.ID, "", nil
	case code == codeThreadExists:
		// A thread started from a message has the message's id.
		return p.message, "", nil
	case code == codeUnknownMessage:
		return "", "", fmt.Errorf("discord: the question was deleted before the answer: %w", err)
	case code == codeMissingPermissions || code == codeMissingAccess || statusOf(err) == 400 || statusOf(err) == 429:
		a.log.Warn("discord: cannot start a thread; answering in the channel", "channel", p.parent, "err", err)
		return p.parent, p.message, nil
	default:
		return "", "", err
	}
}

// reply streams an answer through a bots.Streamer, with the typing
// indicator until the first text, and tells the asker when the answer
// could not be delivered.
type reply struct {
	a       *Adapter
	st      *bots.Streamer
	channel string
	to      bots.Message
	// replyID names the reply in its Stop button ("": none).
	replyID string
	// settle gives back a global slot the Throttle took for a call the
	// Streamer did not make (nil: nothing to give back).
	settle func()

	once       sync.Once
	stopTyping chan struct{}
	typingDone chan struct{}
}

// newReply starts a reply; typing shows the typing indicator until the
// first text (interactions show "thinking..." instead).
func (a *Adapter) newReply(ctx context.Context, sink bots.Sink, th bots.Throttle, channel string, to bots.Message, typing bool) *reply {
	r := &reply{
		a: a, channel: channel, to: to,
		st:         bots.NewStreamer(sink, a.streamOptions(th)),
		stopTyping: make(chan struct{}),
		typingDone: make(chan struct{}),
	}
	if s, ok := th.(interface{ settle() }); ok {
		r.settle = s.settle
	}
	if typing {
		go r.typing(ctx)
	} else {
		close(r.typingDone)
	}
	return r
}

// streamOptions are the options of every reply's Streamer.
func (a *Adapter) streamOptions(th bots.Throttle) bots.StreamOptions {
	return bots.StreamOptions{
		Limit: maxContent, Throttle: th, MinInterval: a.opts.MinEditInterval,
		MaxRetries: 5, MaxRetryAfter: 30 * time.Second, Logger: a.log,
	}
}

// typing shows "bot is typing" until the first Update or Finish (Discord
// clears it after 10 s or when the bot posts).
func (r *reply) typing(ctx context.Context) {
	defer close(r.typingDone)
	t := time.NewTicker(r.a.opts.TypingInterval)
	defer t.Stop()
	for {
		r.a.showTyping(ctx, r.channel)
		select {
		case <-ctx.Done():
			return
		case <-r.stopTyping:
			return
		case <-t.C:
		}
	}
}

// showTyping sends the typing indicator when the global budget has a slot
// to spare: it is a nicety, and under load the slots belong to the
// answers (a busy bot skips it rather than delay a post or a final edit).
func (a *Adapter) showTyping(ctx context.Context, channel string) {
	if g := a.global; g != nil {
		t := g.tryAcquire()
		if t == nil {
			return
		}
		defer t.drop()
		ctx = withTicket(ctx, t)
	}
	if err := a.s.ChannelTyping(channel, discordgo.WithContext(ctx)); err != nil {
		a.log.Debug("discord: typing indicator failed", "channel", channel, "err", wrapErr("typing", err))
	}
}

func (r *reply) stop() { r.once.Do(func() { close(r.stopTyping) }) }

// Update implements bots.Reply.
func (r *reply) Update(ctx context.Context, text string) error {
	r.stop()
	return r.st.Update(ctx, text)
}

// Finish implements bots.Reply.
func (r *reply) Finish(ctx context.Context, text string) error {
	r.stop()
	err := r.st.Finish(ctx, text)
	if r.settle != nil {
		r.settle()
	}
	<-r.typingDone
	if err != nil {
		r.a.log.Error("discord: answer not delivered", "channel", r.channel, "err", err)
		r.a.tellUndelivered(ctx, r.to, r.channel, err)
	}
	return err
}

// IDs returns the ids of the messages posted.
func (r *reply) IDs() []string { return r.st.IDs() }

// tellUndelivered sends the asker a DM when their answer could not be
// posted where they asked (missing permissions, deleted channel).
func (a *Adapter) tellUndelivered(ctx context.Context, to bots.Message, channel string, cause error) {
	var why string
	switch codeOf(cause) {
	case codeMissingPermissions, codeMissingAccess:
		why = "I'm missing a permission there (View Channel, Send Messages, Send Messages in Threads, Create Public Threads or Read Message History). Please ask a server admin to grant it to me."
	case codeUnknownChannel:
		why = "the channel or thread was deleted."
	case codeUnknownMessage:
		why = "the message I was writing was deleted."
	default:
		return
	}
	if to.UserID == "" || to.DM {
		return
	}
	dm, err := a.s.UserChannelCreate(to.UserID, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Warn("discord: cannot open a DM to tell the asker", "user", to.UserID, "err", wrapErr("open DM", err))
		return
	}
	text := fmt.Sprintf("I couldn't post my answer in <#%s>: %s", channel, why)
	if _, err := a.s.ChannelMessageSendComplex(dm.ID, &discordgo.MessageSend{Content: text, AllowedMentions: noMentions()},
		discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord: cannot DM the asker", "user", to.UserID, "err", wrapErr("send DM", err))
	}
}
