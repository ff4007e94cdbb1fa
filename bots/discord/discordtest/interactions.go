package discordtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// interaction is the fake's record of one interaction and its response.
type interaction struct {
	in        Interaction
	acked     bool
	ackType   int
	ackData   json.RawMessage
	expired   bool
	original  *Message
	followups []*Message
}

// Response is what the bot answered to an interaction.
type Response struct {
	// Type is the callback type (4 message, 5 deferred, 8 autocomplete), 0
	// when not acknowledged yet.
	Type int
	// Data is the callback's data object, raw.
	Data json.RawMessage
	// Original is the original response message (nil until acknowledged
	// with 4 or 5); Followups the follow-up messages in order.
	Original  *Message
	Followups []Message
}

// RegisterInteraction gives in an id and a token if it has none, records it
// so callbacks and webhooks on its token are accepted, and returns it.
func (s *Server) RegisterInteraction(in Interaction) Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ID == "" {
		in.ID = s.ids.id()
	}
	if in.Token == "" {
		in.Token = base64.RawURLEncoding.EncodeToString([]byte("interaction:" + in.ID + ":token"))
	}
	if in.ApplicationID == "" {
		in.ApplicationID = s.opts.AppID
	}
	if in.Version == 0 {
		in.Version = 1
	}
	s.interactions[in.Token] = &interaction{in: in}
	return in
}

// Interact registers in and dispatches it as INTERACTION_CREATE.
func (s *Server) Interact(in Interaction) Interaction {
	in = s.RegisterInteraction(in)
	s.Dispatch("INTERACTION_CREATE", in)
	return in
}

// ExpireInteraction makes the token of an interaction invalid (as after 15
// minutes): webhook calls on it then fail with 401 / 50027.
func (s *Server) ExpireInteraction(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.interactions[token]; it != nil {
		it.expired = true
	}
}

// InteractionResponse returns what the bot answered to the interaction with
// token.
func (s *Server) InteractionResponse(token string) Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.interactions[token]
	if it == nil {
		return Response{}
	}
	r := Response{Type: it.ackType, Data: it.ackData}
	if it.original != nil {
		o := *it.original
		r.Original = &o
	}
	for _, f := range it.followups {
		r.Followups = append(r.Followups, *f)
	}
	return r
}

// callbackBody is an interaction response, as the bot sends it.
type callbackBody struct {
	Type int `json:"type"`
	Data *struct {
		Content         *string          `json:"content"`
		Flags           int              `json:"flags"`
		AllowedMentions *allowedMentions `json:"allowed_mentions"`
		Choices         []any            `json:"choices"`
		// Components, for an UPDATE_MESSAGE (7): [] removes them.
		Components json.RawMessage `json:"components,omitempty"`
	} `json:"data"`
}

