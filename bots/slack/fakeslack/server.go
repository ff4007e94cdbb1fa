// Package fakeslack is a fake Slack for tests, served on loopback by
// httptest: the Web API methods mistralbot's Slack adapter calls, a Socket
// Mode websocket that sends hello, delivers envelopes and records acks, file
// downloads and response_url endpoints. It speaks the real wire formats and
// enforces the real limits (msg_too_long over 4,000 characters on
// chat.update, per-workspace tier budgets answered with 429 and
// Retry-After), stores messages per channel and thread so history reads
// work, records every call, and can sign and POST events to an HTTP handler.
//
// It is not slack-go's slacktest: that fake speaks RTM on its websocket and
// lacks chat.update, streaming and conversations.replies.
package fakeslack

import (
	"cmp"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Default identities of the fake workspace.
const (
	DefaultTeamID        = "T0001"
	DefaultAppID         = "A0001"
	DefaultBotUserID     = "U0BOT"
	DefaultBotID         = "B0BOT"
	DefaultBotToken      = "xoxb-fake-bot-token"
	DefaultAppToken      = "xapp-fake-app-token"
	DefaultSigningSecret = "fake-signing-secret"
)

// Options configure a Server. Zero values take the defaults above.
type Options struct {
	TeamID        string
	AppID         string
	BotUserID     string
	BotID         string
	BotName       string
	BotToken      string
	AppToken      string
	SigningSecret string
	// Limits override the per-method budgets of DefaultLimits (by method).
	Limits map[string]Limit
	// NoLimits disables every budget (forced 429s still apply).
	NoLimits bool
	// PingInterval is how often the websocket pings the client (default 5s;
	// slack-go's socketmode reconnects after 30s without a ping).
	PingInterval time.Duration
	// DisableNativeStreaming makes chat.startStream fail with
	// feature_not_enabled, as for a workspace without AI streaming.
	DisableNativeStreaming bool
	// RefuseChunks makes chat.appendStream refuse every chunks argument
	// with invalid_chunks, as for a workspace without task cards.
	RefuseChunks bool
	// Now is the clock of the budgets and timestamps; nil means time.Now.
	Now func() time.Time
	// InMemory serves the fake over in-memory connections (net.Pipe)
	// instead of a loopback port: reach it with Client. Every goroutine
	// it starts blocks only on channels, so a test can run it inside a
	// testing/synctest bubble (create it there, and Close it there).
	InMemory bool
	// EchoBotMessages sends the bot's own posts back as message events
	// with bot_id, as Slack does (see SetEventsURL for HTTP mode).
	EchoBotMessages bool
	// Strict refuses unknown and invalid arguments with invalid_arguments
	// (see strict.go), so tests prove the bot sends only what Slack takes.
	Strict bool
	// OmitTeam leaves the team field out of inner events, as Slack does
	// on some of them: the app must take the workspace from the envelope.
	OmitTeam bool
	// NonMarketplace applies the limits Slack sets since 2025 for
	// commercially distributed apps not approved for the Marketplace:
	// conversations.history and conversations.replies at 1 request per
	// minute, pages of at most 15 messages
	// (https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
	NonMarketplace bool
	// Spread sends each Socket Mode envelope over the next open
	// connection in turn instead of the newest one: Slack sends each event
	// to one of an app's connections, picked at random
	// (slackapi/bolt-python#448, a maintainer: "the Slack API server will
	// send each event to only 1 random connection"), so replicas share the
	// events. In turn, not at random, so a test can tell who got what.
	Spread bool
	// Listener, when set, is where the fake listens (default: a random
	// loopback port); cmd/fakeslack serves it on a fixed port for compose.
	Listener net.Listener
	// PublicURL, when set, is the base URL the bot reaches the fake at
	// (the host in the Socket Mode URL, file and response_url links):
	// behind a container network name it is not the listener's address.
	PublicURL string
	// AgentView makes the fake app an agent_view app: a
	// setSuggestedPrompts call with thread_ts then silently fails (ok, but
	// nothing is set), as Slack documents.
	AgentView bool
}

// Call is one recorded request to a Web API method.
type Call struct {
	Method string
	// Params are the request parameters without the token.
	Params url.Values
	// Status is the HTTP status answered; Error the Slack error code ("" when
	// ok).
	Status int
	Error  string
	At     time.Time
}

// Server is a running fake Slack. Safe for concurrent use.
type Server struct {
	opts Options
	http *httptest.Server
	mem  *memNet
	mux  *http.ServeMux // the loopback server's routes (nil in memory)
	base string         // URL of the fake

	mu         sync.Mutex
	calls      []Call
	seq        int64 // message timestamp sequence
	channels   map[string]*channel
	notMember  map[string]bool
	archived   map[string]bool
	noDM       map[string]bool
	users      map[string]User
	files      map[string]*File
	ephemerals []Ephemeral
	responses  []Response
	statuses   []Status
	prompts    []SuggestedPrompts
	titles     []Status
	homeViews  []HomeView
	// silentFailures counts calls Slack answers ok without acting on.
	silentFailures int
	pings          []Ping
	buckets        map[string]*bucket
	forced         []forced429
	faults         []queuedFault
	faultsServed   int
	callHook       func(Call)
	responseSeq    int
	triggerSeq     int
	triggers       map[string]time.Time // trigger_id -> when issued (views.go)
	exchanged      map[string]bool      // trigger_ids views.open took
	modals         []ModalView
	responseURLs   map[string]bool

	sock socketState
	echo echoState
}

// New starts a fake Slack on a loopback port. Close it when done.
func New(opts Options) *Server {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.TeamID, DefaultTeamID)
	def(&opts.AppID, DefaultAppID)
	def(&opts.BotUserID, DefaultBotUserID)
	def(&opts.BotID, DefaultBotID)
	def(&opts.BotName, "mistralbot")
	def(&opts.BotToken, DefaultBotToken)
	def(&opts.AppToken, DefaultAppToken)
	def(&opts.SigningSecret, DefaultSigningSecret)
	if opts.PingInterval <= 0 {
		opts.PingInterval = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:         opts,
		seq:          1760001000000100,
		channels:     map[string]*channel{},
		notMember:    map[string]bool{},
		archived:     map[string]bool{},
		noDM:         map[string]bool{},
		users:        map[string]User{},
		files:        map[string]*File{},
		buckets:      map[string]*bucket{},
		responseURLs: map[string]bool{},
	}
	s.sock.init()
	s.AddUser(User{ID: opts.BotUserID, Name: opts.BotName, RealName: opts.BotName, IsBot: true})
	s.AddUser(User{ID: "U0ALICE", Name: "alice", RealName: "Alice Martin", DisplayName: "Alice", Locale: "fr-FR"})
	s.AddUser(User{ID: "U0BOB", Name: "bob", RealName: "Bob Stone", DisplayName: "bob", Locale: "en-US"})

	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/socket", s.serveSocket)
	mux.HandleFunc("GET /files-pri/{id}/{name}", s.serveFile)
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>sign in</html>")
	})
	mux.HandleFunc("POST /response/{id}", s.serveResponseURL)
	if opts.InMemory {
		s.mem = newMemNet(mux)
		s.base = memBase
		return s
	}
	s.mux = mux
	s.http = httptest.NewUnstartedServer(mux)
	if opts.Listener != nil {
		s.http.Listener.Close()
		s.http.Listener = opts.Listener
	}
	s.http.Start()
	s.base = strings.TrimSuffix(cmp.Or(opts.PublicURL, s.http.URL), "/")
	return s
}

