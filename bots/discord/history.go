package discord

import (
	"context"
	"slices"
	"strings"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// History implements bots.Conversations. A thread or DM is its messages
// (paginated, newest limit kept), with a thread's starter message from the
// parent channel; a mention in a channel is its reply chain (the messages
// it answers, up to ReplyChain) and itself. The Engine caches what this
// returns per conversation and appends new messages to it, so a busy
// thread is not fetched again on every message.
func (a *Adapter) History(ctx context.Context, key bots.ConversationKey, limit int) ([]bots.Turn, error) {
	if limit <= 0 {
		limit = 50
	}
	botID := a.me()
	if p, ok := a.pending.m.Get(key.Channel); ok && p.question != nil {
		return a.turns(ctx, a.chain(ctx, p.question, p.ref), botID), nil
	}
	msgs, err := a.recent(ctx, key.Channel, limit)
	if err != nil {
		return nil, err
	}
	if key.Thread != "" && len(msgs) < limit && (len(msgs) == 0 || msgs[0].ID != key.Channel) {
		if info, err := a.channel(ctx, key.Channel); err == nil && info.parent != "" {
			// Threads started from a message have its id; forum posts hold
			// their first message themselves (and then msgs[0] is it).
			if m, err := a.getMessage(ctx, info.parent, key.Channel); err == nil {
				msgs = append([]*discordgo.Message{m}, msgs...)
			}
		}
	}
	return a.turns(ctx, msgs, botID), nil
}

// recent returns up to limit messages of a channel, oldest first.
func (a *Adapter) recent(ctx context.Context, channel string, limit int) ([]*discordgo.Message, error) {
	var all []*discordgo.Message
	before := ""
	for len(all) < limit {
		n := min(100, limit-len(all))
		page, got, last, err := a.getMessages(ctx, channel, n, before)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if got < n || last == "" || last == before {
			break
		}
		before = last
	}
	slices.Reverse(all)
	return all, nil
}

// chain returns the messages q replies to, oldest first, then q. The
// first referenced message comes with q; older ones are fetched.
func (a *Adapter) chain(ctx context.Context, q, ref *discordgo.Message) []*discordgo.Message {
	out := []*discordgo.Message{q}
	next := ref
	if next == nil && q.MessageReference != nil && q.MessageReference.MessageID != "" {
		next = a.fetchRef(ctx, q.MessageReference, q.ChannelID)
	}
	seen := map[string]bool{q.ID: true}
	for next != nil && len(out) <= a.opts.ReplyChain && !seen[next.ID] {
		seen[next.ID] = true
		out = append(out, next)
		if next.MessageReference == nil || next.MessageReference.MessageID == "" {
			break
		}
		next = a.fetchRef(ctx, next.MessageReference, next.ChannelID)
	}
	slices.Reverse(out)
	return out
}

func (a *Adapter) fetchRef(ctx context.Context, ref *discordgo.MessageReference, channel string) *discordgo.Message {
	if ref.ChannelID != "" {
		channel = ref.ChannelID
	}
	m, err := a.getMessage(ctx, channel, ref.MessageID)
	if err != nil {
		a.log.Debug("discord: referenced message not read", "channel", channel, "message", ref.MessageID, "err", err)
		return nil
	}
	return m
}

// conversational reports whether m is something someone said: a message,
// a reply or a command's answer, not a system message (pins, joins,
// thread starts), and with an author.
func conversational(m *discordgo.Message) bool {
	if m == nil || m.Author == nil {
		return false
	}
	switch m.Type {
	case discordgo.MessageTypeDefault, discordgo.MessageTypeReply, discordgo.MessageTypeChatInputCommand,
		discordgo.MessageTypeContextMenuCommand:
		return true
	}
	return false
}

// turns converts messages to history turns: the bot's own messages are
// bot turns, others user turns with display names and text attachments;
// system messages and empty ones are left out.
func (a *Adapter) turns(ctx context.Context, msgs []*discordgo.Message, botID string) []bots.Turn {
	out := make([]bots.Turn, 0, len(msgs))
	w := where{botID: botID}
	for _, m := range msgs {
		if !conversational(m) {
			continue
		}
		if m.Author.ID == botID {
			if strings.TrimSpace(m.Content) != "" {
				out = append(out, bots.Turn{Role: bots.BotTurn, ID: m.ID, Text: m.Content})
			}
			continue
		}
		t := bots.Turn{Role: bots.UserTurn, ID: m.ID, Name: displayName(m.Member, m.Author), Text: cleanText(m, w),
			Attachments: a.attachments(ctx, m.Attachments)}
		if t.Text == "" && len(t.Attachments) == 0 {
			continue
		}
		out = append(out, t)
	}
	return out
}
