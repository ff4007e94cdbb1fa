package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/config"
	"mistralbot/llm/llmtest"
)

func TestChatBanner(t *testing.T) {
	cfg := &config.Config{}
	cfg.LLM.Provider, cfg.LLM.Model = "mistral", "mistral-small-latest"
	want := "mistralbot chat: mistral-small-latest via mistral, language fr. /help lists the commands, Ctrl-C stops an answer, Ctrl-D quits."
	if got := banner(cfg, "fr"); got != want {
		t.Errorf("banner = %q", got)
	}
	if got := banner(cfg, "auto"); got != "mistralbot chat: mistral-small-latest via mistral, language auto (the question's). /help lists the commands, Ctrl-C stops an answer, Ctrl-D quits." {
		t.Errorf("auto banner = %q", got)
	}
}

// A piped question that gets only an error notice makes chat exit 1,
// after the other answers.
func TestChatPipedFailureExitsNonZero(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Status: 401})
	envs := map[string]string{"MISTRALBOT_LLM_PROVIDER": "openai", "MISTRALBOT_LLM_BASE_URL": srv.URL()}
	code, out, errOut := runCmd(t, envs, "first\nsecond\n", "--config", noFile(t), "chat")
	if code != exitFailure {
		t.Fatalf("code %d, want %d; stderr %s", code, exitFailure, errOut)
	}
	if !strings.Contains(errOut, "1 question(s) got no answer") || !strings.Contains(out, "Echo:") {
		t.Fatalf("stdout %q\nstderr %q", out, errOut)
	}
	// The notice asks to "let an admin know": at a terminal that is the
	// person reading, told what to set.
	if hint := "openai at " + srv.URL() + " refused the API key: set MISTRALBOT_LLM_API_KEY or OPENROUTER_API_KEY"; strings.Count(errOut, hint) != 1 {
		t.Fatalf("stderr does not say once what to fix (%q):\n%s", hint, errOut)
	}
}

// Each failure a notice leaves to "an admin" gets its hint, once.
func TestChatAdminHints(t *testing.T) {
	c := config.LLM{Provider: "mistral", BaseURL: "https://api.mistral.ai/v1", Model: "mistral-small-latest"}
	var b strings.Builder
	u := unanswered{hints: &b, llm: c}
	for _, code := range []bots.Code{bots.CodeAuth, bots.CodeAuth, bots.CodeBudget, bots.CodeNotFound, bots.CodeTimeout} {
		u.ReplyDone(bots.ReplyStats{Outcome: bots.OutcomeError, ErrorCode: code})
	}
	got := b.String()
	for _, want := range []string{"refused the API key: set MISTRALBOT_LLM_API_KEY", "no credits left", "does not offer the model mistral-small-latest: pick another with /model ID"} {
		if strings.Count(got, want) != 1 {
			t.Errorf("hints lack %q once:\n%s", want, got)
		}
	}
	if strings.Count(got, "\n") != 3 || u.n.Load() != 5 {
		t.Errorf("%d failures counted, hints:\n%s", u.n.Load(), got)
	}
}

// Ctrl-C in a terminal chat goes to the console's handler and does not end
// the chat, although main's context is cancelled by it; SIGTERM ends it.
func TestChatInterruptible(t *testing.T) {
	mainCtx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM) // as main does
	defer stop()
	ctx, onInterrupt, end := interruptible(mainCtx)
	defer end()
	got := make(chan struct{}, 1)
	onInterrupt(func() { got <- struct{}{} })
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not get Ctrl-C")
	}
	<-mainCtx.Done() // main's context ended with the interrupt cause...
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not get the second Ctrl-C")
	}
	if ctx.Err() != nil { // ...the chat's did not
		t.Fatalf("chat context ended: %v", context.Cause(ctx))
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not end the chat")
	}
}

// TestChatFilesFollowTheConfig: chat's /file reads local files with the
// limits the adapters fetch attachments with: audio kept for
// transcription with bot.voice_notes, scans for OCR with bot.pdf_ocr.
func TestChatFilesFollowTheConfig(t *testing.T) {
	cfg := &config.Config{}
	cfg.Bot.ImageMaxBytes, cfg.Bot.AttachmentMaxBytes = 5<<20, 40_000
	if got := consoleFiles(cfg); got.KeepAudio || got.KeepScans || got.ImageMaxBytes != 5<<20 || got.TextMaxBytes != 40_000 {
		t.Errorf("off: %+v", got)
	}
	cfg.Bot.VoiceNotes, cfg.Bot.PDFOCR = true, true
	if got := consoleFiles(cfg); !got.KeepAudio || !got.KeepScans {
		t.Errorf("on: %+v", got)
	}
}
