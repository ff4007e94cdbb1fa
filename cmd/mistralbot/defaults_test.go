package main

import (
	"context"
	"log/slog"
	"strings"
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

// TestEngineRequiresConfigsOptions: config is the single source of
// defaults; the Engine does not invent the options config has a key for
// (it did, and they drifted: a 10 s shutdown grace against config's
// 30 s). A missing one is an error naming its key; grace and history take
// a zero as none (TestZeroGraceAndHistoryReachTheEngine). The wired
// options pass (engineFrom, in the tests below).
func TestEngineRequiresConfigsOptions(t *testing.T) {
	_, err := engine.New(engine.Options{LLM: nopModel{}, Store: store.NewMemory(store.MemoryOptions{})})
	for _, key := range []string{"llm.max_tokens", "llm.max_concurrency", "bot.max_prompt_chars"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("New without %s: %v", key, err)
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
