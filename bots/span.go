package bots

import (
	"context"
	"errors"
	"time"
)

// SpanReader is the optional capability of an adapter that reads a span
// of a conversation for a summary (/summarize, "catch me up", digests):
// many messages, paginated within the platform's read limits, each with
// a link to it. Slack and Discord implement it; an adapter without it
// answers /summarize with "not available here".
type SpanReader interface {
	// ReadSpan returns the messages of q's conversation, oldest first.
	// It blocks while the platform's read budget is spent (429s are
	// waited out as the platform asks, within ctx) and returns what it
	// read with the error that stopped it.
	ReadSpan(ctx context.Context, q SpanQuery) (Span, error)
}

// SpanQuery says which messages a summary reads.
type SpanQuery struct {
	// Key is the conversation: with Thread set (Slack thread_ts, a
	// Discord thread) the thread, else the channel's top-level messages.
	Key ConversationKey
	// Since drops messages older than it; zero = no time limit.
	Since time.Time
	// Until drops messages newer than it (a digest's period end); zero =
	// up to now.
	Until time.Time
	// Limit keeps at most the newest Limit messages (at least 1).
	Limit int
}

// SpanMessage is one message of a span.
type SpanMessage struct {
	ID     string
	UserID string
	Author string
	Text   string
	Time   time.Time
	// Link is the message's permalink (Slack) or message link (Discord).
	Link string
	// Bot is true for the bot's own messages (left out of summaries of
	// summaries, kept for answers people discussed).
	Bot bool
}

// Span is what ReadSpan read and what it cost.
type Span struct {
	Messages []SpanMessage
	// Calls is the number of platform requests made (429s included);
	// RateLimited how many were answered 429; Waited the time spent
	// waiting on the read budget and Retry-After (Slack: the read's time
	// outside its requests; Discord, whose library waits inside the
	// request, the whole read's time).
	Calls       int
	RateLimited int
	Waited      time.Duration
	// Truncated is true when older messages within Since were left out
	// because of Limit.
	Truncated bool
}

// SummaryJob is a checked summary request, made by the Engine's Command
// ("summarize", a confirm click) and run by its Summarize: the adapter
// passes it back unchanged with the output the texts go to.
type SummaryJob struct {
	// Cmd is the command that asked (who, where).
	Cmd Command
	// Query is what to read: always the conversation the asker is in, so
	// a summary only holds messages the asker can read.
	Query SpanQuery
	// Language is the code the summary is written in.
	Language string
	// UILang is the language of the bot's own texts around it.
	UILang string
	// Share posts the summary in the conversation; else only the asker
	// sees it.
	Share bool
	// Confirmed is set when the asker confirmed a costly summary.
	Confirmed bool
	// Token names the job while it waits for the confirm button.
	Token string
	// Span is the span already read (a confirmed job does not read
	// again); nil = not read yet.
	Span *Span
	// Header replaces the summary's first line (a digest's date); "" =
	// "Summary of N messages".
	Header string
}

// SummaryOutput is where one summary's texts go, given by the adapter
// that received the request. Each method blocks until the platform took
// the text and returns its error.
type SummaryOutput interface {
	// Private shows text (Markdown) to the asker alone (Slack ephemeral,
	// a Discord ephemeral interaction message), or where the asker asked
	// when the platform has no private answer for the request (a Discord
	// mention).
	Private(ctx context.Context, text string) error
	// Share posts text in the conversation, for everyone in it.
	Share(ctx context.Context, text string) error
	// Confirm shows text to the asker with a button labelled label; a
	// click comes back as Command{Name: "summarize", Options:
	// {"confirm": token}} from the clicking user.
	Confirm(ctx context.Context, text, label, token string) error
}

// ChannelPoster is the optional capability of an adapter that posts in a
// channel with no one asking: scheduled digests. Slack and Discord
// implement it.
type ChannelPoster interface {
	// PostToChannel posts text (Markdown) in key's channel (its thread when
	// set), split as the platform needs. It blocks until posted.
	PostToChannel(ctx context.Context, key ConversationKey, text string) error
}

// OnceChannelPoster is the optional capability of a ChannelPoster that
// posts keyed: PostOnce posts text in key's channel unless a message of
// the bot carrying once is there already (or, on Discord, was created
// with it in the last few minutes), and then returns that message's id
// instead of posting a second one. A digest whose poster died after
// posting and before its lease was finished is posted through it again
// by the next holder, which must not post twice. Slack (message
// metadata, read back) and Discord (nonce with enforce_nonce) implement
// it. once is at most 200 bytes.
type OnceChannelPoster interface {
	// PostOnce returns the id of the first message of text. It blocks
	// until posted or found.
	PostOnce(ctx context.Context, key ConversationKey, once, text string) (id string, err error)
}

// ErrNoAccess is wrapped by ReadSpan when the bot cannot read the
// conversation (not a member, no Read Message History): the asker is
// told to invite the bot rather than "something went wrong".
var ErrNoAccess = errors.New("the bot cannot read this conversation")
