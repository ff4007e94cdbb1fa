// Package discordtest is a fake Discord for tests: the REST API under
// /api/v10 and a gateway websocket, on loopback. It speaks Discord's JSON
// (not discordgo's types) and enforces the rules an adapter must respect:
// content of at most 2,000 characters, per-channel rate-limit buckets
// answered with 429 + retry_after + X-RateLimit-* headers, the bot's
// global limit (Options.GlobalLimit) answered with the global 429,
// interaction acknowledgement, thread-per-message; like Discord it trims
// white space around message content. It records every request.
package discordtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// APIPrefix is the path prefix tests use; the fake serves any API version
// ("/api/v9/...", "/api/v10/...") the same way.
const APIPrefix = "/api/v10"

// Options configure a Server. Zero values get sensible defaults.
type Options struct {
	// Token is the bot token the fake accepts ("Bot " prefix excluded).
	Token string
	// BotID, BotName and AppID describe the bot user and its application.
	BotID, BotName, AppID string
	// GuildID is the guild the bot is in (created with a text channel
	// GeneralID).
	GuildID, GeneralID string
	// BucketLimit requests per BucketWindow are allowed on each per-channel
	// (or per-interaction-webhook) write bucket. Default 5 per 5 s, as
	// Discord; tests shorten the window.
	BucketLimit  int
	BucketWindow time.Duration
	// ReadLimit requests per ReadWindow are allowed on each channel's
	// message reads (GET /channels/{id}/messages); 0 keeps the generous
	// default of other routes (50 per second). Discord does not publish
	// the figure: clients must follow the X-RateLimit-* headers, which the
	// fake sends on every answer.
	ReadLimit  int
	ReadWindow time.Duration
	// HeartbeatInterval is announced in HELLO (default 41.25 s).
	HeartbeatInterval time.Duration
	// MaxContent is the content limit in characters (default 2000).
	MaxContent int
	// GlobalLimit is Discord's global rate limit: requests per second of
	// the bot on every route but the interaction endpoints, counted in
	// fixed one-second windows; a request over it gets the global 429.
	// 0 = no global limit.
	GlobalLimit int
	// Now is the clock of the rate limits and of Request.At; nil =
	// time.Now.
	Now func() time.Time
	// NonceWindow is how long a create's nonce with enforce_nonce returns
	// the message it first created (default 5 min: Discord checks "the
	// past few minutes").
	NonceWindow time.Duration
	// IgnoreAllowedMentions makes the fake parse mentions as if no
	// allowed_mentions were sent, as a server or proxy that drops the
	// field would.
	IgnoreAllowedMentions bool
}

// Request is one recorded REST request.
type Request struct {
	Method string
	// Path is the URL path without the /api/vN prefix.
	Path  string
	Query string
	// Body is the raw request body (JSON for everything but uploads).
	Body   []byte
	Status int
	At     time.Time
}

// JSON decodes the body into a generic map (nil when it is not an object).
func (r Request) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Server is the fake Discord. Create it with New, stop it with Close.
type Server struct {
	opts Options
	srv  *httptest.Server

	mu           sync.Mutex
	ids          snowflakes
	bot          User
	channels     map[string]*Channel
	messages     map[string][]*Message // per channel, oldest first
	members      map[string]map[string]*Member
	attachments  map[string]attachmentBody
	interactions map[string]*interaction // by token
	commands     map[string][]Command    // by "app" or "app/guild"
	dms          map[string]string       // user id -> dm channel id
	requests     []Request
	faults       faults
	buckets      map[string]*bucket
	global       *bucket   // nil until the first request when GlobalLimit > 0
	globalUntil  time.Time // end of a forced global limit
	limited      struct{ bucket, global int }
	// injectedFaults are Inject's, in order; faultsServed counts them.
	injectedFaults []*Fault
	faultsServed   int
	archived       map[string]bool // threads archived by ArchiveThread
	nonces         map[nonceKey]nonceEntry
	nonceHits      int

	gw gateway
}

type attachmentBody struct {
	contentType string
	body        []byte
}

