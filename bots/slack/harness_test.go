package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harnessOptions shape one end-to-end setup.
type harnessOptions struct {
	mode   string // ModeSocket (default) or ModeHTTP
	native bool
	fake   fakeslack.Options
	llm    llmtest.Options
	engine func(*engine.Options)
	adapt  func(*Options)
	// llmURL, when set, maps the fake LLM's base URL to the one the client
	// uses (a measuring proxy).
	llmURL func(string) string
}

// harness runs the real adapter, Engine, llm client and memory store
// against fakeslack and llmtest on loopback.
type harness struct {
	t       testing.TB
	mode    string
	fake    *fakeslack.Server
	llm     *llmtest.Server
	engine  *engine.Engine
	adapter *Adapter
	app     *httptest.Server // http mode: the adapter's Handler
	client  *http.Client
	logs    *syncBuffer
	events  atomic.Int64
}

// syncBuffer collects log lines; they are printed only when a test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t testing.TB, ho harnessOptions) *harness {
	t.Helper()
	if ho.mode == "" {
		ho.mode = ModeSocket
	}
	h := &harness{t: t, mode: ho.mode, logs: &syncBuffer{}}
	ho.fake.Strict = true // every test proves the bot sends only what Slack takes
	h.fake = fakeslack.New(ho.fake)
	t.Cleanup(h.fake.Close)
	h.llm = llmtest.New(ho.llm)
	t.Cleanup(h.llm.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", h.logs.String())
		}
	})
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	h.client = &http.Client{Transport: transport, Timeout: 30 * time.Second}

	base := h.llm.URL()
	if ho.llmURL != nil {
		base = ho.llmURL(base)
	}
	client, err := llm.New(llm.Options{Dialect: llm.Dialect(h.llm.Dialect()), BaseURL: base, APIKey: "test-key", HTTPClient: h.client, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	eo := enginetest.WithConfigDefaults(t, engine.Options{
		LLM:            llmcompleter.New(client),
		Store:          store.NewMemory(store.MemoryOptions{}),
		Defaults:       engine.Defaults{FollowThreads: true},
		MaxConcurrency: 32,
		CommandPrefix:  "/",
		Logger:         logger.With("component", "engine"),
	})
	if ho.engine != nil {
		ho.engine(&eo)
	}
	h.engine, err = engine.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	fo := h.fake.Options()
	opts := Options{
		BotToken: fo.BotToken, AppToken: fo.AppToken, SigningSecret: fo.SigningSecret,
		Mode: ho.mode, APIURL: h.fake.APIURL(), NativeStreaming: ho.native, FollowThreads: true,
		AttachmentMaxBytes: 100_000, // config's default
		TranslateReactions: eo.TranslateReactions,
		Engine:             h.engine, Logger: logger, HTTPClient: h.client, Hooks: countingHooks{h},
	}
	if ho.adapt != nil {
		ho.adapt(&opts)
	}
	h.adapter, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if ho.mode == ModeHTTP {
		h.app = httptest.NewServer(h.adapter.Handler())
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := h.engine.Run(ctx); err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	wg.Go(func() {
		if err := h.adapter.Run(ctx); err != nil {
			t.Errorf("adapter: %v", err)
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if h.app != nil {
			h.app.Close()
		}
	})
	h.waitFor("adapter ready", h.adapter.Ready)
	return h
}

type countingHooks struct{ h *harness }

func (c countingHooks) Event(string)            { c.h.events.Add(1) }
func (c countingHooks) Deduped()                {}
func (c countingHooks) RateLimited(string)      {}
func (c countingHooks) APIError(string, string) {}

// waitFor polls cond until it holds (15s at most).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var eventSeq atomic.Int64

func nextEventID() string { return fmt.Sprintf("Ev%08d", eventSeq.Add(1)) }

// deliverEvent sends an Events API body the way the harness's mode does:
// a Socket Mode envelope (waiting for its ack) or a signed POST (expecting
// 200). retry > 0 marks a redelivery.
func (h *harness) deliverEvent(body []byte, retry int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h.mode == ModeSocket {
		env := fakeslack.Envelope{Type: "events_api", Payload: body, RetryAttempt: retry}
		if retry > 0 {
			env.RetryReason = "timeout"
		}
		id, err := h.fake.Send(ctx, env)
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.fake.WaitAck(ctx, id); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	d := fakeslack.Delivery{Body: body, RetryNum: retry}
	if retry > 0 {
		d.RetryReason = "http_timeout"
	}
	status, resp, err := h.fake.Deliver(ctx, h.client, h.app.URL+"/slack/events", d)
	if err != nil {
		h.t.Fatal(err)
	}
	if status != http.StatusOK {
		h.t.Fatalf("events endpoint answered %d %q", status, resp)
	}
}

// say posts a user message in the fake and delivers its events: for a
// mention both app_mention and message (as Slack does), else message.
func (h *harness) say(channel, thread, user, text string, files ...*fakeslack.File) fakeslack.Message {
	h.t.Helper()
	m := h.fake.PostUserMessage(channel, thread, user, text, files...)
	if strings.Contains(text, "<@"+h.fake.Options().BotUserID+">") && !strings.HasPrefix(channel, "D") {
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention)), 0)
	}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.MessageEv)), 0)
	return m
}

