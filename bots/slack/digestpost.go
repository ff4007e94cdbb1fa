package slack

import (
	"context"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// digestEvent is the metadata event type of every message of a digest:
// its payload is the digest's key (channel and period) and the part, so
// that the replica taking over a digest whose poster died after posting
// finds the post instead of making a second one. chat.postMessage has no
// idempotency key; message metadata is the bot's own, returned by
// conversations.history only with include_all_metadata
// (https://docs.slack.dev/messaging/message-metadata).
const digestEvent = "mistralbot_digest"

var _ bots.OnceChannelPoster = (*Adapter)(nil)

// PostOnce implements bots.OnceChannelPoster: each part of text is posted
// tagged {key: once, part: n}, unless the channel (the thread when set)
// already holds the bot's message with that tag, read back first
// (findTagged, the read-back of answers too). It returns the first
// part's ts.
func (a *Adapter) PostOnce(ctx context.Context, key bots.ConversationKey, once, text string) (string, error) {
	first := ""
	for n, part := range stream.SplitMarkdown(text, maxSummaryPart, nil) {
		ts, err := a.findTagged(ctx, key.Channel, key.Thread, "", func(md slackgo.SlackMetadata) bool {
			return md.EventType == digestEvent && md.EventPayload["key"] == once && payloadInt(md.EventPayload["part"]) == n
		})
		if err != nil {
			return first, fmt.Errorf("slack: read back digest %s in %s: %w", once, key.Channel, err)
		}
		if ts != "" {
			a.log.InfoContext(ctx, "a digest part posted before is in the channel; not posting it again",
				"channel", key.Channel, "key", once, "part", n, "ts", ts)
		} else {
			md := slackgo.SlackMetadata{EventType: digestEvent, EventPayload: map[string]any{"key": once, "part": n}}
			if ts, err = a.postShared(ctx, key, part, &md); err != nil {
				return first, err
			}
		}
		if n == 0 {
			first = ts
		}
	}
	return first, nil
}
