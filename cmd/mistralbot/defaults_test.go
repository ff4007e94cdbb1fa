package main

import (
	"context"
	"log/slog"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
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

// loadWith loads config as a deployment with no file whose environment
// is env.
func loadWith(t *testing.T, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{
		Env:         func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		SearchPaths: []string{},
		Environ: func() []string {
			var out []string
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestEngineFallbacksAreConfigDefaults: config is the single source of
// defaults; where the Engine still fills a zero option itself (tests, a
// caller that leaves it out) it fills config's default, so the two cannot
// drift apart again (they did: a 10 s shutdown grace against config's
// 30 s). Grace and history are not filled any more (issue 18: a zero
// means none; TestZeroGraceAndHistoryReachTheEngine).
func TestEngineFallbacksAreConfigDefaults(t *testing.T) {
	cfg := loadWith(t, nil)
	eng, err := engine.New(engine.Options{LLM: nopModel{}, Store: store.NewMemory(store.MemoryOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	o := eng.Options()
	for _, c := range []struct {
		key            string
		engine, config any
	}{
		{"bot.max_prompt_chars", o.MaxPromptChars, cfg.Bot.MaxPromptChars},
		{"bot.language", o.Defaults.Language, cfg.Bot.Language},
		{"llm.max_concurrency", o.MaxConcurrency, cfg.LLM.MaxConcurrency},
		{"llm.max_tokens", o.MaxTokens, cfg.LLM.MaxTokens},
	} {
		if c.engine != c.config {
			t.Errorf("%s: the Engine fills %v, config's default is %v", c.key, c.engine, c.config)
		}
	}
}

// TestZeroGraceAndHistoryReachTheEngine: config accepts
// server.shutdown_grace: 0 and bot.history_messages: 0, and the Engine
// built from it keeps them (it used to turn them into 30 s and 50, so an
// operator could not ask for no grace or no history).
func TestZeroGraceAndHistoryReachTheEngine(t *testing.T) {
	cfg := loadWith(t, map[string]string{
		"MISTRALBOT_SERVER_SHUTDOWN_GRACE": "0s",
		"MISTRALBOT_BOT_HISTORY_MESSAGES":  "0",
	})
	if cfg.Server.ShutdownGrace != 0 || cfg.Bot.HistoryMessages != 0 {
		t.Fatalf("config grace %v history %d, want both 0", cfg.Server.ShutdownGrace, cfg.Bot.HistoryMessages)
	}
	eng := engineFrom(t, cfg)
	if o := eng.Options(); o.ShutdownGrace != 0 || o.Defaults.HistoryMessages != 0 {
		t.Fatalf("Engine grace %v history %d, want both 0", o.ShutdownGrace, o.Defaults.HistoryMessages)
	}
}

// TestEnginetestMatchesWiring: the test helper that gives test Engines a
// default deployment's options maps config as engineOptions does.
func TestEnginetestMatchesWiring(t *testing.T) {
	wired := engineFrom(t, loadWith(t, nil)).Options()
	helped := enginetest.WithConfigDefaults(t, engine.Options{})
	for _, c := range []struct {
		name          string
		wired, helped any
	}{
		{"Defaults.Language", wired.Defaults.Language, helped.Defaults.Language},
		{"Defaults.HistoryMessages", wired.Defaults.HistoryMessages, helped.Defaults.HistoryMessages},
		{"ShutdownGrace", wired.ShutdownGrace, helped.ShutdownGrace},
		{"MaxConcurrency", wired.MaxConcurrency, helped.MaxConcurrency},
		{"MaxTokens", wired.MaxTokens, helped.MaxTokens},
		{"MaxPromptChars", wired.MaxPromptChars, helped.MaxPromptChars},
	} {
		if c.wired != c.helped {
			t.Errorf("%s: wiring gives %v, enginetest %v", c.name, c.wired, c.helped)
		}
	}
}

// engineFrom builds the Engine cmd/mistralbot builds from cfg, on a
// memory store.
func engineFrom(t *testing.T, cfg *config.Config) *engine.Engine {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	client, err := newLLM(cfg.LLM, log)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engineOptions(cfg, client, store.NewMemory(store.MemoryOptions{}), log))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