// Handle adds a route to the fake's HTTP server (not served in memory):
// cmd/fakeslack's control endpoints. The pattern must not clash with the
// fake's own (/api/, /socket, /files-pri/, /signin, /response/).
func (s *Server) Handle(pattern string, h http.Handler) {
	if s.mux != nil {
		s.mux.Handle(pattern, h)
	}
}

// Close stops the server and closes the websocket.
func (s *Server) Close() {
	s.echo.wg.Wait()
	s.sock.closeAll()
	if s.mem != nil {
		s.mem.close()
	} else {
		s.http.CloseClientConnections()
		s.http.Close()
	}
	s.sock.wait()
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.base }

// APIURL is the Web API base to configure as slack.api_url.
func (s *Server) APIURL() string { return s.base + "/api/" }

// Options returns the effective options (defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Client returns an HTTP client for the server.
// With InMemory it is the only way in: its transport dials the fake over
// in-memory pipes.
func (s *Server) Client() *http.Client {
	if s.mem != nil {
		return s.mem.client()
	}
	return s.http.Client()
}

// OnCall registers f to be called after each recorded Web API call (nil
// removes it). f must not call back into the Server's locked methods
// synchronously for long; it runs on the request goroutine.
func (s *Server) OnCall(f func(Call)) {
	s.mu.Lock()
	s.callHook = f
	s.mu.Unlock()
}

// Calls returns every recorded Web API call, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the recorded calls of one method.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Count returns how many calls of method were answered with status (0 means
// any status).
func (s *Server) Count(method string, status int) int {
	n := 0
	for _, c := range s.CallsTo(method) {
		if status == 0 || c.Status == status {
			n++
		}
	}
	return n
}

