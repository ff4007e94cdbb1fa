package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	red := config.NewRedactor(cfg.Secrets()...)
	c := &checker{w: e.stdout, red: red}
	say := c.say
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
		c.note("slack: enabled, %s mode, API %s", cfg.Slack.Mode, cfg.Slack.APIURL)
		checkSlack(ctx, cfg, platformClient(checkTimeout), c)
	}
	if cfg.Discord.Enabled {
		c.note("discord: enabled, shard %d of %d, API %s", cfg.Discord.ShardID, cfg.Discord.ShardCount, cfg.Discord.APIURL)
		checkDiscord(ctx, cfg, platformClient(checkTimeout), c)
	}
	if c.failed {
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

// checker prints check's verdicts, one line each: "ok" or "FAIL" and the
// reason, or "note" for what is only information.
type checker struct {
	w      io.Writer
	red    *config.Redactor
	failed bool
}

// say prints one verdict; reasons quote what servers answered, which may
// echo a key, so they are redacted.
func (c *checker) say(good bool, format string, args ...any) {
	mark := "ok  "
	if !good {
		mark, c.failed = "FAIL", true
	}
	fmt.Fprintf(c.w, "%s %s\n", mark, c.red.Redact(fmt.Sprintf(format, args...)))
}

// note prints information that passes or fails nothing.
func (c *checker) note(format string, args ...any) {
	fmt.Fprintf(c.w, "note %s\n", c.red.Redact(fmt.Sprintf(format, args...)))
}
