package main

import (
	"context"
	"os"

	"mistralbot/bots"
	"mistralbot/bots/console"
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
	con, err := console.New(console.Options{In: e.stdin, Out: e.stdout, Engine: engine, Prompt: isTerminal(e.stdin), Locale: locale,
		Files: bots.FileLimits{ImageMaxBytes: cfg.Bot.ImageMaxBytes, TextMaxBytes: cfg.Bot.AttachmentMaxBytes, KeepScans: cfg.Bot.PDFOCR}})
	if err != nil {
		return err
	}
	ectx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- engine.Run(ectx) }()
	err = con.Run(ctx)
	stop()
	if rerr := <-done; err == nil {
		err = rerr
	}
	return err
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
