package discord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/pace"
	"mistralbot/bots/stream"
	"mistralbot/internal/retry"
)

// OpenReply implements bots.Conversations. For a mention in a channel it
// starts the thread the answer goes to (the Engine has claimed the
// message by now, so a redelivery never starts a second one; and Discord
// refuses a second thread on one message, which is handled as "already
// there"). It shows the typing indicator until the first text arrives.
func (a *Adapter) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	channel, replyTo := key.Channel, ""
	where := noticeTarget{channel: key.Channel}
	if p, ok := a.pending.m.Take(key.Channel); ok {
		var err error
		channel, replyTo, err = a.startThread(ctx, p)
		if err != nil {
			return nil, err
		}
		where = noticeTarget{channel: channel, parent: p.parent, question: p.message, guild: p.guild}
	}
	sink := a.newChannelSink(channel, key.Team, replyTo)
	out, id := a.controls(sink, to) // the Stop button (stop.go)
	r := a.newReply(ctx, out, sink, channel, to, true)
	r.replyID, r.ctl = id, sink.ctl
	r.where = where
	return r, nil
}

// threadTries bounds the tries of a thread start Discord answers with a
// 429, a 5xx or no answer; a 429 asking for more than threadMaxWait is not
// waited for.
const (
	threadTries   = 4
	threadMaxWait = 10 * time.Second
)

// startThread creates the thread of a pending mention. A 429 is tried
// again after its retry_after, a 5xx (Discord's 502 guidance: "wait a bit
// and retry") or a lost answer after RetryDelay doubling, up to
// threadTries times; a thread a lost answer did create is answered
// 160004 "already created" by the next try, and used. When Discord keeps
// refusing (no Create Public Threads permission, a channel type without
// threads, still rate limited or failing) the answer goes to the channel
// itself, as a reply to the mention: a question is never dropped because
// its thread could not be made.
func (a *Adapter) startThread(ctx context.Context, p pendingThread) (channel, replyTo string, err error) {
	b := a.budgets.get("threads:" + p.parent)
	var th threadInfo
	for attempt := 0; ; attempt++ {
		if err := b.Wait(ctx); err != nil {
			return "", "", err
		}
		th, err = a.rest.startThread(ctx, "start thread in "+p.parent, p.parent, p.message, p.name)
		if err == nil || bots.ClassOf(err) == bots.Permanent || attempt == threadTries-1 {
			break
		}
		var e *apiError
		if errors.As(err, &e) && e.rateLimited() {
			if e.after > threadMaxWait {
				// The asker would wait minutes for a thread: the
				// channel has the answer now.
				break
			}
			if !e.global {
				b.pause(e.after)
			}
			continue
		}
		if err := (retry.Backoff{Base: a.opts.RetryDelay, Max: threadMaxWait}).Sleep(ctx, attempt, 0); err != nil {
			return "", "", err
		}
	}
	switch code := codeOf(err); {
	case err == nil:
		a.channels.m.Put(th.ID, channelInfo{id: th.ID, kind: discordgo.ChannelType(th.Type), guild: th.GuildID,
			parent: th.ParentID, ownerID: th.OwnerID, resolved: true})
		return th.ID, "", nil
	case code == codeThreadExists:
		// A thread started from a message has the message's id.
		return p.message, "", nil
	case code == codeUnknownMessage:
		return "", "", fmt.Errorf("discord: the question was deleted before the answer: %w", err)
	case ctx.Err() != nil:
		return "", "", err
	default:
		a.log.Warn("discord: cannot start a thread; answering in the channel", "channel", p.parent,
			"class", bots.ClassOf(err).String(), "err", err)
		return p.parent, p.message, nil
	}
}

