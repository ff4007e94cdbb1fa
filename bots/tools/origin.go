package tools

import (
	"context"

	"mistralbot/bots"
)

// Origin is where the question being answered came from: the
// conversation, the asker, and the reader of that platform's history.
// The engine puts it in the context of every call it runs (WithOrigin), so
// a tool that reads the conversation (read_history) reads this one and no
// other: what to read never comes from the model's arguments, which a
// pasted text or a fetched page could steer.
type Origin struct {
	// Key is the conversation the reply goes to (its thread when there is
	// one).
	Key bots.ConversationKey
	// Channel is the channel the conversation is in: a thread's parent
	// (bots.Message.SettingsChannel), else Key.Channel.
	Channel string
	// UserID is the asker's platform id.
	UserID string
	// DM is true when the question is a direct message: nothing outside
	// that conversation may be read.
	DM bool
	// Reader reads the platform's messages (the adapter the question came
	// through); nil when it has none.
	Reader bots.SpanReader
}

// originKey is the context key of an Origin; unexported, so only
// WithOrigin sets one.
type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the Origin ctx carries, false when none.
func OriginFrom(ctx context.Context) (Origin, bool) {
	o, ok := ctx.Value(originKey{}).(Origin)
	return o, ok
}

// OriginOf is the Origin of a question asked in msg, read through r (nil
// when the platform has no reader).
func OriginOf(msg bots.Message, r bots.SpanReader) Origin {
	ch := msg.SettingsChannel
	if ch == "" || msg.DM {
		ch = msg.Key.Channel
	}
	return Origin{Key: msg.Key, Channel: ch, UserID: msg.UserID, DM: msg.DM, Reader: r}
}
