package discord

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
)

// Tolerant decoding of what Discord sends (gateway dispatches and REST
// message objects). discordgo's structs decode all or nothing: Message has
// its own UnmarshalJSON, so one mistyped nested field the bot never reads
// (referenced_message.author.public_flags as a string, a member whose
// joined_at is not a timestamp, an embed or component of an unexpected
// shape) fails the whole message, and a MESSAGE_CREATE or a page of
// history is lost. Here only the fields the bot reads are declared, every
// other field is skipped unread, and a field of the wrong type is left at
// its zero value: encoding/json "skips that field and completes the
// unmarshaling as best it can" on an *UnmarshalTypeError
// (https://pkg.go.dev/encoding/json#Unmarshal), and none of these types
// has an UnmarshalJSON that could abort it. The result is given to the rest
// of the adapter as a discordgo struct holding only those fields.

// snowflake is an id: Discord sends strings; a number is accepted too, and
// anything else leaves it empty instead of failing the object.
type snowflake string

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (s *snowflake) UnmarshalJSON(b []byte) error {
	var str string
	if json.Unmarshal(b, &str) == nil {
		*s = snowflake(str)
		return nil
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		if _, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
			*s = snowflake(n.String())
		}
	}
	return nil
}

// wireUser is the part of a user object the bot reads.
type wireUser struct {
	ID         snowflake `json:"id"`
	Username   string    `json:"username"`
	GlobalName string    `json:"global_name"`
	Bot        bool      `json:"bot"`
}

func (u *wireUser) user() *discordgo.User {
	if u == nil {
		return nil
	}
	return &discordgo.User{ID: string(u.ID), Username: u.Username, GlobalName: u.GlobalName, Bot: u.Bot}
}

// wireMember is the part of a guild member object the bot reads.
type wireMember struct {
	Nick string    `json:"nick"`
	User *wireUser `json:"user"`
}

func (m *wireMember) member() *discordgo.Member {
	if m == nil {
		return nil
	}
	return &discordgo.Member{Nick: m.Nick, User: m.User.user()}
}