// reply streams an answer through a stream.Streamer, with the typing
// indicator until the first text, and tells the asker once when the
// answer could not be delivered.
type reply struct {
	a       *Adapter
	st      *stream.Streamer
	channel string
	to      bots.Message
	// replyID names the reply in its Stop button ("": none); ctl is
	// that button's (nil: none).
	replyID string
	ctl     *stopControl
	// where are the paths of the notice when the answer cannot be
	// delivered.
	where noticeTarget
	// settle gives back a global slot the Throttle took for a call the
	// Streamer did not make (nil: nothing to give back).
	settle func()

	// typing is the indicator shown until the first text (nil: none);
	// once ends it (Update and Finish call stop with every text).
	typing *typing
	once   sync.Once
	// tools is the status line while tools run (approvals.go).
	tools toolStatus
}

var (
	_ bots.Reply       = (*reply)(nil)
	_ bots.MessageIDs  = (*reply)(nil)
	_ bots.FirstPoster = (*reply)(nil)
)

// settler is a Throttle that may hold a global slot for a call the
// Streamer did not make.
type settler interface{ settle() }

var (
	_ settler = (*channelSink)(nil)
	_ settler = (*interactionSink)(nil)
)

// newReply starts a reply; typing shows the typing indicator until the
// first text (interactions show "thinking..." instead).
func (a *Adapter) newReply(ctx context.Context, sink stream.Sink, th pace.Throttle, channel string, to bots.Message, typing bool) *reply {
	r := &reply{
		a: a, channel: channel, to: to, where: noticeTarget{channel: channel},
		st: stream.NewStreamer(sink, a.streamOptions(th)),
	}
	if s, ok := th.(settler); ok {
		r.settle = s.settle
	}
	if typing {
		r.typing = a.typist.start(ctx, channel)
	}
	return r
}

// streamOptions are the options of every reply's Streamer.
func (a *Adapter) streamOptions(th pace.Throttle) stream.StreamOptions {
	return stream.StreamOptions{
		Limit: maxContent, Throttle: th, MinInterval: a.opts.MinEditInterval, Render: neutralize,
		MaxRetries: 5, MaxRetryAfter: 30 * time.Second, Logger: a.log,
	}
}

// showTyping sends the typing indicator when the global budget has a slot
// to spare: it is a nicety, and under load the slots belong to the
// answers (a busy bot skips it rather than delay a post or a final edit).
// Its failure is logged by the client and otherwise ignored.
func (a *Adapter) showTyping(ctx context.Context, channel string) {
	if g := a.global; g != nil {
		t := g.tryAcquire()
		if t == nil {
			return
		}
		defer t.drop()
		ctx = withTicket(ctx, t)
	}
	_ = a.rest.typing(ctx, channel)
}

// stop ends the typing indicator: the answer has begun. It waits for a
// typing call in flight, so that none lands after the first post.
func (r *reply) stop() {
	if r.typing != nil {
		r.once.Do(func() { r.a.typist.stop(r.typing) })
	}
}

// Update implements bots.Reply.
func (r *reply) Update(ctx context.Context, text string) error {
	r.stop()
	return r.st.Update(ctx, r.tools.text(text))
}

// Finish implements bots.Reply. When Discord refused the answer for good
// (Permanent), the asker is told once by the best remaining path; a
// Transient or Uncertain failure left after the Streamer's retries is
// only returned: the answer is still owed (the journal may finish it),
// and a notice now could come before the answer.
func (r *reply) Finish(ctx context.Context, text string) error {
	r.stop()
	err := r.st.Finish(ctx, text)
	if r.settle != nil {
		r.settle()
	}
	if err != nil {
		r.a.log.Error("discord: answer not delivered", "channel", r.channel, "class", bots.ClassOf(err).String(), "err", err)
		if undeliverable(ctx, err) {
			r.a.tellUndelivered(ctx, r.where, r.to, err)
		}
	}
	return err
}

// IDs implements bots.MessageIDs.
func (r *reply) IDs() []string { return r.st.IDs() }

// FirstPost implements bots.FirstPoster.
func (r *reply) FirstPost() time.Time { return r.st.FirstPost() }
