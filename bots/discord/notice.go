package discord

import (
	"context"
	"errors"
	"strconv"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/internal/retry"
)

// noticeTarget is where a reply can tell its asker that the answer did
// not arrive.
type noticeTarget struct {
	// channel is where the answer was going (a thread, or a channel).
	channel string
	// parent and question are the channel the question was asked in and
	// the question's id, when the answer went to a thread started from it:
	// the notice goes there as a reply when the thread takes no messages.
	parent, question, guild string
	// in is the interaction answered, if any: its follow-up comes first.
	in *interactionSink
}

// noticeTries bounds the tries of one path of the notice (a 429, a 5xx,
// no answer), each after at most noticeMaxWait.
const (
	noticeTries   = 3
	noticeMaxWait = 5 * time.Second
)

// undeliverable reports whether a failure of the answer calls for a
// notice: Discord refused it for good, and the caller did not give up.
func undeliverable(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded) && bots.ClassOf(err) == bots.Permanent
}

// channelUnusable reports whether a Discord code says the channel itself
// takes no message from the bot: a notice there would be refused too.
func channelUnusable(code int) bool {
	switch code {
	case codeUnknownChannel, codeMissingAccess, codeMissingPermissions, codeThreadArchived, codeThreadLocked,
		codeNonTextChannel, codeChannelType, codeForumNoMessage, codeNoHistoryPerm:
		return true
	}
	return false
}

// tellUndelivered tells the asker, once, that their answer could not be
// delivered and why, in their language: by the best path that still
// works. For an interaction, its follow-up; else the channel the answer
// was going to (unless Discord said it takes no message), else the
// channel of the question as a reply to it, else a DM. Each path is tried
// a few times with one nonce (a retried notice cannot appear twice); the
// next path is taken only when Discord refused the notice for good, so
// the asker gets one notice, never one per failed call.
func (a *Adapter) tellUndelivered(ctx context.Context, t noticeTarget, to bots.Message, cause error) {
	code := codeOf(cause)
	text := i18n.T(to.Locale, i18n.Undelivered, "<#"+t.channel+">", reason(to.Locale, cause))
	if t.in != nil && t.in.useToken() {
		in := t.in.in
		err := a.noticeCall(ctx, func(ctx context.Context) error {
			_, err := a.rest.followup(ctx, "tell the asker in "+in.ChannelID, in.AppID, in.Token, text, flagEphemeral, nil)
			return err
		})
		if done(err) {
			return
		}
	}
	paths := []struct{ channel, replyTo string }{}
	if !channelUnusable(code) {
		replyTo := ""
		if t.question != "" && t.parent == t.channel {
			replyTo = t.question
		}
		paths = append(paths, struct{ channel, replyTo string }{t.channel, replyTo})
	}
	if t.parent != "" && t.parent != t.channel && t.question != "" {
		paths = append(paths, struct{ channel, replyTo string }{t.parent, t.question})
	}
	for _, p := range paths {
		if done(a.postNotice(ctx, p.channel, p.replyTo, t.guild, text)) {
			return
		}
	}
	if to.UserID == "" || to.DM {
		a.log.Warn("discord: the asker could not be told their answer was not delivered", "channel", t.channel)
		return
	}
	dm, err := a.rest.openDM(ctx, to.UserID)
	if err != nil {
		return
	}
	if !done(a.postNotice(ctx, dm, "", "", text)) {
		a.log.Warn("discord: the asker could not be told their answer was not delivered", "user", to.UserID)
	}
}

// done reports whether a notice path is finished with: delivered, or not
// refused for good (it may have arrived; another path could make two).
func done(err error) bool { return err == nil || bots.ClassOf(err) != bots.Permanent }

// postNotice posts text in channel (as a reply to replyTo, if set).
func (a *Adapter) postNotice(ctx context.Context, channel, replyTo, guild, text string) error {
	var ref *messageRef
	if replyTo != "" {
		ref = &messageRef{MessageID: replyTo, ChannelID: channel, GuildID: guild}
	}
	nonce := newNonce() + "n"
	b := a.budgets.get("messages:" + channel)
	return a.noticeCall(ctx, func(ctx context.Context) error {
		if err := b.Wait(ctx); err != nil {
			return err
		}
		_, err := a.rest.createMessage(ctx, "tell the asker in "+channel, channel, text, nonce, ref, nil)
		return err
	})
}

// noticeCall runs f up to noticeTries times while it fails Transient or
// Uncertain (f must be idempotent), waiting what Discord asked.
func (a *Adapter) noticeCall(ctx context.Context, f func(context.Context) error) error {
	p := retry.Policy{Tries: noticeTries,
		Backoff: retry.Backoff{Base: min(a.opts.RetryDelay, noticeMaxWait), MaxAfter: noticeMaxWait},
		Retry:   func(err error) (bool, time.Duration) { return bots.ClassOf(err) != bots.Permanent, retryAfter(err) }}
	return p.Do(ctx, f)
}

// retryAfter is the delay Discord asked for in err (0: none).
func retryAfter(err error) time.Duration {
	var de bots.DeliveryError
	if errors.As(err, &de) {
		return de.RetryAfter()
	}
	return 0
}

// reason is the sentence saying why the answer did not arrive.
func reason(lang string, cause error) string {
	switch code := codeOf(cause); code {
	case codeMissingPermissions, codeMissingAccess, codeNoHistoryPerm:
		return i18n.T(lang, i18n.UndeliveredPermission)
	case codeUnknownChannel:
		return i18n.T(lang, i18n.UndeliveredDeleted)
	case codeThreadArchived, codeThreadLocked:
		return i18n.T(lang, i18n.UndeliveredArchived)
	case 0:
		if st := statusOf(cause); st != 0 {
			return i18n.T(lang, i18n.UndeliveredRefused, strconv.Itoa(st))
		}
		return i18n.T(lang, i18n.UndeliveredUnclear)
	default:
		return i18n.T(lang, i18n.UndeliveredRefused, strconv.Itoa(code))
	}
}
