package discordtest

import (
	"encoding/json"
	"time"
)

// Post is a message a (human) user sends in a channel.
type Post struct {
	Author      User
	Nick        string
	Roles       []string
	Content     string
	Attachments []Attachment
	// ReplyTo is the id of a message in the same channel this one answers.
	ReplyTo string
}

// Post stores a user's message and dispatches MESSAGE_CREATE for it, the
// way Discord builds it: mentions parsed from the content, a member object
// in guild channels, the referenced message for replies.
func (s *Server) Post(channelID string, p Post) Message {
	s.mu.Lock()
	c := s.channels[channelID]
	guild := ""
	if c != nil {
		guild = c.GuildID
	}
	author := p.Author
	msg := &Message{ID: s.ids.id(), ChannelID: channelID, GuildID: guild, Content: p.Content, Author: &author,
		Attachments: p.Attachments, Embeds: []json.RawMessage{}, Timestamp: timestamp(time.Now())}
	if msg.Attachments == nil {
		msg.Attachments = []Attachment{}
	}
	if guild != "" {
		mem := &Member{Roles: p.Roles, JoinedAt: timestamp(time.Now())}
		if mem.Roles == nil {
			mem.Roles = []string{}
		}
		if p.Nick != "" {
			mem.Nick = strptr(p.Nick)
		}
		msg.Member = mem
	}
	s.applyMentions(msg, nil)
	for i, u := range msg.Mentions {
		if u.ID == s.bot.ID {
			msg.Mentions[i] = s.bot
		}
	}
	if p.ReplyTo != "" {
		msg.Type = 19
		msg.MessageReference = &MessageReference{MessageID: p.ReplyTo, ChannelID: channelID, GuildID: guild}
		if ref := s.findMessage(channelID, p.ReplyTo); ref != nil {
			cp := *ref
			cp.ReferencedMessage = nil
			msg.ReferencedMessage = &cp
		}
	}
	s.storeMessage(msg)
	out := *msg
	s.mu.Unlock()
	s.Dispatch("MESSAGE_CREATE", out)
	return out
}

// React dispatches MESSAGE_REACTION_ADD: user reacted with the unicode
// emoji on a message.
func (s *Server) React(channelID, messageID string, user User, emoji string) {
	s.mu.Lock()
	guild := ""
	if c := s.channels[channelID]; c != nil {
		guild = c.GuildID
	}
	s.mu.Unlock()
	r := Reaction{UserID: user.ID, ChannelID: channelID, MessageID: messageID, GuildID: guild}
	if guild != "" {
		u := user
		r.Member = &Member{User: &u, Roles: []string{}, JoinedAt: timestamp(time.Now())}
	}
	r.Emoji.Name = emoji
	s.Dispatch("MESSAGE_REACTION_ADD", r)
}

// Option is a slash command option value as Discord sends it.
type Option struct {
	Name    string `json:"name"`
	Type    int    `json:"type"`
	Value   any    `json:"value,omitempty"`
	Focused bool   `json:"focused,omitempty"`
}

// Invoker describes who runs an interaction and where.
type Invoker struct {
	User User
	// ChannelID is the channel; GuildID "" makes it a DM interaction.
	ChannelID, GuildID string
	// Permissions is the member's permission bit set in the channel.
	Permissions string
	Locale      string
}

func (s *Server) base(who Invoker, typ int, data any) Interaction {
	raw, _ := json.Marshal(data)
	u := who.User
	in := Interaction{Type: typ, Data: raw, ChannelID: who.ChannelID, GuildID: who.GuildID, Locale: who.Locale,
		AppPermissions: "2248473465835073"}
	if in.Locale == "" {
		in.Locale = "en-US"
	}
	if who.GuildID != "" {
		perms := who.Permissions
		if perms == "" {
			perms = "2248473465835073"
		}
		in.Member = &Member{User: &u, Roles: []string{}, JoinedAt: timestamp(time.Now()), Permissions: perms}
		in.Channel = &Channel{ID: who.ChannelID, Type: GuildText, GuildID: who.GuildID}
	} else {
		in.User = &u
		in.Context = 1
		in.Channel = &Channel{ID: who.ChannelID, Type: DM}
	}
	return in
}

// SlashCommand builds an application command interaction (type 2, chat
// input) for name with options; pass it to Interact or RegisterInteraction.
func (s *Server) SlashCommand(who Invoker, name string, options ...Option) Interaction {
	if options == nil {
		options = []Option{}
	}
	return s.base(who, 2, map[string]any{"id": s.NewID(), "name": name, "type": 1, "options": options})
}

// Autocomplete builds an autocomplete interaction (type 4).
func (s *Server) Autocomplete(who Invoker, name string, options ...Option) Interaction {
	return s.base(who, 4, map[string]any{"id": s.NewID(), "name": name, "type": 1, "options": options})
}

// MessageCommand builds a message context-menu interaction (type 2,
// command type 3) targeting msg.
func (s *Server) MessageCommand(who Invoker, name string, target Message) Interaction {
	return s.base(who, 2, map[string]any{"id": s.NewID(), "name": name, "type": 3, "target_id": target.ID,
		"resolved": map[string]any{"messages": map[string]Message{target.ID: target}}})
}
