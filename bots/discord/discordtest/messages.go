package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// outgoing is the body of a message create or edit.
type outgoing struct {
	Content         *string           `json:"content"`
	AllowedMentions *allowedMentions  `json:"allowed_mentions"`
	Reference       *MessageReference `json:"message_reference"`
	Flags           int               `json:"flags"`
	Embeds          []json.RawMessage `json:"embeds"`
	Nonce           json.RawMessage   `json:"nonce"`
	EnforceNonce    bool              `json:"enforce_nonce"`
	// Components nil: not sent (an edit keeps the message's); empty:
	// cleared.
	Components *[]Component `json:"components"`
}

type allowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users"`
	Roles []string `json:"roles"`
}

// checkContent validates content length; it writes the error and returns
// false when the content is too long.
func (s *Server) checkContent(w http.ResponseWriter, content string) bool {
	if n := len([]rune(content)); n > s.opts.MaxContent {
		writeFormError(w, "content", "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(s.opts.MaxContent)+" or fewer in length.")
		return false
	}
	return true
}

// applyMentions sets what Discord would ping for content under am: with no
// allowed_mentions every mention in the text pings.
func (s *Server) applyMentions(msg *Message, am *allowedMentions) {
	if s.opts.IgnoreAllowedMentions {
		am = nil
	}
	allow := func(kind string) bool {
		if am == nil {
			return true
		}
		for _, p := range am.Parse {
			if p == kind {
				return true
			}
		}
		return false
	}
	msg.MentionEveryone = allow("everyone") && (strings.Contains(msg.Content, "@everyone") || strings.Contains(msg.Content, "@here"))
	msg.Mentions, msg.MentionRoles = []User{}, []string{}
	for _, id := range mentionIDs(msg.Content, "<@") {
		if allow("users") {
			msg.Mentions = append(msg.Mentions, User{ID: id})
		}
	}
	for _, id := range mentionIDs(msg.Content, "<@&") {
		if allow("roles") {
			msg.MentionRoles = append(msg.MentionRoles, id)
		}
	}
}

// mentionIDs returns the ids of "<@id>", "<@!id>" (prefix "<@") or "<@&id>"
// (prefix "<@&") mentions in s.
func mentionIDs(s, prefix string) []string {
	var ids []string
	for {
		i := strings.Index(s, prefix)
		if i < 0 {
			return ids
		}
		s = s[i+len(prefix):]
		if prefix == "<@" && strings.HasPrefix(s, "&") {
			continue
		}
		s = strings.TrimPrefix(s, "!")
		j := strings.IndexByte(s, '>')
		if j <= 0 {
			continue
		}
		if _, err := strconv.ParseUint(s[:j], 10, 64); err == nil {
			ids = append(ids, s[:j])
		}
	}
}

func (s *Server) createMessage(w http.ResponseWriter, c Channel, body []byte) {
	var in outgoing
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	if (in.Content == nil || *in.Content == "") && len(in.Embeds) == 0 {
		writeError(w, 400, 50006, "Cannot send an empty message")
		return
	}
	content := ""
	if in.Content != nil {
		content = strings.TrimSpace(*in.Content)
	}
	if !s.checkContent(w, content) {
		return
	}
	if in.Components != nil && !checkComponents(w, *in.Components) {
		return
	}
	nonce, ok := nonceString(in.Nonce)
	if !ok {
		writeFormError(w, "nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		return
	}
	now := s.opts.Now()
	s.mu.Lock()
	if in.EnforceNonce && nonce != "" {
		if m := s.nonceMessage(s.bot.ID, nonce, now); m != nil {
			s.nonceHits++
			out := *m
			s.mu.Unlock()
			writeJSON(w, 200, out)
			return
		}
	}
	msg := &Message{ID: s.ids.id(), ChannelID: c.ID, GuildID: c.GuildID, Content: content, Author: &s.bot,
		Attachments: []Attachment{}, Embeds: in.Embeds, Timestamp: timestamp(time.Now()), Flags: in.Flags,
		Nonce: in.Nonce}
	if in.Reference != nil && in.Reference.MessageID != "" {
		msg.Type = 19
		msg.MessageReference = &MessageReference{MessageID: in.Reference.MessageID, ChannelID: c.ID, GuildID: c.GuildID}
		if ref := s.findMessage(c.ID, in.Reference.MessageID); ref != nil {
			cp := *ref
			msg.ReferencedMessage = &cp
		}
	}
	if in.Components != nil {
		msg.Components = *in.Components
	}
	s.applyMentions(msg, in.AllowedMentions)
	s.storeMessage(msg)
	if nonce != "" {
		s.rememberNonce(s.bot.ID, nonce, msg, now)
	}
	out := *msg
	s.mu.Unlock()
	writeJSON(w, 200, out)
	s.echo(out)
}

func (s *Server) editMessage(w http.ResponseWriter, cid, mid string, body []byte) {
	var in outgoing
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	if in.Content != nil && !s.checkContent(w, *in.Content) {
		return
	}
	if in.Components != nil && !checkComponents(w, *in.Components) {
		return
	}
	s.mu.Lock()
	msg := s.findMessage(cid, mid)
	if msg == nil {
		s.mu.Unlock()
		writeError(w, 404, 10008, "Unknown Message")
		return
	}
	if msg.Author == nil || msg.Author.ID != s.bot.ID {
		s.mu.Unlock()
		writeError(w, 403, 50005, "Cannot edit a message authored by another user")
		return
	}
	if in.Content != nil {
		msg.Content = strings.TrimSpace(*in.Content)
	}
	if in.Components != nil {
		msg.Components = *in.Components
	}
	s.applyMentions(msg, in.AllowedMentions)
	msg.EditedTimestamp = strptr(timestamp(time.Now()))
	out := *msg
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, cid string) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeFormError(w, "limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
			return
		}
		limit = n
	}
	before, after := q.Get("before"), q.Get("after")
	s.mu.Lock()
	all := s.messages[cid]
	var out []Message
	// Discord returns newest first.
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		m := all[i]
		if before != "" && !idLess(m.ID, before) {
			continue
		}
		if after != "" && !idLess(after, m.ID) {
			continue
		}
		out = append(out, *m)
	}
	s.mu.Unlock()
	if out == nil {
		out = []Message{}
	}
	writeJSON(w, 200, out)
}

// idLess compares snowflakes numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) startThread(w http.ResponseWriter, parent Channel, mid string, body []byte) {
	var in struct {
		Name                string `json:"name"`
		AutoArchiveDuration int    `json:"auto_archive_duration"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	if n := len([]rune(in.Name)); n < 1 || n > 100 {
		writeFormError(w, "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		return
	}
	s.mu.Lock()
	msg := s.findMessage(parent.ID, mid)
	if msg == nil {
		s.mu.Unlock()
		writeError(w, 404, 10008, "Unknown Message")
		return
	}
	if _, exists := s.channels[mid]; exists || msg.Thread != nil {
		s.mu.Unlock()
		writeError(w, 400, 160004, "A thread has already been created for this message")
		return
	}
	// A thread started from a message has the message's id.
	th := &Channel{ID: mid, Type: PublicThread, GuildID: parent.GuildID, Name: in.Name, ParentID: parent.ID, OwnerID: s.bot.ID}
	s.channels[mid] = th
	msg.Thread = th
	out := *th
	s.mu.Unlock()
	writeJSON(w, 201, out)
	s.Dispatch("THREAD_CREATE", out)
}