// RateLimited returns how many calls were answered 429.
func (s *Server) RateLimited() int {
	n := 0
	for _, c := range s.Calls() {
		if c.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls (messages are kept).
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	hook := s.callHook
	s.mu.Unlock()
	if hook != nil {
		hook(c)
	}
}

// apiResult is what a method handler answers.
type apiResult struct {
	status int
	body   map[string]any
	header http.Header
}

func ok(fields map[string]any) apiResult {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return apiResult{status: http.StatusOK, body: fields}
}

// fail answers ok:false with code and the fields Slack sends with it
// (https://docs.slack.dev/apis/web-api/#errors: missing_scope names the
// scope needed and those provided; invalid_arguments explains itself in
// response_metadata.messages).
func fail(code string) apiResult {
	body := map[string]any{"ok": false, "error": code}
	switch code {
	case "missing_scope":
		body["needed"] = "chat:write"
		body["provided"] = "channels:history,users:read"
	case "invalid_arguments":
		body["response_metadata"] = map[string]any{"messages": []any{"[ERROR] invalid argument"}}
	}
	return apiResult{status: http.StatusOK, body: body}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	params, token, err := readParams(r)
	call := Call{Method: method, Params: params, At: s.opts.Now()}
	fault, faulted := s.takeFault(method, false)
	if faulted && serveFaultBefore(w, fault) {
		call.Status, call.Error = faultStatus(fault), fault.Code
		if fault.Kind == RateLimit {
			call.Error = "ratelimited"
		}
		s.record(call)
		return
	}
	var res apiResult
	switch {
	case err != nil:
		res = fail("invalid_form_data")
	default:
		res = s.dispatch(method, token, params)
	}
	call.Status = res.status
	if res.body != nil {
		if e, _ := res.body["error"].(string); e != "" && res.body["ok"] == false {
			call.Error = e
		}
	}
	s.record(call)
	if faulted {
		serveFaultAfter(w, r, fault)
		return
	}
	writeResult(w, res)
}

func faultStatus(f Fault) int {
	switch f.Kind {
	case HTML:
		if f.Status == 0 {
			return http.StatusBadGateway
		}
		return f.Status
	case RateLimit:
		return http.StatusTooManyRequests
	}
	return http.StatusOK
}

func writeResult(w http.ResponseWriter, res apiResult) {
	for k, v := range res.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(res.status)
	if res.body != nil {
		_ = json.NewEncoder(w).Encode(res.body)
	}
}

// readParams reads form or JSON parameters and the token (form field or
// Authorization bearer).
func readParams(r *http.Request) (url.Values, string, error) {
	params := url.Values{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, "", err
		}
		if len(strings.TrimSpace(string(body))) > 0 && string(body) != "null" {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, "", err
			}
			for k, v := range m {
				if s, isStr := v.(string); isStr {
					params.Set(k, s)
					continue
				}
				b, _ := json.Marshal(v)
				params.Set(k, string(b))
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, "", err
		}
		params = maps.Clone(r.Form)
	}
	token := params.Get("token")
	params.Del("token")
	if h, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		token = h
	}
	return params, token, nil
}

// dispatch checks the token and the budgets, then runs the method.
func (s *Server) dispatch(method, token string, p url.Values) apiResult {
	h, known := s.methods()[method]
	if !known {
		return fail("unknown_method")
	}
	want := s.opts.BotToken
	if method == "apps.connections.open" {
		want = s.opts.AppToken
	}
	if token == "" {
		return fail("not_authed")
	}
	if token != want {
		return fail("invalid_auth")
	}
	if s.opts.Strict {
		if bad := strictCheck(method, p); len(bad) > 0 {
			return invalidArguments(bad)
		}
	}
	if res, limited := s.checkLimit(method, p); limited {
		return res
	}
	return h(p)
}

func (s *Server) methods() map[string]func(url.Values) apiResult {
	return map[string]func(url.Values) apiResult{
		"auth.test":                             s.authTest,
		"apps.connections.open":                 s.connectionsOpen,
		"chat.postMessage":                      s.chatPostMessage,
		"chat.update":                           s.chatUpdate,
		"chat.delete":                           s.chatDelete,
		"chat.postEphemeral":                    s.chatPostEphemeral,
		"chat.startStream":                      s.chatStartStream,
		"chat.appendStream":                     s.chatAppendStream,
		"chat.stopStream":                       s.chatStopStream,
		"conversations.replies":                 s.conversationsReplies,
		"conversations.history":                 s.conversationsHistory,
		"chat.getPermalink":                     s.chatGetPermalink,
		"conversations.open":                    s.conversationsOpen,
		"users.info":                            s.usersInfo,
		"files.info":                            s.filesInfo,
		"assistant.threads.setStatus":           s.assistantSetStatus,
		"assistant.threads.setSuggestedPrompts": s.assistantSetPrompts,
		"assistant.threads.setTitle":            s.assistantSetTitle,
		"views.publish":                         s.viewsPublish,
		"views.open":                            s.viewsOpen, // views.go
	}
}

func (s *Server) authTest(url.Values) apiResult {
	return ok(map[string]any{
		"url":     "https://fake.slack.com/",
		"team":    "Fake Team",
		"user":    s.opts.BotName,
		"team_id": s.opts.TeamID,
		"user_id": s.opts.BotUserID,
		"bot_id":  s.opts.BotID,
	})
}
