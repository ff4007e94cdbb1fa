package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
)

// answerEvent is the metadata event type of every message of an answer:
// its payload names the reply (a random id) and the part, so that a post
// whose outcome is unknown can be found again instead of made twice.
// chat.postMessage has no idempotency key; message metadata is the bot's
// own key, read back with include_all_metadata
// (https://docs.slack.dev/messaging/message-metadata).
const answerEvent = "mistralbot_answer"

// maxReadBackPages bounds the pages read back to find one part.
const maxReadBackPages = 5

var _ bots.OncePoster = (*threadSink)(nil)

func newReplyID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// metadata tags post number part of this reply.
func (s *threadSink) metadata(part int) slackgo.SlackMetadata {
	return slackgo.SlackMetadata{EventType: answerEvent,
		EventPayload: map[string]any{"reply": s.replyID, "part": part}}
}

// PostOnce implements bots.OncePoster: it posts part, unless an earlier
// call for the same part failed with an unknown outcome (Uncertain):
// then it first reads the conversation back and returns the message
// that call created, if it did. A post refused before it reached Slack
// is simply made again. A failed read is returned classified (a
// Transient one is retried by the writer, which calls PostOnce again).
func (s *threadSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	return s.postOnce(ctx, part, text)
}

// postOnce is PostOnce with extra options (the answer's controls).
func (s *threadSink) postOnce(ctx context.Context, part int, text string, extra ...slackgo.MsgOption) (string, error) {
	s.mu.Lock()
	unsure := s.unsure[part]
	s.mu.Unlock()
	if unsure {
		id, err := s.findPart(ctx, part)
		if err != nil {
			return "", err
		}
		if id != "" {
			s.a.log.InfoContext(ctx, "a post whose answer was lost did arrive; not posting it again",
				"channel", s.channel, "ts", id, "part", part)
			return id, nil
		}
	}
	id, err := s.post(ctx, text, part, extra...)
	if err != nil && bots.ClassOf(err) == bots.Uncertain {
		s.mu.Lock()
		if s.unsure == nil {
			s.unsure = map[int]bool{}
		}
		s.unsure[part] = true
		s.mu.Unlock()
	}
	return id, err
}

// findPart returns the ts of the message of this reply tagged part, ""
// when there is none. It reads the thread (or, for a reply outside a
// thread, the channel) after the message being answered.
func (s *threadSink) findPart(ctx context.Context, part int) (string, error) {
	ts, err := s.a.findTagged(ctx, s.channel, s.thread, s.after, func(md slackgo.SlackMetadata) bool {
		return md.EventType == answerEvent && md.EventPayload["reply"] == s.replyID && payloadInt(md.EventPayload["part"]) == part
	})
	if err != nil {
		return "", fmt.Errorf("slack: read back part %d: %w", part, err)
	}
	return ts, nil
}

// findTagged returns the ts of the bot's own message whose metadata
// matches, "" when there is none: the one read-back of keyed posts
// (answers and digests). It reads thread (conversations.replies) or, when
// thread is "", the channel (conversations.history, newest first) after
// the ts after ("" for no bound), at most maxReadBackPages pages, with
// include_all_metadata: without it Slack returns no metadata
// (https://docs.slack.dev/reference/methods/conversations.history).
func (a *Adapter) findTagged(ctx context.Context, channel, thread, after string, match func(slackgo.SlackMetadata) bool) (string, error) {
	cursor := ""
	for range maxReadBackPages {
		var msgs []slackgo.Message
		var more bool
		var err error
		method := "conversations.replies"
		if thread != "" {
			msgs, more, cursor, err = a.api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: thread, Oldest: after, Cursor: cursor,
				Limit: repliesPageSize, IncludeAllMetadata: true})
		} else {
			method = "conversations.history"
			var res *slackgo.GetConversationHistoryResponse
			res, err = a.api.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: after, Cursor: cursor, Limit: repliesPageSize,
				IncludeAllMetadata: true})
			if err == nil {
				msgs, more, cursor = res.Messages, res.HasMore, res.ResponseMetaData.NextCursor
			}
		}
		if err != nil {
			return "", a.apiErr(ctx, method, err, nil)
		}
		for _, m := range msgs {
			if a.isOwn(m.User, m.BotID) && match(m.Metadata) {
				return m.Timestamp, nil
			}
		}
		if !more || cursor == "" {
			break
		}
	}
	return "", nil
}

// payloadInt reads a JSON number of a metadata payload (-1 if none).
func payloadInt(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return -1
}
