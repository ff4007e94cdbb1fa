package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"mistralbot/bots/store"
	"mistralbot/config"
	"mistralbot/llm"
)

// errCheckFailed makes check exit 1 after printing what is wrong.
var errCheckFailed = errors.New("check failed: see above")

// runCheck is the check command: it prints the configuration (redacted),
// reaches the LLM and the store, and says what is usable.
func runCheck(ctx context.Context, cfg *config.Config, retired []string, e env) error {
	fmt.Fprintf(e.stdout, "# configuration (secrets redacted)\n%s\n", cfg.Redacted())
	ok := true
	red := config.NewRedactor(cfg.Secrets()...)
	say := func(good bool, format string, args ...any) {
		mark := "ok  "
		if !good {
			mark, ok = "FAIL", false
		}
		// Reasons quote what servers answered, which may echo a key.
		fmt.Fprintf(e.stdout, "%s %s\n", mark, red.Redact(fmt.Sprintf(format, args...)))
	}
	for _, w := range retired {
		say(false, "%s", w)
	}
	log := newLogger(config.Log{Level: "error", Format: "text"}, e.stderr, logOptions{redact: red})

	client, err := newLLM(cfg.LLM, log)
	if err != nil {
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	models, err := client.Models(lctx)
	cancel()
	switch {
	case llm.ErrorCode(err) == llm.CodeAuth:
		say(false, "llm: %s refused the API key (%v); set %s", cfg.LLM.BaseURL, err, strings.Join(config.EnvNames("llm.api_key"), " or "))
	case err != nil:
		say(false, "llm: cannot list models at %s: %v", cfg.LLM.BaseURL, err)
	default:
		say(true, "llm: %s answers (%d models offered)", cfg.LLM.BaseURL, len(models))
		checkModel(cfg.LLM.Model, "llm.model", models, say)
		for _, m := range cfg.LLM.FallbackModels {
			checkModel(m, "llm.fallback_models", models, say)
		}
	}

	checkStore(ctx, cfg.Store, log, say)

	enabled := cfg.Enabled()
	if len(enabled) == 0 {
		fmt.Fprintln(e.stdout, "note platforms: none enabled; `chat` works, `run` needs MISTRALBOT_SLACK_ENABLED=true or MISTRALBOT_DISCORD_ENABLED=true")
	}
	if cfg.Slack.Enabled {
		say(true, "slack: enabled, %s mode, API %s", cfg.Slack.Mode, cfg.Slack.APIURL)
	}
	if cfg.Discord.Enabled {
		say(true, "discord: enabled, shard %d of %d", cfg.Discord.ShardID, cfg.Discord.ShardCount)
	}
	if !ok {
		return errCheckFailed
	}
	fmt.Fprintln(e.stdout, "everything enabled is usable")
	return nil
}

// checkModel says whether the provider offers model, and what to use when
// it does not.
func checkModel(model, key string, models []llm.ModelInfo, say func(bool, string, ...any)) {
	i := slices.IndexFunc(models, func(m llm.ModelInfo) bool { return m.ID == model })
	if i >= 0 {
		m := models[i]
		say(true, "%s %s is offered: context %d tokens, $%.2f/M in, $%.2f/M out", key, model, m.ContextLength, m.PriceInputPerMTok, m.PriceOutputPerMTok)
		return
	}
	why := "is not offered by this provider"
	if llm.IsRetired(model) {
		why = "is retired"
	}
	alts := llm.SuggestSmall(models)
	if len(alts) == 0 {
		say(false, "%s %s %s", key, model, why)
		return
	}
	say(false, "%s %s %s; Mistral Small ids offered: %s", key, model, why, strings.Join(alts, ", "))
}

// checkStore opens the store as run does (the same options, retries and
// errors) and pings it.
func checkStore(ctx context.Context, c config.Store, log *slog.Logger, say func(bool, string, ...any)) {
	st, err := store.Open(ctx, storeOptions(c, log))
	if err != nil {
		say(false, "store: %v", err)
		return
	}
	defer st.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		say(false, "store: %v", err)
		return
	}
	switch c.Driver {
	case store.DriverRedis:
		say(true, "store: redis %s answers", store.RedactURL(c.RedisURL))
	case store.DriverBolt:
		say(true, "store: bolt %s opens", c.Path)
	default:
		say(true, "store: %s", c.Driver)
	}
}
