package console_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/bots"
	"mistralbot/bots/console"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// syncBuffer is an io.Writer safe to read while the console writes.
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

// session runs an Engine on the real client against llmtest and a console
// over in; it returns the output once Run returned.
func session(t *testing.T, srv *llmtest.Server, in io.Reader) (string, *engine.Engine) {
	return sessionWith(t, srv, in, nil)
}

// sessionWith is session with the Engine's options tuned.
func sessionWith(t *testing.T, srv *llmtest.Server, in io.Reader, tune func(*engine.Options)) (string, *engine.Engine) {
	t.Helper()
	return sessionFiles(t, srv, in, tune, bots.FileLimits{})
}

// sessionFiles is sessionWith with the console's file limits, the client
// speaking the server's dialect (Mistral's has transcription).
func sessionFiles(t *testing.T, srv *llmtest.Server, in io.Reader, tune func(*engine.Options), files bots.FileLimits) (string, *engine.Engine) {
	t.Helper()
	client, err := llm.New(llm.Options{Dialect: llm.Dialect(srv.Dialect()), BaseURL: srv.URL(), APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	opts := enginetest.WithConfigDefaults(t, engine.Options{
		LLM: llmcompleter.New(client), Store: store.NewMemory(store.MemoryOptions{}), MaxConcurrency: 2,
		Defaults: engine.Defaults{Language: "auto", SystemPrompt: "Be helpful."}, CommandPrefix: "/",
	})
	if tune != nil {
		tune(&opts)
	}
	eng, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = eng.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	out := &syncBuffer{}
	c, err := console.New(console.Options{In: in, Out: out, Engine: eng, UserName: "me", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return at EOF; output so far:\n%s", out.String())
	}
	return out.String(), eng
}

// printf 'hello\n' | mistralbot chat: the streamed answer, then exit 0.
func TestPipedStdin(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{Delay: time.Millisecond})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Reply: "Hello! How can I help you today?"})
	out, _ := session(t, srv, strings.NewReader("hello\n"))
	if out != "Hello! How can I help you today?\n" {
		t.Errorf("output = %q", out)
	}
	msgs := srv.Requests()[0].Messages
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[1].Content != "me: hello" {
		t.Errorf("request messages = %+v", msgs)
	}
}

// A conversation keeps its history, /reset forgets it, commands work.
func TestConversationAndCommands(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	in := strings.Join([]string{
		"first question",
		"",
		"second question",
		"/lang fr",
		"/code:python sort a list",
		"/reset",
		"third question",
		"/translate de good night",
		"/usage",
		"/prompt " + strings.Repeat("x", 5000),
		"/help",
		"/quit",
		"never read",
	}, "\n")
	out, _ := session(t, srv, strings.NewReader(in))
	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5; output:\n%s", len(reqs), out)
	}
	// The second question sees the first exchange.
	if m := reqs[1].Messages; len(m) != 4 || m[1].Content != "me: first question" || m[2].Content != "Echo: me: first question" {
		t.Errorf("second request = %+v", m)
	}
	// /lang fr changed the channel: the /code request is in French.
	if sys := reqs[2].Messages[0].Content; !strings.Contains(sys, "Always answer in French") || !strings.Contains(sys, "```python") {
		t.Errorf("code request system = %q", sys)
	}
	// After /reset the conversation starts afresh.
	if m := reqs[3].Messages; len(m) != 2 || m[1].Content != "me: third question" {
		t.Errorf("after reset = %+v", m)
	}
	if m := reqs[4].Messages; !strings.Contains(m[0].Content, "into German") || m[len(m)-1].Content != "good night" {
		t.Errorf("translate request = %+v", m)
	}
	usageHeader, _, _ := strings.Cut(i18n.T("fr", i18n.UsageReport, 0, 0, 0.0, 0, 0, 0.0, 0, 0, 0.0, 0, 0, 0.0), "\n")
	for _, want := range []string{
		usageHeader, "Echo: good night\n",
		"Echo: me: first question\n", "Echo: me: second question\n", "Echo: me: third question\n",
		i18n.T("fr", i18n.PromptTooLong, 4000), "  /model [ID]  ", "(new conversation)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never read") {
		t.Error("read past /quit")
	}
}