func (s *Server) callback(w http.ResponseWriter, id, token string, body []byte) {
	var in callbackBody
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	s.mu.Lock()
	it := s.interactions[token]
	if it == nil || it.in.ID != id || it.expired {
		s.mu.Unlock()
		writeError(w, 404, 10062, "Unknown interaction")
		return
	}
	if it.acked {
		s.mu.Unlock()
		writeError(w, 400, 40060, "Interaction has already been acknowledged.")
		return
	}
	switch in.Type {
	case 4, 5:
		if fail := s.respondWithMessage(it, in); fail != nil {
			s.mu.Unlock()
			fail(w)
			return
		}
	case 8:
		if in.Data == nil || len(in.Data.Choices) > 25 {
			s.mu.Unlock()
			writeFormError(w, "data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
			return
		}
	case 9:
		if field := checkModal(body); field != "" { // modals.go
			s.mu.Unlock()
			writeFormError(w, field, "BASE_TYPE_BAD_LENGTH", "Invalid modal.")
			return
		}
	case 6, 7:
	default:
		s.mu.Unlock()
		writeFormError(w, "type", "BASE_TYPE_CHOICES", "Value must be one of (4, 5, 6, 7, 8, 9, 10).")
		return
	}
	it.acked, it.ackType = true, in.Type
	if in.Data != nil {
		it.ackData, _ = json.Marshal(in.Data)
	}
	if in.Type == 9 {
		it.ackData = rawData(body) // the modal as sent
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// respondWithMessage makes the original response of a
// CHANNEL_MESSAGE_WITH_SOURCE (4) or DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
// (5), called with s.mu held. When Discord would refuse it, it returns
// the error response, to write once s.mu is released.
func (s *Server) respondWithMessage(it *interaction, in callbackBody) (fail func(http.ResponseWriter)) {
	content := ""
	flags := 0
	var am *allowedMentions
	if in.Data != nil {
		if in.Data.Content != nil {
			content = strings.TrimSpace(*in.Data.Content)
		}
		flags, am = in.Data.Flags, in.Data.AllowedMentions
	}
	if in.Type == 4 && content == "" {
		return func(w http.ResponseWriter) { writeError(w, 400, 50006, "Cannot send an empty message") }
	}
	if len([]rune(content)) > s.opts.MaxContent {
		return func(w http.ResponseWriter) { s.checkContent(w, content) }
	}
	if in.Type == 5 {
		flags |= 128 // LOADING: "bot is thinking..."
	}
	msg := &Message{ID: s.ids.id(), ChannelID: it.in.ChannelID, GuildID: it.in.GuildID, Type: 20, Content: content,
		Author: &s.bot, Attachments: []Attachment{}, Timestamp: timestamp(time.Now()), Flags: flags,
		WebhookID: s.opts.AppID, ApplicationID: s.opts.AppID}
	s.applyMentions(msg, am)
	it.original = msg
	if flags&64 == 0 {
		s.storeMessage(msg)
	}
	return nil
}

func (s *Server) routeWebhook(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	token := p[2]
	s.mu.Lock()
	it := s.interactions[token]
	if it == nil || it.in.ApplicationID != p[1] {
		s.mu.Unlock()
		writeError(w, 404, 10015, "Unknown Webhook")
		return
	}
	if it.expired {
		s.mu.Unlock()
		writeError(w, 401, 50027, "Invalid Webhook Token")
		return
	}
	s.mu.Unlock()
	var in outgoing
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(w, 400, 50109, "The request body contains invalid JSON.")
			return
		}
	}
	if in.Content != nil && !s.checkContent(w, *in.Content) {
		return
	}
	if in.Components != nil && !checkComponents(w, *in.Components) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == "POST" && len(p) == 3:
		s.followup(w, r, it, in)
	case len(p) == 5 && p[3] == "messages":
		s.webhookMessage(w, r, it, p[4], in)
	default:
		writeError(w, 404, 0, "404: Not Found")
	}
}

// followup posts a followup message of an acknowledged interaction,
// called with s.mu held. The response is the message only with ?wait=true.
func (s *Server) followup(w http.ResponseWriter, r *http.Request, it *interaction, in outgoing) {
	if !it.acked {
		writeError(w, 404, 10015, "Unknown Webhook")
		return
	}
	if in.Content == nil || *in.Content == "" {
		writeError(w, 400, 50006, "Cannot send an empty message")
		return
	}
	msg := &Message{ID: s.ids.id(), ChannelID: it.in.ChannelID, GuildID: it.in.GuildID, Type: 0, Content: strings.TrimSpace(*in.Content),
		Author: &s.bot, Attachments: []Attachment{}, Timestamp: timestamp(time.Now()), Flags: in.Flags,
		WebhookID: s.opts.AppID, ApplicationID: s.opts.AppID}
	if in.Components != nil {
		msg.Components = *in.Components
	}
	s.applyMentions(msg, in.AllowedMentions)
	it.followups = append(it.followups, msg)
	if in.Flags&64 == 0 {
		s.storeMessage(msg)
	}
	if r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, 200, *msg)
}

// webhookMessage gets (GET) or edits (PATCH) the original response
// ("@original") or a followup, called with s.mu held.
func (s *Server) webhookMessage(w http.ResponseWriter, r *http.Request, it *interaction, id string, in outgoing) {
	var msg *Message
	if id == "@original" {
		msg = it.original
	} else {
		for _, f := range it.followups {
			if f.ID == id {
				msg = f
			}
		}
	}
	if msg == nil {
		writeError(w, 404, 10008, "Unknown Message")
		return
	}
	if r.Method == "GET" {
		writeJSON(w, 200, *msg)
		return
	}
	if r.Method != "PATCH" {
		writeError(w, 405, 0, "405: Method Not Allowed")
		return
	}
	if in.Content != nil {
		msg.Content = strings.TrimSpace(*in.Content)
	}
	if in.Components != nil {
		// An edit with components replaces them; without, keeps them.
		msg.Components = *in.Components
	}
	msg.Flags &^= 128
	s.applyMentions(msg, in.AllowedMentions)
	msg.EditedTimestamp = strptr(timestamp(time.Now()))
	writeJSON(w, 200, *msg)
}

