package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/console"
	"mistralbot/bots/discord"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/metrics"
	"mistralbot/bots/slack"
	"mistralbot/bots/store"
	"mistralbot/config"
	"mistralbot/llm"
)

// The Engine is what each adapter declares it consumes.
var (
	_ slack.Engine    = (*engine.Engine)(nil)
	_ discord.Engine  = (*engine.Engine)(nil)
	_ discord.Stopper = (*engine.Engine)(nil)
	_ discord.Rater   = (*engine.Engine)(nil)
	_ console.Engine  = (*engine.Engine)(nil)
)

// logOptions are what the logger needs beyond log.*.
type logOptions struct {
	// suppressed, when set, rate-limits each message (see logSampler)
	// and is told of every line dropped; nil writes every line (the
	// one-shot commands).
	suppressed func(level string, n int)
	// redact, when set, hides secrets and capability URLs in every line.
	redact *config.Redactor
}

// newLogger builds the structured logger log.* asks for.
func newLogger(c config.Log, w io.Writer, o logOptions) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if strings.EqualFold(c.Format, "text") {
		h = slog.NewTextHandler(w, opts)
	}
	if o.redact != nil {
		h = newLogRedactor(h, o.redact)
	}
	if o.suppressed != nil {
		h = newLogSampler(h, o.suppressed)
	}
	return slog.New(h)
}

// newLLM builds the chat-completions client from llm.*.
func newLLM(c config.LLM, log *slog.Logger) (*llm.Client, error) {
	client, err := llm.New(llm.Options{
		Dialect:            llm.Dialect(c.Provider),
		BaseURL:            c.BaseURL,
		APIKey:             c.APIKey,
		Model:              c.Model,
		FallbackModels:     c.FallbackModels,
		Headers:            c.Headers,
		Timeout:            c.Timeout,
		FirstByteTimeout:   c.FirstByteTimeout,
		IdleTimeout:        c.IdleTimeout,
		ContextTokens:      configuredContext(c),
		MaxRetries:         c.MaxRetries,
		PriceInputPerMTok:  c.PriceInputPerMTok,
		PriceOutputPerMTok: c.PriceOutputPerMTok,
		Logger:             log,
	})
	if err != nil {
		return nil, fmt.Errorf("llm client: %w", err)
	}
	return client, nil
}

// configuredContext is llm.context_tokens when the operator set it, else
// 0: the client then trusts what the server states (probeContext).
func configuredContext(c config.LLM) int {
	if c.ContextTokensSet {
		return c.ContextTokens
	}
	return 0
}