// command delivers a slash command (socket envelope or signed form POST).
func (h *harness) command(command, text, channel, user string) {
	h.t.Helper()
	form := h.fake.SlashCommand(command, text, channel, user)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h.mode == ModeSocket {
		id, err := h.fake.Send(ctx, fakeslack.Envelope{Type: "slash_commands", Payload: fakeslack.CommandPayload(form)})
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.fake.WaitAck(ctx, id); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	status, body, err := h.fake.Deliver(ctx, h.client, h.app.URL+"/slack/commands",
		fakeslack.Delivery{Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK || body != "" {
		h.t.Fatalf("commands endpoint: %d %q %v", status, body, err)
	}
}

// interaction delivers an interaction payload.
func (h *harness) interaction(payload []byte) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h.mode == ModeSocket {
		id, err := h.fake.Send(ctx, fakeslack.Envelope{Type: "interactive", Payload: json.RawMessage(payload)})
		if err != nil {
			h.t.Fatal(err)
		}
		if _, err := h.fake.WaitAck(ctx, id); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	status, _, err := h.fake.Deliver(ctx, h.client, h.app.URL+"/slack/interactions",
		fakeslack.Delivery{Body: fakeslack.InteractionForm(payload), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		h.t.Fatalf("interactions endpoint: %d %v", status, err)
	}
}

// finalReply waits until the bot's replies in a thread are complete (the
// last one's text equals want once rendered) and returns them.
func (h *harness) replies(channel, thread string) []fakeslack.Message {
	return h.fake.BotReplies(channel, thread)
}

// waitReplyText waits for the bot's messages in the thread to show want
// (the joined bodies), and returns them.
func (h *harness) waitReplyText(channel, thread, want string) []fakeslack.Message {
	h.t.Helper()
	var got []fakeslack.Message
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = h.replies(channel, thread)
		if joinBodies(got) == want && !streaming(got) {
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("reply in %s/%s:\n got %q\nwant %q", channel, thread, joinBodies(got), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func joinBodies(msgs []fakeslack.Message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Body())
	}
	return strings.Join(parts, "\n")
}

func streaming(msgs []fakeslack.Message) bool {
	for _, m := range msgs {
		if m.Streaming {
			return true
		}
	}
	return false
}

// forModes runs f as a subtest in both connection modes.
func forModes(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range []string{ModeSocket, ModeHTTP} {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// lastUserContent returns the last user message the model received.
func (h *harness) lastUserContent() string {
	reqs := h.llm.Requests()
	if len(reqs) == 0 {
		return ""
	}
	msgs := reqs[len(reqs)-1].Messages
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}
