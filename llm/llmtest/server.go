// Package llmtest is a fake chat-completions server for tests and local
// runs. It speaks the OpenRouter, Mistral and generic OpenAI-compatible
// dialects byte for byte as captured in the fixtures (keep-alive comments,
// gen- ids, usage chunk shapes, error envelopes, Mistral's 422 on unknown
// fields), plays scripted scenarios (slow tokens, every error before and
// during a stream, retired models, 429 with Retry-After, reasoning) and
// records every request so tests can assert on the exact JSON sent. It
// does not import package llm, so llm's own tests can use it.
package llmtest

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Dialect selects the wire format the server speaks.
type Dialect string

// The dialects, spelled like llm.Dialect.
const (
	OpenRouter Dialect = "openrouter"
	Mistral    Dialect = "mistral"
	OpenAI     Dialect = "openai"
)

// Options configure a Server.
type Options struct {
	// Dialect is the wire format (default OpenRouter).
	Dialect Dialect
	// APIKey, when set, must arrive as "Authorization: Bearer <APIKey>";
	// other requests get the dialect's 401.
	APIKey string
	// Retired model ids are refused as unknown: OpenRouter 404 "No
	// endpoints found for <id>." (400 "<id> is not a valid model ID" when
	// RetiredStatus is 400), Mistral 400 unknown_model "Invalid model:
	// <id>", generic 404 "The model `<id>` does not exist.". They are
	// left out of GET /models.
	Retired       []string
	RetiredStatus int
	// Models is the GET /models listing (nil: the dialect's default).
	Models []Model
	// Delay is the default pause before each chunk.
	Delay time.Duration
	// Default answers requests no scripted scenario matches.
	Default Scenario
	// Listener, when set, is where the server listens (default: a random
	// loopback port).
	Listener net.Listener
	// ScenarioFor, when set, picks the scenario of every chat request from
	// its last user message, before the scripted queue and the default
	// (ok false: fall through to them). The load tool uses it to vary
	// replies, timings and errors per conversation.
	ScenarioFor func(lastUser string) (sc Scenario, ok bool)
	// Trace, when set, is called as each chat request arrives and as the
	// first and last content chunks of its answer are flushed.
	Trace func(Trace)
	// NoRecord keeps requests out of Requests (long load runs).
	NoRecord bool
	// TLS serves HTTPS with HTTP/2, as the providers do (streams then
	// share connections). Clients must trust Certificate.
	TLS bool
	// Server is the generic server imitated by the OpenAI dialect (default
	// VLLM): see ServerKind.
	Server ServerKind
	// ContextTokens, when set, is the server's context window, counted with
	// PromptTokens: a longer prompt is refused in the dialect's words, or
	// truncated from the front by Ollama.
	ContextTokens int
	// NoTools makes the server refuse requests that carry tools, in its
	// words (refuseTools); Mistral's API takes tools for every model.
	NoTools bool
	// Slots, when set, is how many chat requests are processed at once,
	// as a local server with that many parallel slots; the others wait in
	// order before any header is sent.
	Slots int
	// OCRPages is the markdown of each page of every document sent to
	// the Mistral dialect's POST /v1/ocr (nil: one page, "OCR page 1.").
	OCRPages []string
	// Transcript and TranscriptSeconds are the text and billed audio of
	// every answer of POST /v1/audio/transcriptions (Mistral dialect;
	// defaults "Transcribed words." and 5 seconds). The seconds are an
	// integer, as in Mistral's UsageInfo; a negative value answers
	// "prompt_audio_seconds": null (the field is nullable there).
	Transcript        string
	TranscriptSeconds int
}

// TraceEvent is what a Trace reports.
type TraceEvent int

// The events of a traced chat request.
const (
	// TraceRequest: a chat request arrived.
	TraceRequest TraceEvent = iota
	// TraceFirstToken: the first content chunk was written and flushed.
	TraceFirstToken
	// TraceLastToken: the last content chunk was written and flushed.
	TraceLastToken
)

// Trace is one traced moment of a chat request.
type Trace struct {
	Event TraceEvent
	// LastUser is the request's last user message, trimmed.
	LastUser string
	At       time.Time
}

// Message is one chat message of a recorded request.
type Message struct {
	Role string
	// Content is the text: the string content, or the text parts of a
	// content array joined by newlines.
	Content string
	// Images are the image parts of a content array, in order.
	Images []Image
	// ToolCalls are an assistant message's tool_calls; ToolCallID and
	// Name a tool message's fields.
	ToolCalls  []ToolCall
	ToolCallID string
	Name       string
}