var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{N}\p{Lo}]{1,32}$`)

// validateCommand returns the first problem of c, as Discord would.
func validateCommand(c Command) string {
	switch c.Type {
	case 0, 1:
		if !commandName.MatchString(c.Name) {
			return "name: must match ^[-_\\p{L}\\p{N}]{1,32}$ in lower case"
		}
		if n := len([]rune(c.Description)); n < 1 || n > 100 {
			return "description: must be between 1 and 100 in length"
		}
	case 2, 3:
		if n := len([]rune(c.Name)); n < 1 || n > 32 {
			return "name: must be between 1 and 32 in length"
		}
		if c.Description != "" || len(c.Options) > 0 {
			return "context menu commands take no description or options"
		}
	default:
		return "type: invalid"
	}
	for k, v := range c.NameLocalizations {
		if n := len([]rune(v)); n < 1 || n > 32 || (c.Type <= 1 && !commandName.MatchString(v)) {
			return "name_localizations." + k + ": invalid"
		}
	}
	for k, v := range c.DescriptionLocalizations {
		if n := len([]rune(v)); n < 1 || n > 100 {
			return "description_localizations." + k + ": invalid"
		}
	}
	if len(c.Options) > 25 {
		return "options: must be 25 or fewer in length"
	}
	optional := false
	for _, o := range c.Options {
		if !commandName.MatchString(o.Name) {
			return "options.name: invalid " + strconv.Quote(o.Name)
		}
		if n := len([]rune(o.Description)); n < 1 || n > 100 {
			return "options.description: must be between 1 and 100 in length"
		}
		if o.Required && optional {
			return "options: required options must be placed before non-required options"
		}
		if !o.Required {
			optional = true
		}
		if o.Autocomplete && len(o.Choices) > 0 {
			return "options: autocomplete and choices are mutually exclusive"
		}
	}
	return ""
}

func (s *Server) commandsRoute(w http.ResponseWriter, method, key string, p []string, body []byte) {
	if p[1] != s.opts.AppID {
		writeError(w, 403, 50001, "Missing Access")
		return
	}
	switch method {
	case "GET":
		s.mu.Lock()
		out := append([]Command{}, s.commands[key]...)
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case "PUT":
		var cmds []Command
		if err := json.Unmarshal(body, &cmds); err != nil {
			writeError(w, 400, 50109, "The request body contains invalid JSON.")
			return
		}
		if len(cmds) > 100 {
			writeFormError(w, "_", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
			return
		}
		seen := map[string]bool{}
		for i, c := range cmds {
			if msg := validateCommand(c); msg != "" {
				writeFormError(w, strconv.Itoa(i), "INVALID_COMMAND", msg)
				return
			}
			k := strconv.Itoa(c.Type) + "/" + c.Name
			if seen[k] {
				writeFormError(w, strconv.Itoa(i), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
				return
			}
			seen[k] = true
		}
		s.mu.Lock()
		for i := range cmds {
			cmds[i].ID = s.ids.id()
			cmds[i].ApplicationID = s.opts.AppID
			if len(p) == 5 {
				cmds[i].GuildID = p[3]
			}
			if cmds[i].Type == 0 {
				cmds[i].Type = 1
			}
		}
		s.commands[key] = cmds
		s.mu.Unlock()
		writeJSON(w, 200, cmds)
	default:
		writeError(w, 405, 0, "405: Method Not Allowed")
	}
}

// Commands returns the commands registered globally (guildID "") or in a
// guild.
func (s *Server) Commands(guildID string) []Command {
	key := s.opts.AppID
	if guildID != "" {
		key += "/" + guildID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands[key]...)
}

// Acknowledge processes an interaction response the bot returned in an
// HTTP reply (the interactions endpoint) as Discord would: like a callback.
func (s *Server) Acknowledge(token string, body []byte) error {
	s.mu.Lock()
	it := s.interactions[token]
	id := ""
	if it != nil {
		id = it.in.ID
	}
	s.mu.Unlock()
	rec := httptest.NewRecorder()
	s.callback(rec, id, token, body)
	if rec.Code != http.StatusNoContent {
		return fmt.Errorf("discordtest: acknowledge: %d %s", rec.Code, rec.Body.String())
	}
	return nil
}
