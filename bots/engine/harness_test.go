package engine_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/store"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// fakeConv is the adapter edge: history per key, and replies that record
// every Update and Finish.
type fakeConv struct {
	mu           sync.Mutex
	history      map[bots.ConversationKey][]bots.Turn
	historyCalls int
	historyErr   error
	replies      []*fakeReply
	finished     chan *fakeReply
	// openHook, when set, runs in OpenReply; its error fails it.
	openHook func(ctx context.Context) error
}

func newFakeConv() *fakeConv {
	return &fakeConv{history: map[bots.ConversationKey][]bots.Turn{}, finished: make(chan *fakeReply, 256)}
}

func (c *fakeConv) History(_ context.Context, key bots.ConversationKey, limit int) ([]bots.Turn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.historyCalls++
	if c.historyErr != nil {
		return nil, c.historyErr
	}
	h := c.history[key]
	if len(h) > limit {
		h = h[len(h)-limit:]
	}
	return append([]bots.Turn(nil), h...), nil
}

func (c *fakeConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	if c.openHook != nil {
		if err := c.openHook(ctx); err != nil {
			return nil, err
		}
	}
	r := &fakeReply{key: key, to: to, conv: c}
	c.mu.Lock()
	c.replies = append(c.replies, r)
	c.mu.Unlock()
	return r, nil
}

// updated counts the replies that got at least one Update.
func (c *fakeConv) updated() int {
	c.mu.Lock()
	rs := append([]*fakeReply(nil), c.replies...)
	c.mu.Unlock()
	n := 0
	for _, r := range rs {
		if len(r.Updates()) > 0 {
			n++
		}
	}
	return n
}

func (c *fakeConv) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.historyCalls
}

// wait returns the next n finished replies, in finishing order.
func (c *fakeConv) wait(t *testing.T, n int) []*fakeReply {
	t.Helper()
	var out []*fakeReply
	for len(out) < n {
		select {
		case r := <-c.finished:
			out = append(out, r)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d finished replies, want %d", len(out), n)
		}
	}
	return out
}

// none checks that no further reply finishes for a short while.
func (c *fakeConv) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-c.finished:
		t.Fatalf("unexpected reply to %q: %q", r.to.Text, r.Final())
	case <-time.After(100 * time.Millisecond):
	}
}

type fakeReply struct {
	conv     *fakeConv
	key      bots.ConversationKey
	to       bots.Message
	mu       sync.Mutex
	updates  []string
	final    string
	finishes int
}

func (r *fakeReply) Update(_ context.Context, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finishes > 0 {
		return errors.New("update after finish")
	}
	r.updates = append(r.updates, text)
	return nil
}

func (r *fakeReply) Finish(_ context.Context, text string) error {
	r.mu.Lock()
	r.final = text
	r.finishes++
	r.mu.Unlock()
	r.conv.finished <- r
	return nil
}

func (r *fakeReply) Final() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.final
}

func (r *fakeReply) Updates() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.updates...)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// harness is an Engine on the real llm client against llmtest, a memory
// store and a fake adapter.
type harness struct {
	srv   *llmtest.Server
	store *store.Memory
	eng   *engine.Engine
	conv  *fakeConv
	clk   *clock
	stop  context.CancelFunc
	done  chan error
}

type harnessOptions struct {
	server llmtest.Options
	engine func(*engine.Options)
	store  func(*store.Memory) bots.Store
	noRun  bool
	// baseURL replaces llmtest with another server; httpClient, when
	// set, is the llm client's (for a server over TLS).
	baseURL    string
	httpClient *http.Client
}

func newHarness(t testing.TB, ho harnessOptions) *harness {
	t.Helper()
	// Registered first, so it runs last: after Run returned and the server
	// closed, no goroutine of the Engine may be left.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	h := &harness{conv: newFakeConv(), clk: &clock{t: time.Date(2026, 11, 25, 14, 2, 30, 0, time.UTC)}}
	h.srv = llmtest.New(ho.server)
	t.Cleanup(h.srv.Close)
	base := h.srv.URL()
	if ho.baseURL != "" {
		base = ho.baseURL
	}
	hc := ho.httpClient
	if hc == nil && ho.server.TLS {
		hc = h.srv.Client() // HTTP/2, trusting the server's certificate
	}
	client, err := llm.New(llm.Options{
		Dialect: llm.Dialect(h.srv.Dialect()), BaseURL: base, APIKey: "test-key",
		Model: "mistralai/mistral-small-3.2-24b-instruct", MaxRetries: -1, IdleTimeout: 5 * time.Second,
		HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.store = store.NewMemory(store.MemoryOptions{Now: h.clk.Now})
	var st bots.Store = h.store
	if ho.store != nil {
		st = ho.store(h.store)
	}
	opts := enginetest.WithConfigDefaults(t, engine.Options{
		LLM: llmcompleter.New(client), Store: st, Now: h.clk.Now, Logger: testLogger(),
		Defaults:       engine.Defaults{FollowThreads: true, HistoryMessages: 50, Language: "auto", SystemPrompt: "You are Mistral Small, a helpful assistant."},
		MaxConcurrency: 2, Temperature: 0.3, CommandPrefix: "/",
	})
	if ho.engine != nil {
		ho.engine(&opts)
	}
	h.eng, err = engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !ho.noRun {
		h.start(t)
	}
	return h
}

func (h *harness) start(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.eng.Run(ctx) }()
	t.Cleanup(func() { h.shutdown(t) })
}

// shutdown ends Run and waits for it (idempotent).
func (h *harness) shutdown(t testing.TB) {
	if h.stop == nil {
		return
	}
	h.stop()
	h.stop = nil
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
}

// lastSystem returns the system message of the i-th recorded request.
func (h *harness) request(t *testing.T, i int) llmtest.RecordedRequest {
	t.Helper()
	reqs := h.srv.Requests()
	if i >= len(reqs) {
		t.Fatalf("%d requests recorded, want at least %d", len(reqs), i+1)
	}
	return reqs[i]
}

var slackKey = bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1700.1"}

// mention is a Slack mention in channel C1 opening thread 1700.1.
func mention(id, text string) bots.Message {
	return bots.Message{Key: slackKey, ID: id, SettingsChannel: "C1", UserID: "U1", UserName: "Alice",
		Text: text, Mentioned: true}
}

func testLogger() *slog.Logger {
	if os.Getenv("BOTS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu      sync.Mutex
	replies []bots.ReplyStats
	refused []string
}

func (r *recorder) ReplyDone(s bots.ReplyStats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, s)
}

func (r *recorder) Refused(p bots.Platform, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, string(p)+":"+reason)
}

func (r *recorder) snapshot() ([]bots.ReplyStats, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bots.ReplyStats(nil), r.replies...), append([]string(nil), r.refused...)
}
