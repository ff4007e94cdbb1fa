package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"mistralbot/bots"
	"mistralbot/bots/console"
	"mistralbot/bots/console/mdterm"
	"mistralbot/bots/console/termmode"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
	"mistralbot/config"
)

// runChat is the chat command: the Engine behind a terminal. It keeps its
// settings and usage in memory, so it can run beside a `run` that holds the
// bbolt file. Logs go to stderr at warn level unless log.level says debug,
// so stdout carries only the conversation (scripts can pipe it).
func runChat(ctx context.Context, cfg *config.Config, e env) error {
	logCfg := cfg.Log
	if logCfg.Level != "debug" {
		logCfg.Level = "warn"
	}
	logCfg.Format = "text"
	log := newLogger(logCfg, e.stderr, logOptions{redact: config.NewRedactor(cfg.Secrets()...)})
	tty := isTerminal(e.stdin)
	var onInterrupt func(func())
	if tty {
		// Before anything is started on ctx (tool servers): the first
		// Ctrl-C must not end them.
		var end func()
		ctx, onInterrupt, end = interruptible(ctx)
		defer end()
	}
	client, err := newLLM(cfg.LLM, log)
	if err != nil {
		return err
	}
	st := store.NewMemory(store.MemoryOptions{})
	defer st.Close()
	opts := engineOptions(cfg, client, st, log)
	opts.Admins = nil // the console user is an admin anyway
	unanswered := unanswered{hints: e.stderr, llm: cfg.LLM}
	opts.Observer = &unanswered
	ts, err := withTools(ctx, cfg, &opts, log)
	if err != nil {
		return err
	}
	if ts != nil {
		defer ts.Close()
	}
	engine, err := engine.New(opts)
	if err != nil {
		return err
	}
	con, err := console.New(consoleOptions(ctx, cfg, e, engine, tty, log))
	if err != nil {
		return err
	}
	if tty {
		onInterrupt(con.Interrupt)
		if isTerminal(e.stdout) {
			// A pasted block arrives marked, as one question
			// (bots/console/input.go), its markers not echoed as ^[.
			if in, ok := e.stdin.(*os.File); ok {
				defer termmode.QuietControls(in)()
			}
			_, _ = io.WriteString(e.stdout, console.PasteOn)
			defer func() { _, _ = io.WriteString(e.stdout, console.PasteOff) }()
		}
	}
	ectx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(ectx) }()
	err = con.Run(ctx)
	stop()
	if rerr := <-done; err == nil {
		err = rerr
	}
	if n := unanswered.n.Load(); err == nil && !tty && n > 0 {
		// A script piping questions in learns that some got only a notice.
		err = fmt.Errorf("chat: %d question(s) got no answer", n)
	}
	return err
}

// consoleOptions are the terminal's: a prompt and a banner when stdin is
// a terminal, rendered Markdown when stdout is one.
func consoleOptions(ctx context.Context, cfg *config.Config, e env, eng *engine.Engine, tty bool, log *slog.Logger) console.Options {
	locale, _ := e.lookup("LC_ALL")
	if locale == "" {
		locale, _ = e.lookup("LANG")
	}
	copts := console.Options{In: e.stdin, Out: e.stdout, Engine: eng, Prompt: tty, Locale: locale, Files: consoleFiles(cfg)}
	if out, ok := e.stdout.(*os.File); ok && isTerminal(out) {
		// Rendered Markdown for a person; piped output stays plain text.
		style, _ := e.lookup("GLAMOUR_STYLE")
		if r, err := mdterm.New(mdterm.Width(out), cmp.Or(style, "dark")); err == nil {
			copts.Render = r
		} else {
			log.Warn("markdown rendering off", "err", err)
		}
	}
	if tty {
		copts.Banner = banner(cfg, eng.Settings(ctx, bots.ChannelID(bots.Console, "console")).Language)
	}
	return copts
}

