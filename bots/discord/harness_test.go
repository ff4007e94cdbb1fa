package discord

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/store"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// harness runs the adapter for real: the real Engine with a memory store,
// the real llm client against llmtest, and the adapter against the fake
// Discord, all on loopback.
type harness struct {
	t      testing.TB
	dc     *discordtest.Server
	llm    *llmtest.Server
	eng    *engine.Engine
	store  *store.Memory
	a      *Adapter
	alice  discordtest.User
	runErr chan error
	stop   func()
}

type harnessConfig struct {
	fake    discordtest.Options
	adapter func(*Options)
	engine  func(*engine.Options)
	llm     llmtest.Options
	// llmClient is the HTTP client of the llm client (nil: default).
	llmClient *http.Client
	noRun     bool
	// setup prepares the fake before the bot connects.
	setup func(*discordtest.Server)
}

// quietLogger keeps test output readable; set DISCORD_TEST_LOG=1 to see
// the adapter's logs.
func quietLogger() *slog.Logger {
	if os.Getenv("DISCORD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func newHarness(t testing.TB, cfg harnessConfig) *harness {
	t.Helper()
	if cfg.fake.BucketWindow == 0 {
		cfg.fake.BucketWindow = 400 * time.Millisecond
	}
	dc := discordtest.New(cfg.fake)
	if cfg.setup != nil {
		cfg.setup(dc)
	}
	ls := llmtest.New(cfg.llm)
	client, err := llm.New(llm.Options{Dialect: llm.Dialect(ls.Dialect()), BaseURL: ls.URL(), APIKey: "test", MaxRetries: -1, Logger: quietLogger(),
		HTTPClient: cfg.llmClient})
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemory(store.MemoryOptions{})
	eo := enginetest.WithConfigDefaults(t, engine.Options{
		LLM: llmcompleter.New(client), Store: mem,
		Defaults:      engine.Defaults{FollowThreads: true},
		ShutdownGrace: 2 * time.Second, CommandPrefix: "/", Logger: quietLogger(),
		TranslateReactions: true,
	})
	if cfg.engine != nil {
		cfg.engine(&eo)
	}
	eng, err := engine.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Token: dc.Options().Token, ApplicationID: dc.Options().AppID, APIURL: dc.URL(), GatewayURL: dc.GatewayURL(),
		FollowThreads: true, TranslateReactions: true, Engine: eng, Logger: quietLogger(),
		MinEditInterval: 100 * time.Millisecond, ReconnectDelay: 50 * time.Millisecond, MaxReconnects: 3,
		OpenTimeout: 5 * time.Second,
		ShardCount:  1, AttachmentMaxBytes: 100_000, GlobalPerSecond: 50, // config's defaults
		ShutdownGrace: 2 * time.Second,
	}
	if cfg.adapter != nil {
		cfg.adapter(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, dc: dc, llm: ls, eng: eng, store: mem, a: a, runErr: make(chan error, 1),
		alice: discordtest.User{ID: "1100000000000000005", Username: "alice", GlobalName: strp("Alice"), Discriminator: "0"}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = eng.Run(ctx) }()
	if !cfg.noRun {
		wg.Add(1)
		go func() { defer wg.Done(); h.runErr <- a.Run(ctx) }()
	}
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			dc.Close()
			ls.Close()
		})
	}
	t.Cleanup(h.stop)
	if !cfg.noRun {
		h.waitFor("gateway ready", 5*time.Second, a.Ready)
	}
	return h
}

func strp(s string) *string { return &s }

// waitFor polls cond until it holds or the timeout fails the test.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := discordtest.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("timed out waiting for %s", what)
	}
}

// botMessages returns the bot's messages in a channel.
func (h *harness) botMessages(channel string) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range h.dc.Messages(channel) {
		if m.Author != nil && m.Author.ID == h.dc.Bot().ID {
			out = append(out, m)
		}
	}
	return out
}

// waitExact waits until the bot's messages in channel, joined, are want.
func (h *harness) waitExact(channel, want string) []discordtest.Message {
	h.t.Helper()
	var msgs []discordtest.Message
	ok := false
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = discordtest.WaitFor(ctx, func() bool {
		msgs = h.botMessages(channel)
		ok = joined(msgs) == want
		return ok
	})
	if !ok {
		h.t.Fatalf("answer in %s:\n got %q\nwant %q", channel, joined(msgs), want)
	}
	return msgs
}

func joined(msgs []discordtest.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Content)
	}
	return b.String()
}

// mention posts "@bot text" in the general channel as alice.
func (h *harness) mention(text string) discordtest.Message {
	return h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> " + text})
}

// checkNoMentions asserts that every request carrying content also
// carried allowed_mentions with an empty parse list.
func (h *harness) checkNoMentions() {
	h.t.Helper()
	reqs := h.dc.ContentRequests()
	if len(reqs) == 0 {
		h.t.Fatal("no content requests recorded")
	}
	for _, r := range reqs {
		body := r.JSON()
		if d, ok := body["data"].(map[string]any); ok {
			if _, has := body["content"]; !has {
				body = d
			}
		}
		am, ok := body["allowed_mentions"].(map[string]any)
		if !ok {
			h.t.Errorf("%s %s: no allowed_mentions in %s", r.Method, r.Path, r.Body)
			continue
		}
		parse, ok := am["parse"].([]any)
		if !ok || len(parse) != 0 {
			h.t.Errorf("%s %s: allowed_mentions.parse = %v, want []", r.Method, r.Path, am["parse"])
		}
	}
}

// invoker is alice running a command in general.
func (h *harness) invoker() discordtest.Invoker {
	return discordtest.Invoker{User: h.alice, ChannelID: h.dc.Options().GeneralID, GuildID: h.dc.Options().GuildID}
}