// New starts a fake Discord on a loopback port.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "test-token"
	}
	if opts.BotID == "" {
		opts.BotID = "1100000000000000001"
	}
	if opts.BotName == "" {
		opts.BotName = "mistralbot"
	}
	if opts.AppID == "" {
		opts.AppID = "1100000000000000002"
	}
	if opts.GuildID == "" {
		opts.GuildID = "1100000000000000003"
	}
	if opts.GeneralID == "" {
		opts.GeneralID = "1100000000000000004"
	}
	if opts.BucketLimit <= 0 {
		opts.BucketLimit = 5
	}
	if opts.BucketWindow <= 0 {
		opts.BucketWindow = 5 * time.Second
	}
	if opts.ReadLimit > 0 && opts.ReadWindow <= 0 {
		opts.ReadWindow = 5 * time.Second
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	if opts.MaxContent <= 0 {
		opts.MaxContent = 2000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NonceWindow <= 0 {
		opts.NonceWindow = 5 * time.Minute
	}
	s := &Server{
		opts:         opts,
		ids:          snowflakes{next: 1300000000000000000},
		bot:          User{ID: opts.BotID, Username: opts.BotName, Discriminator: "0", Bot: true},
		channels:     map[string]*Channel{},
		messages:     map[string][]*Message{},
		members:      map[string]map[string]*Member{},
		attachments:  map[string]attachmentBody{},
		interactions: map[string]*interaction{},
		commands:     map[string][]Command{},
		dms:          map[string]string{},
		buckets:      map[string]*bucket{},
	}
	s.gw.init()
	s.channels[opts.GeneralID] = &Channel{ID: opts.GeneralID, Type: GuildText, GuildID: opts.GuildID, Name: "general"}
	s.members[opts.GuildID] = map[string]*Member{
		opts.BotID: {User: &s.bot, Roles: []string{}, JoinedAt: timestamp(time.Now())},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/attachments/", s.serveAttachment)
	mux.HandleFunc("/api/", s.serveREST)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server and closes every gateway connection.
func (s *Server) Close() {
	s.gw.closeAll()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// URL is the base URL to give the adapter as discord.api_url.
func (s *Server) URL() string { return s.srv.URL }

// GatewayURL is the websocket URL of the fake gateway.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
}

// Options returns the effective options (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Bot returns the bot user.
func (s *Server) Bot() User { return s.bot }

// Requests returns a copy of every REST request recorded so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ContentRequests returns the recorded requests whose JSON body carries
// message content: "content" at the top level, or under "data" for
// interaction callbacks.
func (s *Server) ContentRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		m := r.JSON()
		if m == nil {
			continue
		}
		if _, ok := m["content"]; ok {
			out = append(out, r)
			continue
		}
		if d, ok := m["data"].(map[string]any); ok {
			if _, ok := d["content"]; ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// Count429 returns how many requests were answered with 429.
func (s *Server) Count429() int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// AddChannel adds or replaces a channel (a text channel, a thread, a forum).
func (s *Server) AddChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cc := c
	s.channels[c.ID] = &cc
}

// DeleteChannel removes a channel; later requests to it get 10003.
func (s *Server) DeleteChannel(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.channels, id)
	delete(s.messages, id)
}

// ChannelByID returns a copy of a channel.
func (s *Server) ChannelByID(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return *c, true
}

// SetMember sets a member of the guild (roles, nick), the bot included.
func (s *Server) SetMember(guildID string, m Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members[guildID] == nil {
		s.members[guildID] = map[string]*Member{}
	}
	mm := m
	// Discord always sends these; discordgo fails to decode a member
	// without a valid joined_at.
	if mm.JoinedAt == "" {
		mm.JoinedAt = timestamp(time.Now())
	}
	if mm.Roles == nil {
		mm.Roles = []string{}
	}
	s.members[guildID][m.User.ID] = &mm
}

// Messages returns a copy of a channel's messages, oldest first.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.messages[channelID]))
	for _, m := range s.messages[channelID] {
		out = append(out, *m)
	}
	return out
}

// NewID returns a fresh snowflake.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids.id()
}

// AddAttachment stores a file the fake serves, and returns the attachment
// object to put in a message.
func (s *Server) AddAttachment(filename, contentType string, body []byte) Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ids.id()
	path := "/attachments/" + id + "/" + filename
	s.attachments[path] = attachmentBody{contentType: contentType, body: body}
	return Attachment{ID: id, Filename: filename, ContentType: contentType, Size: len(body),
		URL: s.srv.URL + path, ProxyURL: s.srv.URL + path}
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.attachments[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	_, _ = w.Write(a.body)
}

// storeMessage appends m to its channel; the caller holds s.mu.
func (s *Server) storeMessage(m *Message) {
	s.messages[m.ChannelID] = append(s.messages[m.ChannelID], m)
}

// findMessage returns a stored message; the caller holds s.mu.
func (s *Server) findMessage(channelID, id string) *Message {
	for _, m := range s.messages[channelID] {
		if m.ID == id {
			return m
		}
	}
	return nil
}
