// Package enginetest is test support for building an Engine: the options
// a deployment without a config file gets. Since config is the one
// source of defaults (issue 18), engine.New takes a zero option as what
// it says (no history, no shutdown grace); a test that wants a deployed
// bot's behaviour fills its options here. Production code does not import
// this package: cmd/mistralbot maps the real config (its
// TestEnginetestMatchesWiring keeps the two mappings equal).
package enginetest

import (
	"testing"

	"mistralbot/bots/engine"
	"mistralbot/config"
)

// WithConfigDefaults returns o with every zero option that config has a
// key for set to config's default (those the Engine itself filled before
// issue 18; bot.system_prompt and bot.max_pending_per_user are left to
// each test), as cmd/mistralbot's engineOptions maps
// it. Options the test set are kept; a test that wants a zero (no
// history) sets it after this call.
func WithConfigDefaults(tb testing.TB, o engine.Options) engine.Options {
	tb.Helper()
	cfg := Defaults(tb)
	fill(&o.Defaults.Language, cfg.Bot.Language)
	fill(&o.Defaults.HistoryMessages, cfg.Bot.HistoryMessages)
	fill(&o.ShutdownGrace, cfg.Server.ShutdownGrace)
	fill(&o.MaxConcurrency, cfg.LLM.MaxConcurrency)
	fill(&o.MaxTokens, cfg.LLM.MaxTokens)
	fill(&o.MaxPromptChars, cfg.Bot.MaxPromptChars)
	return o
}

// Defaults loads the configuration of a deployment with no file and an
// empty environment: every key at its default.
func Defaults(tb testing.TB) *config.Config {
	tb.Helper()
	cfg, err := config.Load(config.LoadOptions{
		Env:         func(string) (string, bool) { return "", false },
		SearchPaths: []string{},
		Environ:     func() []string { return nil },
	})
	if err != nil {
		tb.Fatalf("enginetest: config's defaults do not load: %v", err)
	}
	return cfg
}

func fill[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
