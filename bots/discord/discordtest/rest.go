package discordtest

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// statusRecorder remembers the status written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, APIError{Code: code, Message: msg})
}

// writeFormError answers 400 / 50035 Invalid Form Body for one field.
func writeFormError(w http.ResponseWriter, field, code, msg string) {
	errs, _ := json.Marshal(map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": code, "message": msg}}}})
	writeJSON(w, http.StatusBadRequest, APIError{Code: 50035, Message: "Invalid Form Body", Errors: errs})
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := trimVersion(r.URL.Path)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	rec := &statusRecorder{ResponseWriter: w}
	now := time.Now()
	// Recorded before it is served, so that a test seeing its effect also
	// sees the request; the status is filled in at the end.
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, At: now})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = rec.status
		s.mu.Unlock()
	}()

	public := parts[0] == "webhooks" || parts[0] == "interactions"
	if !public && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
		writeError(rec, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}

	s.mu.Lock()
	key, strict := bucketKey(r.Method, parts)
	b := s.limitFor(key, strict)
	if strict && s.faults.force429 > 0 {
		s.faults.force429--
		after := s.faults.retryAfter
		b.headers(rec.Header(), now)
		s.mu.Unlock()
		tooMany(rec, after)
		return
	}
	ok, after := b.take(now)
	b.headers(rec.Header(), now)
	if !ok {
		s.mu.Unlock()
		tooMany(rec, after)
		return
	}
	if f := s.injected(r.Method, path); f != nil {
		st, code, msg := f.status, f.code, f.message
		s.mu.Unlock()
		writeError(rec, st, code, msg)
		return
	}
	s.mu.Unlock()

	s.route(rec, r, parts, body)
}

// trimVersion removes "/api" and "/vN" from a request path.
func trimVersion(p string) string {
	p = strings.TrimPrefix(p, "/api")
	if strings.HasPrefix(p, "/v") {
		if i := strings.IndexByte(p[1:], '/'); i > 0 {
			return p[i+1:]
		}
	}
	return p
}

// tooMany answers 429 the way Discord does.
func tooMany(w http.ResponseWriter, after time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
	w.Header().Set("X-RateLimit-Scope", "user")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": after.Seconds(), "global": false,
	})
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	m, n := r.Method, len(p)
	switch {
	case m == "GET" && n == 2 && p[0] == "users" && p[1] == "@me":
		writeJSON(w, 200, s.bot)
	case m == "POST" && n == 3 && p[0] == "users" && p[2] == "channels":
		s.createDM(w, body)
	case m == "GET" && n == 1 && p[0] == "gateway":
		writeJSON(w, 200, map[string]string{"url": s.GatewayURL()})
	case m == "GET" && n == 2 && p[0] == "gateway" && p[1] == "bot":
		writeJSON(w, 200, map[string]any{"url": s.GatewayURL(), "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
	case n >= 2 && p[0] == "channels":
		s.routeChannel(w, r, p, body)
	case m == "GET" && n == 4 && p[0] == "guilds" && p[2] == "members":
		s.mu.Lock()
		mem := s.members[p[1]][p[3]]
		var out Member
		if mem != nil {
			out = *mem
		}
		s.mu.Unlock()
		if mem == nil {
			writeError(w, 404, 10007, "Unknown Member")
			return
		}
		writeJSON(w, 200, out)
	case n == 4 && p[0] == "interactions" && p[3] == "callback" && m == "POST":
		s.callback(w, p[1], p[2], body)
	case p[0] == "webhooks" && n >= 3:
		s.routeWebhook(w, r, p, body)
	case p[0] == "applications" && (n == 3 && p[2] == "commands" || n == 5 && p[2] == "guilds" && p[4] == "commands"):
		key := p[1]
		if n == 5 {
			key += "/" + p[3]
		}
		s.commandsRoute(w, m, key, p, body)
	default:
		writeError(w, 404, 0, "404: Not Found")
	}
}

func (s *Server) routeChannel(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	m, n, cid := r.Method, len(p), p[1]
	s.mu.Lock()
	ch, ok := s.channels[cid]
	var c Channel
	if ok {
		c = *ch
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, 10003, "Unknown Channel")
		return
	}
	switch {
	case m == "GET" && n == 2:
		writeJSON(w, 200, c)
	case m == "POST" && n == 3 && p[2] == "typing":
		w.WriteHeader(http.StatusNoContent)
	case m == "GET" && n == 3 && p[2] == "messages":
		s.listMessages(w, r, cid)
	case m == "POST" && n == 3 && p[2] == "messages":
		s.createMessage(w, c, body)
	case m == "GET" && n == 4 && p[2] == "messages":
		s.mu.Lock()
		msg := s.findMessage(cid, p[3])
		var out Message
		if msg != nil {
			out = *msg
		}
		s.mu.Unlock()
		if msg == nil {
			writeError(w, 404, 10008, "Unknown Message")
			return
		}
		writeJSON(w, 200, out)
	case m == "PATCH" && n == 4 && p[2] == "messages":
		s.editMessage(w, cid, p[3], body)
	case m == "POST" && n == 5 && p[2] == "messages" && p[4] == "threads":
		s.startThread(w, c, p[3], body)
	default:
		writeError(w, 404, 0, "404: Not Found")
	}
}

// outgoing is the body of a message create or edit.
type outgoing struct {
	Content         *string           `json:"content"`
	AllowedMentions *allowedMentions  `json:"allowed_mentions"`
	Reference       *MessageReference `json:"message_reference"`
	Flags           int               `json:"flags"`
	Embeds          []json.RawMessage `json:"embeds"`
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
	s.mu.Lock()
	msg := &Message{ID: s.ids.id(), ChannelID: c.ID, GuildID: c.GuildID, Content: content, Author: &s.bot,
		Attachments: []Attachment{}, Embeds: in.Embeds, Timestamp: timestamp(time.Now()), Flags: in.Flags}
	if in.Reference != nil && in.Reference.MessageID != "" {
		msg.Type = 19
		msg.MessageReference = &MessageReference{MessageID: in.Reference.MessageID, ChannelID: c.ID, GuildID: c.GuildID}
		if ref := s.findMessage(c.ID, in.Reference.MessageID); ref != nil {
			cp := *ref
			msg.ReferencedMessage = &cp
		}
	}
	s.applyMentions(msg, in.AllowedMentions)
	s.storeMessage(msg)
	out := *msg
	s.mu.Unlock()
	writeJSON(w, 200, out)
	s.Dispatch("MESSAGE_CREATE", out)
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

func (s *Server) createDM(w http.ResponseWriter, body []byte) {
	var in struct {
		RecipientID string `json:"recipient_id"`
	}
	if json.Unmarshal(body, &in) != nil || in.RecipientID == "" {
		writeFormError(w, "recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
		return
	}
	s.mu.Lock()
	id, ok := s.dms[in.RecipientID]
	if !ok {
		id = s.ids.id()
		s.dms[in.RecipientID] = id
		s.channels[id] = &Channel{ID: id, Type: DM, Recipients: []User{{ID: in.RecipientID}}}
	}
	out := *s.channels[id]
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

// DMChannel returns the DM channel of a user, creating it.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dms[userID]
	if !ok {
		id = s.ids.id()
		s.dms[userID] = id
		s.channels[id] = &Channel{ID: id, Type: DM, Recipients: []User{{ID: userID}}}
	}
	return id
}