type wireAttachment struct {
	ID          snowflake `json:"id"`
	URL         string    `json:"url"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	// DurationSecs is a voice message's length
	// (https://discord.com/developers/docs/resources/message#voice-messages),
	// which bounds what is transcribed.
	DurationSecs float64 `json:"duration_secs"`
}

type wireReference struct {
	MessageID snowflake `json:"message_id"`
	ChannelID snowflake `json:"channel_id"`
	GuildID   snowflake `json:"guild_id"`
}

type wireThread struct {
	ID snowflake `json:"id"`
}

// wireMessage is the part of a message object (and of MESSAGE_CREATE,
// which adds guild_id and member) the bot reads.
type wireMessage struct {
	ID                snowflake         `json:"id"`
	ChannelID         snowflake         `json:"channel_id"`
	GuildID           snowflake         `json:"guild_id"`
	Type              int               `json:"type"`
	Content           string            `json:"content"`
	Author            *wireUser         `json:"author"`
	Member            *wireMember       `json:"member"`
	Mentions          []*wireUser       `json:"mentions"`
	MentionRoles      []snowflake       `json:"mention_roles"`
	Attachments       []*wireAttachment `json:"attachments"`
	Timestamp         string            `json:"timestamp"`
	WebhookID         snowflake         `json:"webhook_id"`
	MessageReference  *wireReference    `json:"message_reference"`
	ReferencedMessage *wireMessage      `json:"referenced_message"`
	Thread            *wireThread       `json:"thread"`
}

// message converts to the discordgo struct the adapter works with.
func (w *wireMessage) message() *discordgo.Message {
	if w == nil {
		return nil
	}
	m := &discordgo.Message{
		ID: string(w.ID), ChannelID: string(w.ChannelID), GuildID: string(w.GuildID),
		Type: discordgo.MessageType(w.Type), Content: w.Content, Author: w.Author.user(), Member: w.Member.member(),
		WebhookID: string(w.WebhookID), ReferencedMessage: w.ReferencedMessage.message(),
	}
	// Discord's format (2024-01-01T00:00:00.000000+00:00) is RFC 3339; an
	// unreadable one stays zero and the caller dates the message itself.
	m.Timestamp, _ = time.Parse(time.RFC3339Nano, w.Timestamp)
	// An element of the wrong type decodes as an empty one: left out.
	for _, u := range w.Mentions {
		if u != nil && u.ID != "" {
			m.Mentions = append(m.Mentions, u.user())
		}
	}
	for _, r := range w.MentionRoles {
		if r != "" {
			m.MentionRoles = append(m.MentionRoles, string(r))
		}
	}
	for _, a := range w.Attachments {
		if a != nil && a.URL != "" {
			m.Attachments = append(m.Attachments, &discordgo.MessageAttachment{ID: string(a.ID), URL: a.URL,
				Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, DurationSecs: a.DurationSecs})
		}
	}
	if r := w.MessageReference; r != nil {
		m.MessageReference = &discordgo.MessageReference{MessageID: string(r.MessageID), ChannelID: string(r.ChannelID),
			GuildID: string(r.GuildID)}
	}
	if w.Thread != nil {
		m.Thread = &discordgo.Channel{ID: string(w.Thread.ID)}
	}
	return m
}

// errNotObject is returned for a payload that is not a JSON object.
var errNotObject = errors.New("not a JSON object")

// decodeLenient decodes the JSON object raw into v, keeping the fields of
// the wrong type at their zero value. It fails only when raw is not a
// JSON object (or not JSON at all).
func decodeLenient(raw []byte, v any) error {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errNotObject
	}
	err := json.Unmarshal(raw, v)
	if _, mistyped := errors.AsType[*json.UnmarshalTypeError](err); mistyped {
		return nil
	}
	return err
}

// decodeMessage decodes a message object or a MESSAGE_CREATE payload.
func decodeMessage(raw []byte) (*discordgo.Message, error) {
	var w wireMessage
	if err := decodeLenient(raw, &w); err != nil {
		return nil, err
	}
	return w.message(), nil
}

// decodeMessages decodes a page of messages (GET /channels/{id}/messages):
// one element that is not a message object is skipped, not the page. It
// returns the messages, the number of elements in the page and the id of
// its last element that has one (the cursor of the next page).
func decodeMessages(raw []byte) (msgs []*discordgo.Message, n int, last string, err error) {
	var page []json.RawMessage
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, 0, "", err
	}
	for _, el := range page {
		m, err := decodeMessage(el)
		if err != nil {
			continue
		}
		if m.ID != "" {
			last = m.ID
		}
		msgs = append(msgs, m)
	}
	return msgs, len(page), last, nil
}

// wireReaction is the part of MESSAGE_REACTION_ADD the bot reads.
type wireReaction struct {
	UserID    snowflake   `json:"user_id"`
	ChannelID snowflake   `json:"channel_id"`
	MessageID snowflake   `json:"message_id"`
	GuildID   snowflake   `json:"guild_id"`
	Member    *wireMember `json:"member"`
	Emoji     *struct {
		Name string `json:"name"`
	} `json:"emoji"`
}

// wireReady is the part of READY the bot reads.
type wireReady struct {
	SessionID string    `json:"session_id"`
	User      *wireUser `json:"user"`
}

// wireChannel is the part of a channel object the bot reads.
type wireChannel struct {
	ID       snowflake `json:"id"`
	Type     int       `json:"type"`
	GuildID  snowflake `json:"guild_id"`
	ParentID snowflake `json:"parent_id"`
	OwnerID  snowflake `json:"owner_id"`
}

func (c *wireChannel) channel() *discordgo.Channel {
	return &discordgo.Channel{ID: string(c.ID), Type: discordgo.ChannelType(c.Type), GuildID: string(c.GuildID),
		ParentID: string(c.ParentID), OwnerID: string(c.OwnerID)}
}

// wireRoles is the part of a guild member object role mentions need.
type wireRoles struct {
	Roles []snowflake `json:"roles"`
}

func (r *wireRoles) ids() []string {
	out := make([]string, 0, len(r.Roles))
	for _, id := range r.Roles {
		if id != "" {
			out = append(out, string(id))
		}
	}
	return out
}