// An LLM failure prints the localized message and the console goes on.
func TestErrorThenEOF(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Status: 401})
	out, _ := session(t, srv, strings.NewReader("hi\nagain"))
	// The failed question stays in the conversation: both are one user turn.
	if want := i18n.T("en", i18n.ErrAuth) + "\nEcho: me: hi\nme: again\n"; out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

// A pasted 20-line fenced block after /review is one question reaching
// the model, and the line after it is the next one.
func TestPasteIsOneQuestion(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	var code []string
	for i := range 20 {
		code = append(code, "\tx"+strings.Repeat("+", i)+" = 1")
	}
	block := "```go\n" + strings.Join(code, "\n") + "\n```"
	in := "/review \x1b[200~" + block + "\x1b[201~\nthen this\n" + block + "\n"
	out, _ := session(t, srv, strings.NewReader(in))
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3; output:\n%s", len(reqs), out)
	}
	if last := reqs[0].Messages[len(reqs[0].Messages)-1].Content; !strings.Contains(last, block) {
		t.Errorf("review request lacks the whole block: %q", last)
	}
	if last := reqs[1].Messages[len(reqs[1].Messages)-1].Content; last != "me: then this" {
		t.Errorf("second question = %q", last)
	}
	if last := reqs[2].Messages[len(reqs[2].Messages)-1].Content; last != "me: "+block {
		t.Errorf("third question = %q", last)
	}
}

// An unknown command says so in one line; /help is the terminal's list.
func TestUnknownCommand(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	out, _ := session(t, srv, strings.NewReader("/foo bar\n/help\n"))
	first, rest, _ := strings.Cut(out, "\n")
	if first != "unknown command /foo, try /help" {
		t.Errorf("first line = %q", first)
	}
	for _, want := range []string{"/quit, /exit", "/model [ID]", "Ctrl-C stops an answer"} {
		if !strings.Contains(rest, want) {
			t.Errorf("/help lacks %q:\n%s", want, rest)
		}
	}
	if strings.Contains(out, "thread") || len(srv.Requests()) != 0 {
		t.Errorf("output = %q, %d requests", out, len(srv.Requests()))
	}
}

// /model switches the model of the next requests, commands' too.
func TestModelSwitch(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	out, _ := session(t, srv, strings.NewReader("one\n/model other/model-2\n/model\ntwo\n/explain x\n"))
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3:\n%s", len(reqs), out)
	}
	if reqs[0].Model == "other/model-2" || reqs[1].Model != "other/model-2" || reqs[2].Model != "other/model-2" {
		t.Errorf("models = %q, %q, %q", reqs[0].Model, reqs[1].Model, reqs[2].Model)
	}
	for _, want := range []string{"(model for this chat: other/model-2)\n", "model: other/model-2 (/model ID switches)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// brackets is a Renderer that shows which blocks it got.
type brackets struct{}

func (brackets) Render(md string) string { return "<" + md + ">" }

// With a Renderer an answer is rendered block by block, a code fence with
// blank lines in it as one block, the last one at the end.
func TestRenderedByBlocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Tokens: []string{"Para ", "one.\n", "\nHere:\n\n``", "`go\nx := 1\n", "\ny := 2\n```\n", "\nLast", " line."}})
	client, err := llm.New(llm.Options{BaseURL: srv.URL(), APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llmcompleter.New(client), Store: store.NewMemory(store.MemoryOptions{}), MaxConcurrency: 1,
		Defaults: engine.Defaults{Language: "auto", SystemPrompt: "Be helpful."}, CommandPrefix: "/"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = eng.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	out := &syncBuffer{}
	c, err := console.New(console.Options{In: strings.NewReader("show me\n"), Out: out, Engine: eng, Render: brackets{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// How the updates are cut depends on the Engine's pacing; the fence
	// is one block whatever they are, and nothing is lost or doubled.
	got := out.String()
	plain := strings.NewReplacer("<", "", ">", "").Replace(got)
	if plain != "Para one.\n\nHere:\n\n```go\nx := 1\n\ny := 2\n```\n\nLast line.\n" {
		t.Errorf("text = %q", plain)
	}
	if !strings.Contains(got, "<```go\nx := 1\n\ny := 2\n```\n\n>") || !strings.HasSuffix(got, "<Last line.>\n") {
		t.Errorf("blocks = %q", got)
	}
}
