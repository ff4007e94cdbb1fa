package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"mistralbot/bots/store"
	"mistralbot/config"
	"mistralbot/llm"
)

// errCheckFailed makes check exit 1 after printing what is wrong.
var errCheckFailed = errors.New("check failed: see above")

// checkOptions are check's flags.
type checkOptions struct {
	// showConfig prints the configuration (redacted) after the results:
	// 80 lines a person rarely needs ahead of the verdicts.
	showConfig bool
}

// runCheck is the check command: it reaches the LLM and the store, says
// what is usable, and with -v prints the configuration (redacted).
func runCheck(ctx context.Context, cfg *config.Config, retired []string, o checkOptions, e env) error {
	if o.showConfig {
		defer fmt.Fprintf(e.stdout, "\n# configuration (secrets redacted)\n%s\n", cfg.Redacted())
	}
	red := config.NewRedactor(cfg.Secrets()...)
	c := &checker{w: e.stdout, red: red}
	say := c.say
	// run and chat carry on with the current model: a warning, not a
	// failure (the exit code stays 0 when the rest is usable).
	for _, w := range retired {
		c.warn("%s", w)
	}
	log := newLogger(config.Log{Level: "error", Format: "text"}, e.stderr, logOptions{redact: red})

	client, err := newLLM(cfg.LLM, log)
	if err != nil {
		return err
	}
	checkLLM(ctx, cfg.LLM, client, c)
	if cfg.Bot.PDFOCR {
		c.note("bot.pdf_ocr: scanned PDFs read with %s, at most %d pages each ($%.3f at most at $%.0f per 1000 pages)",
			llm.OCRModel, cfg.Bot.PDFOCRMaxPages, float64(cfg.Bot.PDFOCRMaxPages)*llm.OCRUSDPer1000Pages/1000, llm.OCRUSDPer1000Pages)
	}

	if cfg.Bot.VoiceNotes {
		c.note("bot.voice_notes: voice notes transcribed with %s, at most %d s each ($%.3f at most at $%.3f per minute)",
			llm.TranscribeModel, cfg.Bot.VoiceMaxSeconds, float64(cfg.Bot.VoiceMaxSeconds)/60*llm.TranscribeUSDPerMinute, llm.TranscribeUSDPerMinute)
	}

	checkStore(ctx, cfg.Store, log, say)

	checkTools(ctx, cfg, log, c)

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

// checkLLM reaches the provider: the key, the model (an Ollama-style
// name matches its ":latest" tag), its context window and where the
// figure comes from (llm.context_tokens must not exceed what the server
// runs), the live price against the catalogue, and the fallbacks with
// the plan a failing request follows.
func checkLLM(ctx context.Context, c config.LLM, client *llm.Client, ch *checker) {
	say := ch.say
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	p, err := client.Probe(lctx, c.Model)
	cancel()
	switch {
	case llm.ErrorCode(err) == llm.CodeAuth:
		say(false, "llm: %s refused the API key (%v); set %s", c.BaseURL, err, strings.Join(config.EnvNames("llm.api_key"), " or "))
		return
	case err != nil:
		say(false, "llm: cannot list models at %s: %v", c.BaseURL, err)
		return
	}
	say(true, "llm: %s answers (%d models offered)", c.BaseURL, len(p.Models))
	configured := 0
	if c.ContextTokensSet {
		configured = c.ContextTokens
	}
	if checkModel(p, "llm.model", say) {
		w := llm.ResolveContext(configured, p)
		if problem := llm.ContextProblem(configured, p); problem != "" {
			say(false, "%s", problem)
		} else if w.Tokens <= c.MaxTokens {
			say(false, "llm.max_tokens %d leaves no room for a question in the %d-token context window (%s)", c.MaxTokens, w.Tokens, w.Source)
		} else {
			say(true, "llm: context window %d tokens (%s), answers up to %d tokens", w.Tokens, w.Source, c.MaxTokens)
		}
		if warn := llm.PriceWarning(c.PriceInputPerMTok, c.PriceOutputPerMTok, p.Listed); warn != "" {
			ch.note("llm: %s", warn)
		}
	}
	for _, m := range c.FallbackModels {
		mi, ok := llm.MatchModel(m, p.Models)
		checkModel(llm.Probe{Model: m, Listed: mi, Found: ok, Models: p.Models}, "llm.fallback_models", say)
	}
	say(true, "llm: %s", llm.FallbackPlan(llm.Dialect(c.Provider), c.Model, c.FallbackModels))
}

// checkModel says whether the provider offers the probed model, and what
// to use when it does not.
func checkModel(p llm.Probe, key string, say func(bool, string, ...any)) bool {
	switch {
	case p.Found:
		m := p.Listed
		say(true, "%s %s is offered as %s: $%.2f/M in, $%.2f/M out", key, p.Model, m.ID, m.PriceInputPerMTok, m.PriceOutputPerMTok)
		return true
	case p.Sole:
		say(true, "%s %s: the server serves one model (%s) and answers to any name", key, p.Model, p.Listed.ID)
		return true
	}
	why := "is not offered by this provider"
	if llm.IsRetired(p.Model) {
		why = "is retired"
	}
	alts := llm.SuggestSmall(p.Models)
	if len(alts) == 0 {
		say(false, "%s %s %s", key, p.Model, why)
		return false
	}
	say(false, "%s %s %s; Mistral Small ids offered: %s", key, p.Model, why, strings.Join(alts, ", "))
	return false
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
// reason, "WARN" for what is worked around, or "note" for what is only
// information.
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

// warn prints a problem run and chat work around; it fails nothing.
func (c *checker) warn(format string, args ...any) {
	fmt.Fprintf(c.w, "WARN %s\n", c.red.Redact(fmt.Sprintf(format, args...)))
}

// note prints information that passes or fails nothing.
func (c *checker) note(format string, args ...any) {
	fmt.Fprintf(c.w, "note %s\n", c.red.Redact(fmt.Sprintf(format, args...)))
}
