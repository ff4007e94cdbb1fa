package slack

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm"
)

// direct is an Adapter (not running: no events) wired to an in-memory
// fakeslack, for tests inside a testing/synctest bubble that drive a
// reply's sink themselves: every wait (Retry-After, backoff, a client
// timeout) takes no real time.
type direct struct {
	t    *testing.T
	fake *fakeslack.Server
	a    *Adapter
	logs *syncBuffer
}

// newDirect must be called inside the bubble; everything it starts is
// closed by t's cleanups, inside the bubble too.
func newDirect(t *testing.T, native bool, fo fakeslack.Options) *direct {
	t.Helper()
	fo.InMemory, fo.Strict = true, true
	d := &direct{t: t, fake: fakeslack.New(fo), logs: &syncBuffer{}}
	t.Cleanup(d.fake.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", d.logs.String())
		}
	})
	logger := slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := d.fake.Client()
	client.Transport = d.fake.Transport(client.Transport)
	client.Timeout = 20 * time.Second
	model, err := llm.New(llm.Options{BaseURL: "http://llm.invalid/v1", APIKey: "unused", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llmcompleter.New(model), Store: store.NewMemory(store.MemoryOptions{}),
		Logger: logger}))
	if err != nil {
		t.Fatal(err)
	}
	opts := d.fake.Options()
	d.a, err = New(Options{BotToken: opts.BotToken, AppToken: opts.AppToken, APIURL: d.fake.APIURL(), Mode: ModeSocket, AttachmentMaxBytes: 100_000,
		NativeStreaming: native, Engine: engine, Logger: logger, HTTPClient: client, EditInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.a.authTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d
}

// ask posts a question from Bob in #general and returns the key and
// message of its reply.
func (d *direct) ask() (bots.ConversationKey, bots.Message) {
	m := d.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "<@U0BOT> a question")
	key := bots.ConversationKey{Platform: bots.Slack, Team: fakeslack.DefaultTeamID, Channel: "C0GENERAL", Thread: m.TS}
	return key, bots.Message{Key: key, ID: m.TS, UserID: "U0BOB", UserName: "bob", Locale: "en-US", Mentioned: true}
}

// sink returns a post+update sink for a question.
func (d *direct) sink(ctx context.Context) *threadSink {
	key, to := d.ask()
	r, err := d.a.OpenReply(ctx, key, to)
	if err != nil {
		d.t.Fatal(err)
	}
	switch r := r.(type) {
	case *streamReply:
		return r.sink
	case *nativeReply:
		return r.sink
	}
	d.t.Fatalf("unknown reply %T", r)
	return nil
}
