package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord"
	"mistralbot/bots/metrics"
	"mistralbot/bots/slack"
	"mistralbot/config"
	"mistralbot/llm"
)

// newLogger builds the structured logger log.* asks for.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
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
		IdleTimeout:        c.IdleTimeout,
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

// engineOptions maps the configuration onto the Engine's options.
func engineOptions(cfg *config.Config, client *llm.Client, store bots.Store, log *slog.Logger) bots.EngineOptions {
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
		channels[id] = cs
	}
	return bots.EngineOptions{
		LLM:   client,
		Store: store,
		Defaults: bots.Defaults{
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
		DailyTokensPerChannel: cfg.Bot.DailyTokensPerChannel,
		DailyUSDCap:           cfg.Bot.DailyUSDCap,
		ContextTokens:         cfg.LLM.ContextTokens,
		MaxTokens:             cfg.LLM.MaxTokens,
		MaxImages:             maxImages(cfg.Bot.MaxImages),
		Temperature:           cfg.LLM.Temperature,
		MaxConcurrency:        cfg.LLM.MaxConcurrency,
		QueueSize:             cfg.LLM.QueueSize,
		TranslateReactions:    cfg.Bot.TranslateReactions,
		ShutdownGrace:         cfg.Server.ShutdownGrace,
		MaxPromptChars:        cfg.Bot.MaxPromptChars,
		Estimator:             client.Estimator(),
		ReplicaID:             replicaID(cfg.Server.ReplicaID),
		Logger:                log,
	}
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
func discordHooks(m *metrics.Metrics) discord.Hooks {
	return discord.Hooks{
		Event:       func(t string) { m.Event("discord", t) },
		Deduped:     func() { m.Deduped("discord") },
		RateLimited: func(route string) { m.RateLimited("discord", route) },
		APIError:    func(route string, code int) { m.APIError("discord", route, fmt.Sprint(code)) },
	}
}

// slackOptions maps slack.* onto the adapter's options.
func slackOptions(cfg *config.Config, e *bots.Engine, m *metrics.Metrics, log *slog.Logger) slack.Options {
	return slack.Options{
		BotToken:           cfg.Slack.BotToken,
		AppToken:           cfg.Slack.AppToken,
		SigningSecret:      cfg.Slack.SigningSecret,
		Mode:               cfg.Slack.Mode,
		APIURL:             cfg.Slack.APIURL,
		NativeStreaming:    cfg.Slack.NativeStreaming,
		CommandPrefix:      cfg.Slack.CommandPrefix,
		FollowThreads:      cfg.Bot.FollowThreads,
		AttachmentMaxBytes: cfg.Bot.AttachmentMaxBytes,
		Files:              bots.FileLimits{ImageMaxBytes: cfg.Bot.ImageMaxBytes},
		TranslateReactions: cfg.Bot.TranslateReactions,
		Engine:             e,
		HTTPClient:         platformClient(30 * time.Second),
		Logger:             log, // the adapter adds platform=slack itself
		Hooks:              slackHooks{m},
	}
}

// discordOptions maps discord.* onto the adapter's options. e may be nil
// for commands that only call the REST API.
func discordOptions(cfg *config.Config, e *bots.Engine, m *metrics.Metrics, log *slog.Logger) discord.Options {
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
		Files:              bots.FileLimits{ImageMaxBytes: cfg.Bot.ImageMaxBytes},
		TranslateReactions: cfg.Bot.TranslateReactions,
		HTTPClient:         platformClient(20 * time.Second),
		GlobalPerSecond:    cfg.Discord.RequestsPerSecond,
		Logger:             log.With("platform", "discord"),
	}
	if e != nil {
		o.Engine = e
	}
	if m != nil {
		o.Hooks = discordHooks(m)
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

// maxImages maps bot.max_images (0: none) onto EngineOptions.MaxImages
// (0: the default, negative: none).
func maxImages(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
