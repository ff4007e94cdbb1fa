package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve runs the command with args on a loopback port until the test ends
// and returns its API base.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0", "-delay", "0s"}, args...), io.Discard, &out)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	urlRE := regexp.MustCompile(`http://\S+/v1`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if base := urlRE.FindString(out.String()); base != "" {
			return base
		}
	}
	t.Fatalf("no URL printed: %q", out.String())
	return ""
}

// ask posts one streamed question and returns the answer's text.
func ask(t *testing.T, base, question string) string {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post(base+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"mistral-small-latest","messages":[{"role":"user","content":"`+question+`"}],"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var text strings.Builder
	for _, m := range regexp.MustCompile(`"content":("(?:[^"\\]|\\.)*")`).FindAllSubmatch(body, -1) {
		var s string
		if err := jsonUnquote(m[1], &s); err != nil {
			t.Fatal(err)
		}
		text.WriteString(s)
	}
	return text.String()
}

func TestRunServesUntilCanceled(t *testing.T) {
	base := serve(t, "-dialect", "mistral")
	// The default answer says it is a fake, without the bot's speaker prefix.
	if got, want := ask(t, base, "you: hello"), "(fake model) you said: hello"; got != want {
		t.Fatalf("answer %q, want %q", got, want)
	}
	if got, want := ask(t, base, "what is 2 + 2?"), "(fake model) you said: what is 2 + 2?"; got != want {
		t.Fatalf("answer %q, want %q", got, want)
	}
}

func TestScriptedAnswers(t *testing.T) {
	if got := ask(t, serve(t, "-reply", "Use slices.Reverse."), "you: how?"); got != "Use slices.Reverse." {
		t.Errorf("-reply: %q", got)
	}
	f := filepath.Join(t.TempDir(), "answer.md")
	if err := os.WriteFile(f, []byte("# Title\n\n```go\nfmt.Println(1)\n```\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := ask(t, serve(t, "-reply-file", f), "you: how?"); got != "# Title\n\n```go\nfmt.Println(1)\n```\n" {
		t.Errorf("-reply-file: %q", got)
	}
	got := ask(t, serve(t, "-code"), "you: how?")
	if got != codeAnswer || strings.Count(got, "\n") < 50 || strings.Count(got, "```") != 2 {
		t.Errorf("-code: %d lines, %d fences", strings.Count(got, "\n"), strings.Count(got, "```"))
	}
}

func TestStreamDelay(t *testing.T) {
	for _, c := range []struct {
		delay time.Duration
		tps   float64
		want  time.Duration
	}{{30 * time.Millisecond, 0, 30 * time.Millisecond}, {30 * time.Millisecond, 20, 50 * time.Millisecond}, {0, 1000, time.Millisecond}} {
		if got, err := streamDelay(c.delay, c.tps); err != nil || got != c.want {
			t.Errorf("streamDelay(%v, %v) = %v, %v; want %v", c.delay, c.tps, got, err, c.want)
		}
	}
	if _, err := streamDelay(0, -1); err == nil {
		t.Error("negative -tokens-per-sec accepted")
	}
}

func TestHelpOnStdout(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"-h"}, &out, &errb)
	if !errors.Is(err, flag.ErrHelp) || errb.Len() != 0 {
		t.Fatalf("err %v stderr %q", err, errb.String())
	}
	for _, want := range []string{"Usage:", "Example:", "-reply-file", "-tokens-per-sec", "-code"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-dialect", "gemini"}, io.Discard, &out); err == nil || !strings.Contains(err.Error(), "gemini") {
		t.Fatalf("err %v", err)
	}
	if err := run(context.Background(), []string{"-nope"}, io.Discard, &out); err == nil || errors.Is(err, flag.ErrHelp) {
		t.Fatal("unknown flag accepted")
	}
	if err := run(context.Background(), []string{"-reply", "x", "-code"}, io.Discard, &out); err == nil || !strings.Contains(err.Error(), "exclusive") {
		t.Fatalf("-reply with -code: err %v", err)
	}
	if err := run(context.Background(), []string{"-reply-file", filepath.Join(t.TempDir(), "none")}, io.Discard, &out); err == nil {
		t.Fatal("missing -reply-file accepted")
	}
}

// jsonUnquote decodes a JSON string literal.
func jsonUnquote(b []byte, s *string) error { return json.Unmarshal(b, s) }