// consoleFiles are the platforms' file limits (scans kept for OCR, audio
// for transcription: /file reads local files as the adapters read
// attachments), with the text limit the adapters add.
func consoleFiles(cfg *config.Config) bots.FileLimits {
	files := platformFiles(cfg)
	files.TextMaxBytes = cfg.Bot.AttachmentMaxBytes
	return files
}

// unanswered counts the questions that got an error notice or a refusal
// instead of an answer: a piped chat then exits non-zero. It also tells
// the person at the terminal, who is the admin the notices ask to "let
// know" (the chat platforms' wording), what to fix: once per kind of
// failure, on stderr.
type unanswered struct {
	n     atomic.Int64
	hints io.Writer
	llm   config.LLM
	mu    sync.Mutex
	told  map[bots.Code]bool
}

var _ bots.Observer = (*unanswered)(nil)

// ReplyDone implements bots.Observer.
func (u *unanswered) ReplyDone(s bots.ReplyStats) {
	if s.Outcome != bots.OutcomeError {
		return
	}
	u.n.Add(1)
	hint := adminHint(s.ErrorCode, u.llm)
	if hint == "" || u.hints == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.told[s.ErrorCode] {
		return
	}
	if u.told == nil {
		u.told = map[bots.Code]bool{}
	}
	u.told[s.ErrorCode] = true
	_, _ = fmt.Fprintln(u.hints, "mistralbot chat: "+hint)
}

// adminHint says what to change for a failure the notice leaves to "an
// admin" ("" for the others).
func adminHint(code bots.Code, c config.LLM) string {
	at := cmp.Or(c.Provider, "the provider") + " at " + c.BaseURL
	switch code {
	case bots.CodeAuth:
		return fmt.Sprintf("%s refused the API key: set %s (mistralbot check tests it)", at, strings.Join(config.EnvNames("llm.api_key"), " or "))
	case bots.CodeBudget:
		return at + " says the account has no credits left: add some, or use another key or provider"
	case bots.CodeNotFound:
		return fmt.Sprintf("%s does not offer the model %s: pick another with /model ID or MISTRALBOT_LLM_MODEL (mistralbot check lists them)", at, cmp.Or(c.Model, "asked for"))
	}
	return ""
}

// Refused implements bots.Observer.
func (u *unanswered) Refused(bots.Platform, string) { u.n.Add(1) }

// banner is the first line of an interactive chat: what it talks with.
// Piped output carries only the answers.
func banner(cfg *config.Config, lang string) string {
	model := cmp.Or(cfg.LLM.Model, "the provider's default model")
	if lang == "" || lang == bots.LanguageAuto {
		lang = "auto (the question's)"
	}
	return fmt.Sprintf("mistralbot chat: %s via %s, language %s. /help lists the commands, Ctrl-C stops an answer, Ctrl-D quits.",
		model, cmp.Or(cfg.LLM.Provider, "?"), lang)
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// interruptible makes Ctrl-C the console's (Interrupt: stop the answer,
// or quit when pressed twice at the prompt) instead of the end of the
// command; before a handler is set (onInterrupt), Ctrl-C ends the chat.
// main's signal.NotifyContext cancels ctx on the first SIGINT with the
// cause "interrupt signal received" (os/signal, NotifyContext); that
// cancellation is ignored here, any other one ends the chat, and so does
// SIGTERM, which main no longer sees once its context is cancelled.
func interruptible(ctx context.Context) (context.Context, func(func()), func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var handler atomic.Pointer[func()]
	interrupt := os.Interrupt.String() + " signal received"
	go func() {
		parent := ctx.Done()
		for {
			select {
			case <-cctx.Done():
				return
			case <-parent:
				if cause := context.Cause(ctx); cause == nil || cause.Error() != interrupt {
					cancel()
					return
				}
				parent = nil
			case s := <-sigs:
				h := handler.Load()
				if s != os.Interrupt || h == nil {
					cancel()
					return
				}
				(*h)()
			}
		}
	}()
	return cctx, func(h func()) { handler.Store(&h) }, func() { signal.Stop(sigs); cancel() }
}
