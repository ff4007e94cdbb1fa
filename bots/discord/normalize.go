package discord

import (
	"regexp"
	"strings"
	"unicode/utf8"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// channelInfo is what the adapter needs to know about a channel.
type channelInfo struct {
	id       string
	kind     discordgo.ChannelType
	guild    string
	parent   string // for threads and forum posts
	ownerID  string // for threads
	resolved bool   // false when the lookup failed
}

// isThread reports whether the channel is a thread or a forum post.
func (c channelInfo) isThread() bool {
	switch c.kind {
	case discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread, discordgo.ChannelTypeGuildNewsThread:
		return true
	}
	return false
}

// settingsChannel is the channel whose settings apply: a thread's parent.
func (c channelInfo) settingsChannel() string {
	if c.isThread() && c.parent != "" {
		return c.parent
	}
	return c.id
}

// where says where a message was posted and how the bot relates to it.
type where struct {
	botID    string
	botRoles []string // the bot's roles in the message's guild
	channel  channelInfo
}

// route is the outcome of normalizing a MESSAGE_CREATE.
type route int

const (
	skip      route = iota // not for the bot (own, other bots, system, no mention outside threads)
	answer                 // pass to the Engine where it was posted (DM, thread)
	newThread              // a mention in a channel: answer in a thread started from it
)

// mentionRe matches user, role and channel mentions.
var mentionRe = regexp.MustCompile(`<(@!?|@&|#)(\d{1,20})>`)

// normalize turns a MESSAGE_CREATE into a bots.Message and says what to do
// with it. It is pure (attachments are fetched by the caller) and total:
// any payload discordgo could decode gives an answer, never a panic.
func normalize(m *discordgo.Message, w where) (bots.Message, route) {
	if m == nil || m.Author == nil || m.Author.ID == "" || m.ChannelID == "" || m.ID == "" {
		return bots.Message{}, skip
	}
	if m.Author.ID == w.botID || m.Author.Bot || m.WebhookID != "" {
		return bots.Message{}, skip
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return bots.Message{}, skip
	}
	mentioned := w.botID != "" && mentionsBot(m, w)
	msg := bots.Message{
		Key:       bots.ConversationKey{Platform: bots.Discord, Team: m.GuildID, Channel: m.ChannelID},
		ID:        m.ID,
		UserID:    m.Author.ID,
		UserName:  displayName(m.Member, m.Author),
		Text:      cleanText(m, w),
		Mentioned: mentioned,
		Time:      m.Timestamp,
	}
	if m.MessageReference != nil {
		msg.ReplyTo = m.MessageReference.MessageID
	}
	switch {
	case m.GuildID == "":
		msg.DM = true
		msg.SettingsChannel = m.ChannelID
		return msg, answer
	case w.channel.isThread():
		msg.Key.Thread = m.ChannelID
		msg.InThread = true
		msg.SettingsChannel = w.channel.settingsChannel()
		return msg, answer
	case mentioned:
		// A thread started from a message has the message's id: the key is
		// known before the thread exists, so a redelivery maps to the same
		// conversation and the Engine's dedupe catches it.
		msg.Key.Channel, msg.Key.Thread = m.ID, m.ID
		msg.SettingsChannel = m.ChannelID
		return msg, newThread
	}
	return bots.Message{}, skip
}

// mentionsBot reports a user mention of the bot or a mention of one of its
// roles (Discord lists mentioned roles in mention_roles, not the bot).
func mentionsBot(m *discordgo.Message, w where) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == w.botID {
			return true
		}
	}
	for _, r := range m.MentionRoles {
		for _, mine := range w.botRoles {
			if r == mine {
				return true
			}
		}
	}
	// The content is the ground truth when mentions were not resolved.
	return strings.Contains(m.Content, "<@"+w.botID+">") || strings.Contains(m.Content, "<@!"+w.botID+">")
}

// cleanText removes the bot's mentions (user and role forms) and spells
// other mentions as readable names, so the model sees "@Alice", not
// "<@1100>".
func cleanText(m *discordgo.Message, w where) string {
	names := map[string]string{}
	for _, u := range m.Mentions {
		if u != nil {
			names[u.ID] = displayName(nil, u)
		}
	}
	bot := map[string]bool{}
	for _, r := range w.botRoles {
		bot[r] = true
	}
	replace := func(s string) string {
		sub := mentionRe.FindStringSubmatch(s)
		kind, id := sub[1], sub[2]
		switch {
		case kind != "#" && kind != "@&" && id == w.botID:
			return ""
		case kind == "@&" && bot[id]:
			return ""
		case kind == "@" || kind == "@!":
			if n, ok := names[id]; ok && n != "" {
				return "@" + n
			}
		}
		return s
	}
	// Repeat: removing "<@bot>" from "<@<@bot>bot>" leaves another one.
	text := m.Content
	for range 8 {
		next := mentionRe.ReplaceAllStringFunc(text, replace)
		if next == text {
			break
		}
		text = next
	}
	return strings.TrimSpace(text)
}

// displayName is the name people see: the member's nick, else the global
// name, else the username.
func displayName(mem *discordgo.Member, u *discordgo.User) string {
	if mem != nil && mem.Nick != "" {
		return mem.Nick
	}
	if u == nil {
		return ""
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// threadName is a thread title made from the question: its first line,
// mentions removed, cut to Discord's 100 characters at a word boundary.
func threadName(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.Join(strings.Fields(strings.Trim(line, "`*_~> ")), " ")
	if line == "" {
		return "Question"
	}
	if utf8.RuneCountInString(line) <= 100 {
		return line
	}
	r := []rune(line)[:99]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > 60 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut) + "…"
}

// channelIDOf reads "channel_id" (or "id") from a dispatch without
// decoding the rest (leniently: events.go).
func channelIDOf(raw []byte) string {
	var v struct {
		ChannelID snowflake `json:"channel_id"`
		ID        snowflake `json:"id"`
	}
	if decodeLenient(raw, &v) != nil {
		return ""
	}
	if v.ChannelID != "" {
		return string(v.ChannelID)
	}
	return string(v.ID)
}
