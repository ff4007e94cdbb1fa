package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
)

// questionEvent is the metadata event type of the message the bot posts
// to start a thread for a slash command or shortcut: history reads it back
// as the asker's question (a user turn), not as a bot answer.
const questionEvent = "mistralbot_question"

const (
	repliesPageSize = 200
	maxHistoryPages = 50
)

// History implements bots.Conversations: the last limit messages of the
// thread (conversations.replies, paginated) or, for a DM without thread,
// of the conversation (conversations.history), oldest first. The bot's
// messages are BotTurns; everyone else's are UserTurns named by display
// name, with their text and code files attached.
func (a *Adapter) History(ctx context.Context, key bots.ConversationKey, limit int) ([]bots.Turn, error) {
	if limit <= 0 {
		limit = 50
	}
	var msgs []slackgo.Message
	var err error
	if key.Thread != "" {
		msgs, err = a.threadMessages(ctx, key.Channel, key.Thread, limit)
	} else {
		msgs, err = a.recentMessages(ctx, key.Channel, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("slack: history of %s: %w", key, err)
	}
	turns := make([]bots.Turn, 0, len(msgs))
	for _, m := range msgs {
		if t, keep := a.turn(ctx, m); keep {
			turns = append(turns, t)
		}
	}
	return turns, nil
}

// threadMessages pages through a thread and keeps its last limit messages.
func (a *Adapter) threadMessages(ctx context.Context, channel, thread string, limit int) ([]slackgo.Message, error) {
	params := &slackgo.GetConversationRepliesParameters{ChannelID: channel, Timestamp: thread,
		Limit: repliesPageSize, IncludeAllMetadata: true}
	var out []slackgo.Message
	for page := 0; page < maxHistoryPages; page++ {
		msgs, more, cursor, err := a.api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			return nil, a.apiErr(ctx, "conversations.replies", err, nil)
		}
		out = append(out, msgs...)
		if len(out) > limit {
			out = slices.Delete(out, 0, len(out)-limit)
		}
		if !more || cursor == "" {
			return out, nil
		}
		params.Cursor = cursor
	}
	a.log.WarnContext(ctx, "thread longer than the history pages read; keeping the newest read", "channel", channel, "thread", thread)
	return out, nil
}

// recentMessages returns the last limit top-level messages of a
// conversation, oldest first.
func (a *Adapter) recentMessages(ctx context.Context, channel string, limit int) ([]slackgo.Message, error) {
	res, err := a.api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
		ChannelID: channel, Limit: limit, IncludeAllMetadata: true})
	if err != nil {
		return nil, a.apiErr(ctx, "conversations.history", err, nil)
	}
	msgs := slices.Clone(res.Messages)
	slices.Reverse(msgs)
	return msgs, nil
}

// historySubtypes are the message subtypes worth showing the model.
var historySubtypes = map[string]bool{"": true, "file_share": true, "thread_broadcast": true,
	"bot_message": true, "me_message": true}

// turn converts one message; keep is false for joins, edits and empty
// messages.
func (a *Adapter) turn(ctx context.Context, m slackgo.Message) (bots.Turn, bool) {
	if !historySubtypes[m.SubType] {
		return bots.Turn{}, false
	}
	if a.isOwn(m.User, m.BotID) {
		if m.Metadata.EventType == questionEvent {
			name, _ := m.Metadata.EventPayload["asker_name"].(string)
			q, _ := m.Metadata.EventPayload["question"].(string)
			if q == "" {
				q = a.plainText(ctx, m.Text)
			}
			return bots.Turn{Role: bots.UserTurn, ID: m.Timestamp, Name: name, Text: q}, true
		}
		text := a.plainText(ctx, ownText(m))
		return bots.Turn{Role: bots.BotTurn, ID: m.Timestamp, Text: text}, text != ""
	}
	t := bots.Turn{Role: bots.UserTurn, ID: m.Timestamp, Text: a.plainText(ctx, messageText(m)),
		Name: a.authorName(ctx, m)}
	t.Attachments = a.attachments(ctx, fromSlackFiles(m.Files))
	return t, t.Text != "" || len(t.Attachments) > 0
}

func (a *Adapter) isOwn(user, botID string) bool {
	return (user != "" && user == a.botUserID) || (botID != "" && botID == a.botID)
}

// authorName is how a person's (or another app's) message is signed: the
// user's display name, else the username or bot profile an app posted
// under.
func (a *Adapter) authorName(ctx context.Context, m slackgo.Message) string {
	switch {
	case m.User != "":
		return a.users.info(ctx, m.User).Name
	case m.Username != "":
		return m.Username
	case m.BotProfile != nil:
		return m.BotProfile.Name
	}
	return ""
}

// messageText is a message's text, or the text of its markdown or section
// blocks when the text field is empty (streamed messages).
func messageText(m slackgo.Message) string {
	if m.Text != "" {
		return m.Text
	}
	var parts []string
	for _, b := range m.Blocks.BlockSet {
		switch b := b.(type) {
		case *slackgo.MarkdownBlock:
			parts = append(parts, b.Text)
		case *slackgo.SectionBlock:
			if b.Text != nil {
				parts = append(parts, b.Text.Text)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// ownText is the text of one of the bot's messages without the zero-width
// spaces neutralizeMarkdown inserted.
func ownText(m slackgo.Message) string {
	return strings.ReplaceAll(messageText(m), "<"+zwsp, "<")
}
