package discordtest

import (
	"encoding/json"
	"strconv"
	"time"
)

// The fake keeps its own wire types rather than importing discordgo, so
// that tests check the adapter against the documented JSON, not against the
// library the adapter itself uses.

// User is a Discord user object.
type User struct {
	ID            string  `json:"id"`
	Username      string  `json:"username"`
	GlobalName    *string `json:"global_name"`
	Discriminator string  `json:"discriminator"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot,omitempty"`
}

// Member is a guild member object (the user is omitted in MESSAGE_CREATE).
type Member struct {
	User        *User    `json:"user,omitempty"`
	Nick        *string  `json:"nick"`
	Roles       []string `json:"roles"`
	JoinedAt    string   `json:"joined_at"`
	Permissions string   `json:"permissions,omitempty"`
}

// Attachment is a message attachment; URL points at the fake.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	// DurationSecs and Waveform are a voice message's (the message has
	// flag IS_VOICE_MESSAGE, 1<<13; the file is voice-message.ogg,
	// audio/ogg): https://discord.com/developers/docs/resources/message#voice-messages
	DurationSecs float64 `json:"duration_secs,omitempty"`
	Waveform     string  `json:"waveform,omitempty"`
}

// MessageReference points at the message a reply answers.
type MessageReference struct {
	MessageID string `json:"message_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	GuildID   string `json:"guild_id,omitempty"`
}

// Message is a Discord message object.
type Message struct {
	ID                string            `json:"id"`
	ChannelID         string            `json:"channel_id"`
	GuildID           string            `json:"guild_id,omitempty"`
	Type              int               `json:"type"`
	Content           string            `json:"content"`
	Author            *User             `json:"author"`
	Member            *Member           `json:"member,omitempty"`
	Mentions          []User            `json:"mentions"`
	MentionRoles      []string          `json:"mention_roles"`
	MentionEveryone   bool              `json:"mention_everyone"`
	Attachments       []Attachment      `json:"attachments"`
	Embeds            []json.RawMessage `json:"embeds"`
	Timestamp         string            `json:"timestamp"`
	EditedTimestamp   *string           `json:"edited_timestamp"`
	Flags             int               `json:"flags"`
	Nonce             json.RawMessage   `json:"nonce,omitempty"`
	TTS               bool              `json:"tts"`
	Pinned            bool              `json:"pinned"`
	WebhookID         string            `json:"webhook_id,omitempty"`
	ApplicationID     string            `json:"application_id,omitempty"`
	MessageReference  *MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage *Message          `json:"referenced_message,omitempty"`
	Thread            *Channel          `json:"thread,omitempty"`
	// Components are the message's action rows (components.go).
	Components []Component `json:"components,omitempty"`
}

// Channel types used by the fake.
const (
	GuildText     = 0
	DM            = 1
	PublicThread  = 11
	PrivateThread = 12
	GuildForum    = 15
)

// Channel is a Discord channel object (text channel, DM, thread).
type Channel struct {
	ID         string `json:"id"`
	Type       int    `json:"type"`
	GuildID    string `json:"guild_id,omitempty"`
	Name       string `json:"name,omitempty"`
	ParentID   string `json:"parent_id,omitempty"`
	OwnerID    string `json:"owner_id,omitempty"`
	Recipients []User `json:"recipients,omitempty"`
}

// Reaction is the payload of a MESSAGE_REACTION_ADD dispatch.
type Reaction struct {
	UserID    string  `json:"user_id"`
	ChannelID string  `json:"channel_id"`
	MessageID string  `json:"message_id"`
	GuildID   string  `json:"guild_id,omitempty"`
	Member    *Member `json:"member,omitempty"`
	Emoji     struct {
		ID   *string `json:"id"`
		Name string  `json:"name"`
	} `json:"emoji"`
}

// APIError is Discord's JSON error body.
type APIError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors,omitempty"`
}

// Command is an application command as registered.
type Command struct {
	ID                       string            `json:"id"`
	ApplicationID            string            `json:"application_id"`
	GuildID                  string            `json:"guild_id,omitempty"`
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	DefaultMemberPermissions *string           `json:"default_member_permissions,omitempty"`
	Contexts                 []int             `json:"contexts,omitempty"`
}

// CommandOption is an option of an application command.
type CommandOption struct {
	Type         int             `json:"type"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Required     bool            `json:"required"`
	Autocomplete bool            `json:"autocomplete"`
	Choices      []any           `json:"choices,omitempty"`
	Options      []CommandOption `json:"options,omitempty"`
}

// Interaction is an INTERACTION_CREATE payload. Build one with the
// helpers of Server (SlashCommand, MessageCommand, Autocomplete) or by hand.
type Interaction struct {
	ID            string          `json:"id"`
	ApplicationID string          `json:"application_id"`
	Type          int             `json:"type"`
	Data          json.RawMessage `json:"data,omitempty"`
	GuildID       string          `json:"guild_id,omitempty"`
	ChannelID     string          `json:"channel_id,omitempty"`
	Channel       *Channel        `json:"channel,omitempty"`
	Member        *Member         `json:"member,omitempty"`
	User          *User           `json:"user,omitempty"`
	Token         string          `json:"token"`
	Version       int             `json:"version"`
	Locale        string          `json:"locale,omitempty"`
	GuildLocale   string          `json:"guild_locale,omitempty"`
	// AppPermissions is a decimal bit set.
	AppPermissions string `json:"app_permissions,omitempty"`
	Context        int    `json:"context"`
	// Message is the message a component interaction came from.
	Message *Message `json:"message,omitempty"`
}

// snowflakes hands out increasing ids shaped like Discord's.
type snowflakes struct{ next uint64 }

func (s *snowflakes) id() string {
	s.next++
	return strconv.FormatUint(s.next, 10)
}

// timestamp formats t the way Discord does.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}

func strptr(s string) *string { return &s }
