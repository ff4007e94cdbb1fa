package console_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/bots/console"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// live is a console on a pipe, typed into while it runs.
type live struct {
	c    *console.Console
	in   *io.PipeWriter
	out  *syncBuffer
	done chan error
}

// start runs an Engine against srv and a console reading from a pipe;
// cleanup closes the input and waits for both.
func start(t *testing.T, srv *llmtest.Server) *live {
	t.Helper()
	client, err := llm.New(llm.Options{BaseURL: srv.URL(), APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{
		LLM: llmcompleter.New(client), Store: store.NewMemory(store.MemoryOptions{}), MaxConcurrency: 2,
		Defaults: engine.Defaults{Language: "auto", SystemPrompt: "Be helpful."}, CommandPrefix: "/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = eng.Run(ctx) })
	r, w := io.Pipe()
	l := &live{in: w, out: &syncBuffer{}, done: make(chan error, 1)}
	// The prompt tells the test when an answer is over.
	l.c, err = console.New(console.Options{In: r, Out: l.out, Engine: eng, UserName: "me", Prompt: true})
	if err != nil {
		t.Fatal(err)
	}
	go func() { l.done <- l.c.Run(ctx) }()
	t.Cleanup(func() {
		_ = w.Close()
		cancel()
		wg.Wait()
	})
	return l
}

func (l *live) typ(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(l.in, s); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls the output until it contains want.
func (l *live) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(l.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", want, l.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Ctrl-C stops an endless answer with the Stopped notice; a question typed
// while it streamed is answered next, and the conversation goes on.
func TestInterruptStopsTheAnswer(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after start's cleanup
	srv := llmtest.New(llmtest.Options{})
	t.Cleanup(srv.Close)
	srv.Script(llmtest.Scenario{Reply: "endless " + strings.Repeat("word ", 100000), Delay: 5 * time.Millisecond})
	l := start(t, srv)
	l.typ(t, "talk forever\n")
	l.waitFor(t, "endless word")
	l.typ(t, "typed meanwhile\n")
	l.c.Interrupt()
	l.waitFor(t, i18n.T("en", i18n.Stopped))
	l.waitFor(t, "me: typed meanwhile\n")
	if out := l.out.String(); strings.Index(out, "me: typed meanwhile") < strings.Index(out, i18n.T("en", i18n.Stopped)) {
		t.Errorf("the next question was answered before the stop:\n%s", out)
	}
	if err := l.in.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-l.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	// The conversation goes on: the stopped question is still in it.
	if m := reqs[1].Messages; len(m) < 2 || !strings.Contains(m[1].Content, "me: talk forever") {
		t.Errorf("second request does not keep the conversation: %+v", m)
	}
}

// At the prompt, one Ctrl-C says how to quit, a second one quits.
func TestInterruptTwiceQuits(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) }) // after start's cleanup
	srv := llmtest.New(llmtest.Options{})
	t.Cleanup(srv.Close)
	l := start(t, srv)
	l.typ(t, "hello\n")
	l.waitFor(t, "Echo: me: hello\n> ")
	l.c.Interrupt()
	l.waitFor(t, "Ctrl-C again or Ctrl-D to quit")
	select {
	case err := <-l.done:
		t.Fatalf("Run returned after one Ctrl-C: %v", err)
	default:
	}
	l.c.Interrupt()
	if err := <-l.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
