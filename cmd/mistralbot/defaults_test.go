package main

import (
	"context"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
	"mistralbot/config"
)

// nopModel is a model port for an Engine that never answers.
type nopModel struct{}

func (nopModel) Stream(context.Context, bots.ModelRequest) (bots.TokenStream, error) {
	return nil, &bots.ModelError{Code: bots.CodeInternal}
}
func (nopModel) EstimateTokens(s string) int      { return len(s) }
func (nopModel) MessageOverhead() int             { return 4 }
func (nopModel) Ratio() float64                   { return 1 }
func (nopModel) ImageTokens(string, int, int) int { return 0 }

// TestEngineFallbacksAreConfigDefaults: config is the single source of
// defaults; where the Engine fills a zero option itself (tests, a caller
// that leaves it out) it fills config's default, so the two cannot
// drift apart again (they did: a 10 s shutdown grace against config's
// 30 s).
func TestEngineFallbacksAreConfigDefaults(t *testing.T) {
	cfg, err := config.Load(config.LoadOptions{Env: func(string) (string, bool) { return "", false },
		SearchPaths: []string{}, Environ: func() []string { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{LLM: nopModel{}, Store: store.NewMemory(store.MemoryOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	o := eng.Options()
	for _, c := range []struct {
		key            string
		engine, config any
	}{
		{"server.shutdown_grace", o.ShutdownGrace, cfg.Server.ShutdownGrace},
		{"bot.max_prompt_chars", o.MaxPromptChars, cfg.Bot.MaxPromptChars},
		{"bot.history_messages", o.Defaults.HistoryMessages, cfg.Bot.HistoryMessages},
		{"bot.language", o.Defaults.Language, cfg.Bot.Language},
		{"llm.max_concurrency", o.MaxConcurrency, cfg.LLM.MaxConcurrency},
		{"llm.max_tokens", o.MaxTokens, cfg.LLM.MaxTokens},
	} {
		if c.engine != c.config {
			t.Errorf("%s: the Engine fills %v, config's default is %v", c.key, c.engine, c.config)
		}
	}
}