// RecordedRequest is one request the server received, recorded before it
// was validated.
type RecordedRequest struct {
	Method string
	Path   string
	Header http.Header
	// Body is the raw request body, byte for byte.
	Body []byte
	// Model, Models and Messages are parsed from a chat request's body.
	Model    string
	Models   []string
	Messages []Message
	// Tools are the declared function names, in order; ToolChoice and
	// Plugins the raw JSON of tool_choice and plugins ("" when absent).
	Tools      []string
	ToolChoice string
	Plugins    string
}

// Server is a running fake. Safe for concurrent use.
type Server struct {
	opts Options
	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	mu    sync.Mutex
	queue []queued
	ocr   []OCRScenario
	stt   []OCRScenario
	def   Scenario
	reqs  []RecordedRequest
	seq   int

	slots     chan struct{} // Options.Slots
	busy      int
	maxBusy   int
	abandoned int
	cancelled int
	truncated int
	loaded    map[string]bool // Ollama: models a chat request loaded
	changed   chan struct{}   // closed when a counter changes
}

type queued struct {
	sc   Scenario
	left int
}

// New starts a server. Close it.
func New(opts Options) *Server {
	if opts.Dialect == "" {
		opts.Dialect = OpenRouter
	}
	if opts.RetiredStatus == 0 {
		opts.RetiredStatus = http.StatusNotFound
	}
	s := &Server{opts: opts, done: make(chan struct{}), def: opts.Default, loaded: map[string]bool{}}
	if opts.Slots > 0 {
		s.slots = make(chan struct{}, opts.Slots)
	}
	h := http.HandlerFunc(s.serveHTTP)
	s.srv = httptest.NewUnstartedServer(h)
	if opts.Listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = opts.Listener
	}
	if opts.TLS {
		s.srv.EnableHTTP2 = true
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// Certificate returns the server's certificate with TLS (nil without):
// add it to a client's roots, or write it to a file for SSL_CERT_FILE.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// Client returns an HTTP client that trusts the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// URL returns the API base to configure (llm.Options.BaseURL): the
// server's address plus /v1. Any path prefix works.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Dialect returns the dialect the server speaks.
func (s *Server) Dialect() Dialect { return s.opts.Dialect }

// Close stops the server, ending stalled and delayed streams, and waits
// for every handler to return.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Script queues scenarios. Each request takes the first queued scenario
// whose Model matches it, and the scenario leaves the queue after Times
// requests; requests nothing matches get the default scenario.
func (s *Server) Script(scs ...Scenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scs {
		s.queue = append(s.queue, queued{sc: sc, left: sc.times()})
	}
}

// SetDefault replaces the default scenario.
func (s *Server) SetDefault(sc Scenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = sc
}

// Requests returns a copy of the requests received so far, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// ChatRequests returns the chat-completion requests received so far,
// oldest first: Requests without the model listings (GET /models, Ollama's
// /api/*) a client makes to learn about the server.
func (s *Server) ChatRequests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RecordedRequest
	for _, r := range s.reqs {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/chat/completions") {
			out = append(out, r)
		}
	}
	return out
}

// Pending returns how many scripted answers are still queued.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queue {
		n += q.left
	}
	return n
}

// take removes and returns the scenario for a request for model; ok is
// false when only the default matched.
func (s *Server) take(model string) (Scenario, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.queue {
		q := &s.queue[i]
		if q.sc.Model != "" && q.sc.Model != model {
			continue
		}
		sc := q.sc
		if q.left--; q.left <= 0 {
			s.queue = slices.Delete(s.queue, i, i+1)
		}
		return sc, true
	}
	return s.def, false
}

// next returns a fresh sequence number for ids and timestamps.
func (s *Server) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	req := chatRequest{dialect: s.opts.Dialect}
	chat := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions")
	parseErr := error(nil)
	if chat {
		parseErr = json.Unmarshal(body, &req)
		rec.Model, rec.Models, rec.Messages = req.Model, req.Models, req.messages()
		rec.Tools, rec.ToolChoice, rec.Plugins = req.toolNames(), rawOrEmpty(req.ToolChoice), rawOrEmpty(req.Plugins)
	}
	if !s.opts.NoRecord {
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
	}
	if chat && parseErr == nil && s.opts.Trace != nil {
		s.opts.Trace(Trace{Event: TraceRequest, LastUser: lastUserText(req.messages()), At: time.Now()})
	}

	if s.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.APIKey {
		s.writeError(w, http.StatusUnauthorized, "", "", "")
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models"):
		s.serveModels(w)
	case s.kind() == Ollama && strings.HasPrefix(r.URL.Path, "/api/"):
		s.serveOllama(w, r, body)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/ocr") && s.opts.Dialect == Mistral:
		s.serveOCR(w, body)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/audio/transcriptions") && s.opts.Dialect == Mistral:
		s.serveTranscription(w, r.Header.Get("Content-Type"), body)
	case chat && parseErr != nil:
		s.writeError(w, http.StatusBadRequest, "invalid JSON body: "+parseErr.Error(), "", "")
	case chat:
		s.serveChat(w, r, body, req)
	default:
		http.NotFound(w, r)
	}
}

