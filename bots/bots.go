// Package bots is mistralbot's domain: the normalized Message every platform
// adapter produces, conversations and turns, channel settings, the ports
// the Engine needs (Conversations, Reply, the model port in model.go, the
// store), and, until the split of issue 18 is finished, the Engine that
// turns a message into a streamed answer. It imports the standard
// library, golang.org/x/text and its own subpackages i18n and media; the
// model is reached only through the Completer port (the chat-completions
// client is behind bots/engine/llmcompleter).
package bots

import (
	"context"
	"time"
)

// Platform names a chat platform.
type Platform string

// Platforms.
const (
	Slack   Platform = "slack"
	Discord Platform = "discord"
	Console Platform = "console"
)

// ConversationKey identifies one conversation: a thread, or a DM or channel
// when the platform has no thread for it. Replies in one conversation are
// processed in order.
type ConversationKey struct {
	Platform Platform
	// Team is the Slack team id or the Discord guild id ("" for DMs).
	Team string
	// Channel is where replies are posted: the Slack channel, or the Discord
	// channel id (a Discord thread is a channel of its own).
	Channel string
	// Thread is the Slack thread_ts; on Discord it equals Channel when the
	// conversation is a thread, else "".
	Thread string
}

// String renders the key for logs and store keys: "slack:T1:C1:1700.1".
func (k ConversationKey) String() string {
	return string(k.Platform) + ":" + k.Team + ":" + k.Channel + ":" + k.Thread
}

// ChannelID returns the settings id of a channel, "slack:C123": the form
// used by bot.allowed_channels, channels.<id> and the store.
func ChannelID(p Platform, channel string) string { return string(p) + ":" + channel }

// UserID returns the id of a user as bot.admins and bot.allowed_users
// write it, "discord:1100".
func UserID(p Platform, user string) string { return string(p) + ":" + user }

// Attachment is a file attached to a message, already fetched: text or
// code (Text), a document's extracted text (Text), an image (Image), or a
// file that was not read (Refused, which the asker is told about).
type Attachment struct {
	Name string
	Text string
	// Truncated is true when Text was cut to the size limit.
	Truncated bool
	// Image is set for an image file (images.go).
	Image *Image
	// Refused says why the file was not read (NotRefused: it was).
	Refused FileRefusal
	// Scan holds the bytes of a PDF refused as RefusedNoText (scanned
	// pages), for the Engine's OCR (bots.OCR) when it is enabled. Out of
	// JSON like Image.URL: the journal does not carry files.
	Scan []byte `json:"-"`
	// Audio holds the bytes of a voice note or audio file (RefusedAudio),
	// for the Engine's transcription (bots.Transcriber) when it is
	// enabled; out of JSON like Scan.
	Audio []byte `json:"-"`
	// AudioSecs is the audio's length as the platform states it (Discord
	// duration_secs, Slack duration_ms); 0: not stated.
	AudioSecs float64 `json:"-"`
}

// Message is one incoming chat message, normalized by an adapter.
type Message struct {
	// Key is the conversation the reply goes to.
	Key ConversationKey
	// ID is the platform's message id (Slack ts, Discord snowflake). The
	// Engine deduplicates on Key.Platform+Key.Channel+ID, which catches one
	// Slack mention delivered as both app_mention and message.
	ID string
	// EventID is the delivery id (Slack event_id); may be empty.
	EventID string
	// SettingsChannel is the channel whose settings apply: the parent
	// channel of a thread or forum post, else the channel itself.
	SettingsChannel string
	UserID          string
	UserName        string
	// Locale is the asker's locale when the platform tells it ("fr", "en-US").
	Locale string
	// Text is the message text with the bot's mention removed.
	Text string
	// Mentioned is true when the bot was mentioned (user or role form).
	Mentioned bool
	// DM is true for direct messages.
	DM bool
	// InThread is true when the message was posted inside a thread.
	InThread bool
	// ReplyTo is the id of the message this one answers (a Discord
	// reply), whose chain is its history even outside a thread.
	ReplyTo string
	// Admin is true when the platform grants the user channel-admin rights
	// (Discord Manage Channels, Slack workspace admin or owner).
	Admin       bool
	Attachments []Attachment
	Time        time.Time
}

// SettingsID returns the settings id of the message's channel
// ("slack:C1"): its SettingsChannel (a thread's parent), else its own
// channel.
func (m Message) SettingsID() string {
	ch := m.SettingsChannel
	if ch == "" {
		ch = m.Key.Channel
	}
	return ChannelID(m.Key.Platform, ch)
}

// TurnRole says who wrote a turn of history.
type TurnRole int

// Turn roles.
const (
	UserTurn TurnRole = iota
	BotTurn
)

// Turn is one message of a conversation's history, oldest first.
type Turn struct {
	Role TurnRole
	// ID is the platform message id.
	ID string
	// Name is the author's display name (user turns).
	Name        string
	Text        string
	Attachments []Attachment
}

// Conversations is what the Engine needs from a platform adapter.
type Conversations interface {
	// History returns up to limit messages of the conversation, oldest
	// first, including the message being answered. Errors are platform
	// errors wrapped with the operation; the Engine then answers from the
	// message alone.
	History(ctx context.Context, key ConversationKey, limit int) ([]Turn, error)
	// OpenReply starts a reply in the conversation (it may show a typing or
	// "thinking" indicator). It does not block on rate limits.
	OpenReply(ctx context.Context, key ConversationKey, to Message) (Reply, error)
}

// Reply is one answer being streamed to a platform. The Engine calls Update
// any number of times, then Finish exactly once.
type Reply interface {
	// Update hands the whole text produced so far (standard Markdown). It
	// must return quickly: the implementation coalesces updates and paces
	// platform calls itself.
	Update(ctx context.Context, text string) error
	// Finish delivers the final text, blocking until every part of it has
	// reached the platform or ctx ends. It returns the platform error that
	// prevented delivery, if any.
	Finish(ctx context.Context, text string) error
}
