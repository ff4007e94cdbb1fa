package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"mistralbot/bots"
	"mistralbot/bots/console"
	"mistralbot/bots/console/mdterm"
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
	client, err := newLLM(cfg.LLM, log)
	if err != nil {
		return err
	}
	st := store.NewMemory(store.MemoryOptions{})
	defer st.Close()
	opts := engineOptions(cfg, client, st, log)
	opts.Admins = nil // the console user is an admin anyway
	var unanswered unanswered
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
	locale, _ := e.lookup("LC_ALL")
	if locale == "" {
		locale, _ = e.lookup("LANG")
	}
	tty := isTerminal(e.stdin)
	copts := console.Options{In: e.stdin, Out: e.stdout, Engine: engine, Prompt: tty, Locale: locale,
		Files: bots.FileLimits{ImageMaxBytes: cfg.Bot.ImageMaxBytes, TextMaxBytes: cfg.Bot.AttachmentMaxBytes}}
	if out, ok := e.stdout.(*os.File); ok && isTerminal(out) {
		// Rendered Markdown for a person; piped output stays plain text.
		if r, err := mdterm.New(mdterm.Width(out), cmp.Or(os.Getenv("GLAMOUR_STYLE"), "dark")); err == nil {
			copts.Render = r
		} else {
			log.Warn("markdown rendering off", "err", err)
		}
	}
	if tty {
		copts.Banner = banner(cfg, engine.Settings(ctx, bots.ChannelID(bots.Console, "console")).Language)
	}
	con, err := console.New(copts)
	if err != nil {
		return err
	}
	if tty {
		var end func()
		ctx, end = interruptible(ctx, con)
		defer end()
		if isTerminal(e.stdout) {
			// A pasted block arrives marked, as one question (bots/console/input.go).
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

// unanswered counts the questions that got an error notice or a refusal
// instead of an answer: a piped chat then exits non-zero.
type unanswered struct{ n atomic.Int64 }

var _ bots.Observer = (*unanswered)(nil)

// ReplyDone implements bots.Observer.
func (u *unanswered) ReplyDone(s bots.ReplyStats) {
	if s.Outcome == bots.OutcomeError {
		u.n.Add(1)
	}
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
// command. main's signal.NotifyContext cancels ctx on the first SIGINT
// with the cause "interrupt signal received" (os/signal, NotifyContext);
// that cancellation is ignored here, any other one ends the chat, and so
// does SIGTERM, which main no longer sees once its context is cancelled.
func interruptible(ctx context.Context, con *console.Console) (context.Context, func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
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
				if s != os.Interrupt {
					cancel()
					return
				}
				con.Interrupt()
			}
		}
	}()
	return cctx, func() { signal.Stop(sigs); cancel() }
}