// probeContext asks the server for the model's context window when
// llm.context_tokens is not set (a local server may run 2k or 256k; the
// catalogue cannot know), and returns the window to trim to: the
// server's when it states one, else fallback. The client remembers the
// server's figure, so the Engine also trims to it when it is smaller. A
// server that cannot be asked costs a log line, not the start.
func probeContext(ctx context.Context, c config.LLM, client *llm.Client, fallback int, log *slog.Logger) int {
	if c.ContextTokensSet {
		return c.ContextTokens
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := client.Probe(pctx, c.Model)
	if err != nil {
		log.Warn("cannot ask the model server for the context window; trimming to the catalogue's", "model", c.Model,
			"context_tokens", fallback, "err", err)
		return fallback
	}
	w := llm.ResolveContext(0, p)
	if p.Context.Tokens > 0 && w.Tokens > c.MaxTokens {
		log.Info("context window", "model", c.Model, "tokens", w.Tokens, "source", w.Source)
		return w.Tokens
	}
	return fallback
}

// storeOptions maps store.* onto store.Open's options; run and check open
// the store the same way.
func storeOptions(c config.Store, log *slog.Logger) store.Options {
	return store.Options{Driver: c.Driver, Path: c.Path, RedisURL: c.RedisURL, KeyPrefix: c.KeyPrefix,
		StartTimeout: c.StartTimeout, Logger: log.With("component", "store")}
}

// engineOptions maps the configuration onto the Engine's options.
func engineOptions(cfg *config.Config, client *llm.Client, store bots.Store, log *slog.Logger) engine.Options {
	channels := make(map[string]bots.ChannelSettings, len(cfg.Channels))
	for id, ch := range cfg.Channels {
		var cs bots.ChannelSettings
		if ch.Language != "" {
			cs.Language = &ch.Language
		}
		if ch.SystemPrompt != "" {
			cs.SystemPrompt = &ch.SystemPrompt
		}
		if ch.Model != "" {
			cs.Model = &ch.Model
		}
		cs.Enabled = ch.Enabled
		if ch.Digest != "" {
			cs.Digest = &ch.Digest // checked by engine.New
		}
		channels[id] = cs
	}
	return engine.Options{
		LLM:   llmcompleter.New(client),
		Store: store,
		Defaults: engine.Defaults{
			SystemPrompt:    cfg.Bot.SystemPrompt,
			Language:        cfg.Bot.Language,
			Model:           cfg.LLM.Model,
			FollowThreads:   cfg.Bot.FollowThreads,
			HistoryMessages: cfg.Bot.HistoryMessages,
		},
		Channels:              channels,
		Admins:                cfg.Bot.Admins,
		AllowedChannels:       cfg.Bot.AllowedChannels,
		AllowedUsers:          cfg.Bot.AllowedUsers,
		RatePerUser:           cfg.Bot.RatePerUser,
		MaxPendingPerUser:     cfg.Bot.MaxPendingPerUser,
		DailyTokensPerChannel: cfg.Bot.DailyTokensPerChannel,
		DailyUSDCap:           cfg.Bot.DailyUSDCap,
		ContextTokens:         cfg.LLM.ContextTokens,
		MaxTokens:             cfg.LLM.MaxTokens,
		MaxReplyBytes:         cfg.Bot.MaxReplyBytes,
		MaxImages:             maxImages(cfg.Bot.MaxImages),
		Temperature:           cfg.LLM.Temperature,
		MaxConcurrency:        cfg.LLM.MaxConcurrency,
		QueueSize:             cfg.LLM.QueueSize,
		TranslateReactions:    cfg.Bot.TranslateReactions,
		ShutdownGrace:         cfg.Server.ShutdownGrace,
		MaxPromptChars:        cfg.Bot.MaxPromptChars,
		ReplicaID:             replicaID(cfg.Server.ReplicaID),
		Summary: engine.SummaryOptions{
			// config filled llm.price_* from the catalogue when unset.
			InPerMTok: cfg.LLM.PriceInputPerMTok, OutPerMTok: cfg.LLM.PriceOutputPerMTok,
			ConfirmUSD: cfg.Bot.SummaryConfirmUSD, MaxMessages: cfg.Bot.SummaryMaxMessages,
		},
		OCR:             ocrPort(cfg, client),
		Transcriber:     voicePort(cfg, client),
		VoiceMaxSeconds: cfg.Bot.VoiceMaxSeconds,
		Logger:          log,
	}
}

// ocrPort is the OCR of scanned PDFs when bot.pdf_ocr is on (config
// checked that the provider is Mistral's), else nil: the no-text notice.
func ocrPort(cfg *config.Config, client *llm.Client) bots.OCR {
	if !cfg.Bot.PDFOCR || !client.OCRAvailable() {
		return nil
	}
	return llmcompleter.NewOCR(client, llmcompleter.OCROptions{MaxPages: cfg.Bot.PDFOCRMaxPages, MaxText: cfg.Bot.AttachmentMaxBytes})
}

// voicePort transcribes voice notes when bot.voice_notes is on (config
// checked that the provider is Mistral's), else nil: the not-read notice.
func voicePort(cfg *config.Config, client *llm.Client) bots.Transcriber {
	if !cfg.Bot.VoiceNotes || !client.TranscribeAvailable() {
		return nil
	}
	return llmcompleter.NewTranscriber(client, cfg.Bot.AttachmentMaxBytes)
}

// platformFiles are the limits of the files an adapter fetches: scanned
// PDFs kept only for OCR, audio fetched only for transcription.
func platformFiles(cfg *config.Config) bots.FileLimits {
	return bots.FileLimits{ImageMaxBytes: cfg.Bot.ImageMaxBytes, KeepScans: cfg.Bot.PDFOCR, KeepAudio: cfg.Bot.VoiceNotes}
}

// replicaID is server.replica_id, else the host name: stable across
// restarts of one container or machine.
func replicaID(configured string) string {
	if configured != "" {
		return configured
	}
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}

// observer reports what the Engine did to the metrics.
type observer struct{ m *metrics.Metrics }

var _ bots.Observer = observer{}

func (o observer) ReplyDone(s bots.ReplyStats) {
	o.m.Reply(metrics.Reply{
		Platform:         string(s.Platform),
		Outcome:          string(s.Outcome),
		EventToFirstCall: s.EventToFirstCall,
		FirstToken:       s.FirstToken,
		FirstVisible:     s.FirstVisible,
		Total:            s.Total,
		PromptTokens:     int64(s.Usage.PromptTokens),
		CompletionTokens: int64(s.Usage.CompletionTokens),
		CostUSD:          s.Usage.CostUSD,
	})
	if s.ErrorCode != "" {
		o.m.LLMError(string(s.ErrorCode))
	}
}

var _ bots.FeedbackObserver = observer{}

// FeedbackGiven implements bots.FeedbackObserver.
func (o observer) FeedbackGiven(p bots.Platform, model, language string, up bool) {
	o.m.Feedback(string(p), model, language, up)
}

func (o observer) Refused(p bots.Platform, reason string) {
	if reason == "duplicate" {
		o.m.Deduped(string(p))
		return
	}
	o.m.Reply(metrics.Reply{Platform: string(p), Outcome: "refused_" + reason})
}

// slackHooks reports the Slack adapter's events to the metrics.
type slackHooks struct{ m *metrics.Metrics }

var _ slack.Hooks = slackHooks{}

func (h slackHooks) Event(t string)               { h.m.Event("slack", t) }
func (h slackHooks) Deduped()                     { h.m.Deduped("slack") }
func (h slackHooks) RateLimited(method string)    { h.m.RateLimited("slack", method) }
func (h slackHooks) APIError(method, code string) { h.m.APIError("slack", method, code) }

// discordHooks reports the Discord adapter's events to the metrics.
type discordHooks struct{ m *metrics.Metrics }

var _ discord.Hooks = discordHooks{}

func (h discordHooks) Event(t string)           { h.m.Event("discord", t) }
func (h discordHooks) Deduped()                 { h.m.Deduped("discord") }
func (h discordHooks) RateLimited(route string) { h.m.RateLimited("discord", route) }
func (h discordHooks) APIError(route string, code int) {
	h.m.APIError("discord", route, fmt.Sprint(code))
}

// slackOptions maps slack.* onto the adapter's options.
func slackOptions(cfg *config.Config, e *engine.Engine, m *metrics.Metrics, log *slog.Logger) slack.Options {
	return slack.Options{
		BotToken:           cfg.Slack.BotToken,
		AppToken:           cfg.Slack.AppToken,
		SigningSecret:      cfg.Slack.SigningSecret,
		Mode:               cfg.Slack.Mode,
		APIURL:             cfg.Slack.APIURL,
		NativeStreaming:    cfg.Slack.NativeStreaming,
		StopButton:         cfg.Slack.StopButton,
		AgentView:          cfg.Slack.AgentView,
		LinkPreviews:       cfg.Bot.LinkPreviews,
		CommandPrefix:      cfg.Slack.CommandPrefix,
		TeamID:             cfg.Slack.TeamID,
		ReducedReads:       cfg.Slack.ReadLimits == config.SlackReadNonMarketplace,
		FollowThreads:      cfg.Bot.FollowThreads,
		AttachmentMaxBytes: cfg.Bot.AttachmentMaxBytes,
		Files:              platformFiles(cfg),
		TranslateReactions: cfg.Bot.TranslateReactions,
		Engine:             e,
		HTTPClient:         platformClient(30 * time.Second),
		Logger:             log, // the adapter adds platform=slack itself
		Hooks:              slackHooks{m},
	}
}

// discordOptions maps discord.* onto the adapter's options. e may be nil
// for commands that only call the REST API.
func discordOptions(cfg *config.Config, e *engine.Engine, m *metrics.Metrics, log *slog.Logger) discord.Options {
	o := discord.Options{
		Token:              cfg.Discord.Token,
		ApplicationID:      cfg.Discord.ApplicationID,
		PublicKey:          cfg.Discord.PublicKey,
		APIURL:             cfg.Discord.APIURL,
		GatewayURL:         cfg.Discord.GatewayURL,
		ShardID:            cfg.Discord.ShardID,
		ShardCount:         cfg.Discord.ShardCount,
		GuildID:            cfg.Discord.GuildID,
		FollowThreads:      cfg.Bot.FollowThreads,
		AttachmentMaxBytes: cfg.Bot.AttachmentMaxBytes,
		Files:              platformFiles(cfg),
		TranslateReactions: cfg.Bot.TranslateReactions,
		LinkPreviews:       cfg.Bot.LinkPreviews,
		HTTPClient:         platformClient(20 * time.Second),
		GlobalPerSecond:    cfg.Discord.RequestsPerSecond,
		StopButton:         cfg.Discord.StopButton,
		ShutdownGrace:      cfg.Server.ShutdownGrace,
		Logger:             log.With("platform", "discord"),
	}
	if e != nil {
		o.Engine = e
	}
	if m != nil {
		o.Hooks = discordHooks{m}
	}
	return o
}

// platformClient is the HTTP client of a platform's API: every reply in
// flight calls the same host, so keep enough idle connections for all of
// them (net/http keeps 2 per host by default, and a busy bot would open and
// close a connection for most calls).
func platformClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return &http.Client{Timeout: timeout, Transport: t}
}

// maxImages maps bot.max_images (0: none) onto engine.Options.MaxImages
// (0: the default, negative: none).
func maxImages(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