// serveChat answers a chat request: validation, retired models, then the
// scenario of the first candidate model that answers.
func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, body []byte, req chatRequest) {
	if s.opts.Dialect == Mistral {
		if extra := mistralExtraFields(body); extra != "" {
			writeJSON(w, http.StatusUnprocessableEntity, extra, "")
			return
		}
	}
	if len(req.Messages) == 0 {
		s.writeError(w, http.StatusBadRequest, "messages must not be empty", "", "")
		return
	}
	msgs, err := req.parse()
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error(), "", "")
		return
	}
	if s.refuseImages(w, req.Model, msgs) {
		return
	}
	if s.refuseTools(w, req, msgs) {
		return
	}
	if s.tooManyModels(w, req) {
		return
	}
	release, ok := s.acquire(r)
	if !ok {
		return
	}
	defer release()
	answered, promptTokens := s.overflow(w, &req)
	if answered {
		return
	}
	if s.kind() == Ollama {
		s.mu.Lock()
		s.loaded[ollamaName(req.Model)] = true
		s.mu.Unlock()
	}
	cands := []string{req.Model}
	if s.opts.Dialect == OpenRouter {
		for _, m := range req.Models {
			if !slices.Contains(cands, m) {
				cands = append(cands, m)
			}
		}
	}
	for i, model := range cands {
		if slices.Contains(s.opts.Retired, model) {
			if i == 0 || i == len(cands)-1 {
				s.writeRetired(w, model)
				return
			}
			continue
		}
		sc, ok := Scenario{}, false
		if s.opts.ScenarioFor != nil {
			sc, ok = s.opts.ScenarioFor(lastUserText(req.messages()))
		}
		if !ok {
			sc, _ = s.take(model)
		}
		// OpenRouter walks the models list itself when a model is down.
		if i < len(cands)-1 && !sc.ErrorIn200 && (sc.Status == 429 || sc.Status >= 500) {
			continue
		}
		s.answer(w, r, sc, req, model, promptTokens)
		return
	}
}

// answer plays sc for a request answered by model.
// promptTokens, when set, is the prompt_tokens to report.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, sc Scenario, req chatRequest, model string, promptTokens int) {
	if sc.RetryAfter != "" {
		w.Header().Set("Retry-After", sc.RetryAfter)
	}
	switch {
	case sc.ErrorIn200:
		code := sc.Status
		if code == 0 {
			code = http.StatusTooManyRequests
		}
		msg := sc.Message
		if msg == "" {
			msg = defaultMessage(code)
		}
		body := sc.Body
		if body == "" {
			body = `{"error":{"message":` + q(msg) + `,"code":` + itoa(code) + `},"user_id":"user_2abc"}`
		}
		writeJSON(w, http.StatusOK, body, "")
		return
	case sc.Status >= 400:
		s.writeError(w, sc.Status, sc.Message, sc.Body, sc.RetryAfter)
		return
	}
	if sc.AnswerModel != "" {
		model = sc.AnswerModel
	}
	st := &streamer{srv: s, w: w, r: r, sc: sc, req: req, model: model, seq: s.next(), prompt: promptTokens}
	if sc.JSON {
		st.whole()
		return
	}
	st.run()
}

// wait pauses for d unless the request or the server ends first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		s.clientGone()
	case <-s.done:
	}
	return false
}

// chatRequest is what the server reads from a request body.
type chatRequest struct {
	Model    string   `json:"model"`
	Models   []string `json:"models"`
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCalls  []wireToolCall  `json:"tool_calls"`
		ToolCallID string          `json:"tool_call_id"`
		Name       string          `json:"name"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice    json.RawMessage `json:"tool_choice"`
	Plugins       json.RawMessage `json:"plugins"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens int `json:"max_tokens"`
	// dialect is the server's, for reading content parts.
	dialect Dialect
}

func (c chatRequest) messages() []Message {
	msgs, _ := c.parse()
	return msgs
}

// parse reads every message's content in the request's dialect; err is
// the first malformed content. A content that does not parse is recorded
// as its raw JSON.
func (c chatRequest) parse() ([]Message, error) {
	out := make([]Message, 0, len(c.Messages))
	var first error
	for i, m := range c.Messages {
		text, images, err := parseContent(c.dialect, m.Content)
		if err != nil {
			text = string(m.Content)
			if first == nil {
				first = fmt.Errorf("messages[%d].%w", i, err)
			}
		}
		msg := Message{Role: m.Role, Content: text, Images: images, ToolCallID: m.ToolCallID, Name: m.Name}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
		}
		out = append(out, msg)
	}
	return out, first
}
