package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/internal/retry"
)

// Reading a span for a summary: GET /channels/{id}/messages returns at
// most 100 messages a request ("Max number of messages to return
// (1-100)", https://discord.com/developers/docs/resources/channel#get-channel-messages),
// newest first, paged with before=<oldest id read>. Discord publishes no
// figure for the route's bucket: discordgo's limiter follows the
// X-RateLimit-* headers of every answer (waiting when Remaining is 0),
// the adapter's transport paces the global limit, and a 429 that still
// comes is waited out for its retry_after here. Because discordgo's
// limiter waits inside the request, Span.Waited is the whole read's
// time here (round trips included), an upper bound of the waiting.

const (
	spanPage      = 100
	maxSpanTries  = 6
	discordWebURL = "https://discord.com/channels/"
)

var _ bots.SpanReader = (*Adapter)(nil)

// ReadSpan implements bots.SpanReader. A thread is its channel (threads
// are channels on Discord), with the message it was started from when
// the read reaches its beginning.
func (a *Adapter) ReadSpan(ctx context.Context, q bots.SpanQuery) (bots.Span, error) {
	q.Limit = max(q.Limit, 1)
	if q.Key.Team == "" && q.Key.Channel != "" {
		// A digest knows the channel only; links need its guild.
		if info, err := a.channel(ctx, q.Key.Channel); err == nil {
			q.Key.Team = info.guild
		}
	}
	start := a.now()
	var span bots.Span
	var all []*discordgo.Message // newest first
	before, complete := "", false
	for len(all) < q.Limit {
		n := min(spanPage, q.Limit-len(all))
		var page []*discordgo.Message
		var got int
		var last string
		err := a.spanPage(ctx, &span, func(ctx context.Context) (err error) {
			page, got, last, err = a.getMessages(ctx, q.Key.Channel, n, before)
			return err
		})
		if err != nil {
			span.Waited = a.now().Sub(start)
			span.Messages = a.spanMessages(q.Key, reversed(all))
			if c := codeOf(err); c == codeMissingAccess || c == codeMissingPermissions {
				err = fmt.Errorf("%w: %w", bots.ErrNoAccess, err)
			}
			return span, fmt.Errorf("discord: read span of %s: %w", q.Key, err)
		}
		older := false
		for _, m := range page {
			switch {
			case !q.Since.IsZero() && m.Timestamp.Before(q.Since):
				older = true
			case !q.Until.IsZero() && m.Timestamp.After(q.Until):
			default:
				all = append(all, m)
			}
		}
		if older {
			break
		}
		if got < n || last == "" || last == before {
			complete = true
			break
		}
		before = last
	}
	span.Truncated = !complete && len(all) >= q.Limit
	msgs := reversed(all)
	if complete && q.Key.Thread != "" && len(msgs) < q.Limit {
		msgs = a.withStarter(ctx, q, msgs, &span)
	}
	span.Waited = a.now().Sub(start)
	span.Messages = a.spanMessages(q.Key, msgs)
	return span, nil
}

// withStarter prepends the message a thread was started from (it lives
// in the parent channel and has the thread's id).
func (a *Adapter) withStarter(ctx context.Context, q bots.SpanQuery, msgs []*discordgo.Message, span *bots.Span) []*discordgo.Message {
	if len(msgs) > 0 && msgs[0].ID == q.Key.Channel {
		return msgs
	}
	info, err := a.channel(ctx, q.Key.Channel)
	if err != nil || info.parent == "" {
		return msgs
	}
	span.Calls++
	m, err := a.getMessage(ctx, info.parent, q.Key.Channel)
	if err != nil || m == nil || (!q.Since.IsZero() && m.Timestamp.Before(q.Since)) {
		return msgs
	}
	return append([]*discordgo.Message{m}, msgs...)
}

// spanPage makes one read, retrying a 429 or a 5xx as Discord asks, at
// most maxSpanTries times.
func (a *Adapter) spanPage(ctx context.Context, span *bots.Span, call func(context.Context) error) error {
	pol := retry.Policy{Tries: maxSpanTries, Backoff: retry.Backoff{Base: time.Second, Max: time.Minute},
		Retry: func(err error) (bool, time.Duration) {
			var de bots.DeliveryError
			if !errors.As(err, &de) || de.Class() != bots.Transient {
				return false, 0
			}
			var ae *apiError
			if errors.As(err, &ae) && ae.status == 429 {
				span.RateLimited++
			}
			return true, de.RetryAfter()
		}}
	return pol.Do(ctx, func(ctx context.Context) error {
		err := call(ctx)
		span.Calls++
		return err
	})
}

// spanMessages converts messages, oldest first: system messages and
// empty ones are left out.
func (a *Adapter) spanMessages(key bots.ConversationKey, msgs []*discordgo.Message) []bots.SpanMessage {
	botID := a.me()
	w := where{botID: botID}
	out := make([]bots.SpanMessage, 0, len(msgs))
	for _, m := range msgs {
		if !conversational(m) {
			continue
		}
		sm := bots.SpanMessage{ID: m.ID, UserID: m.Author.ID, Author: displayName(m.Member, m.Author),
			Text: cleanText(m, w), Time: m.Timestamp, Link: MessageLink(key.Team, m.ChannelID, m.ID),
			Bot: m.Author.ID == botID}
		for _, att := range m.Attachments {
			if att != nil {
				sm.Text += " [file: " + att.Filename + "]"
			}
		}
		sm.Text = strings.TrimSpace(sm.Text)
		if sm.Text != "" {
			out = append(out, sm)
		}
	}
	return out
}

// MessageLink is a message's link, as "Copy Message Link" gives it:
// https://discord.com/channels/<guild>/<channel>/<message>, with "@me"
// for the guild of a DM (discord.js's messageLink formatter,
// https://discord.js.org/docs/packages/formatters/0.6.0/messageLink:Function).
func MessageLink(guild, channel, message string) string {
	if guild == "" {
		guild = "@me"
	}
	return discordWebURL + guild + "/" + channel + "/" + message
}

func reversed(ms []*discordgo.Message) []*discordgo.Message {
	out := slices.Clone(ms)
	slices.Reverse(out)
	return out
}
