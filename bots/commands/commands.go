// Package commands runs the slash commands: one file per command (help,
// lang, prompt, usage, and ask.go for the model commands /ask, /code,
// /explain, /review, /translate, which become a bots.Ask the Engine
// answers). It works over the store ports (bots.UsageStore,
// bots.FeedbackStore) and two small ports of the Engine it declares
// here: the channel's resolved settings and the usage limits. It starts
// no goroutine.
package commands

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// Settings is what the commands need of the Engine's settings.
type Settings interface {
	// Settings returns a channel's effective settings (config defaults,
	// channels.*, the store's overrides).
	Settings(ctx context.Context, channelID string) bots.Settings
	// UpdateSettings merges cs over the channel's stored overrides; the
	// next Settings sees the change.
	UpdateSettings(ctx context.Context, channelID string, cs bots.ChannelSettings) error
}

// Limits is the Engine's usage limits, checked before a model command.
type Limits interface {
	// OverLimit returns the localized refusal (in lang) when msg's author
	// or channel is over a limit, "" when within.
	OverLimit(ctx context.Context, msg bots.Message, lang string) string
}

// Options configure Commands.
type Options struct {
	Settings Settings
	Limits   Limits
	Usage    bots.UsageStore
	// Feedback adds the answers' votes to /usage for admins; nil = none.
	Feedback bots.FeedbackStore
	// Admins are bot.admins, prefixed ids ("slack:U1"), normalized.
	Admins []string
	// Prefix is put before command names in help texts ("/").
	Prefix string
	// MaxPromptChars bounds a channel system prompt set with /prompt.
	MaxPromptChars int
	Now            func() time.Time
	Logger         *slog.Logger
}

// Commands runs commands. Safe for concurrent use.
type Commands struct {
	opts Options
}

// New returns Commands; Settings, Limits and Usage are required.
func New(opts Options) *Commands {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Commands{opts: opts}
}

// Name normalizes a command name as platforms send it ("/Ask " -> "ask").
func Name(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/")) }

// Run runs cmd in a channel whose settings are set, answering in lang.
// The allow-lists were checked by the caller. It never blocks on the
// model: a model command returns an Ask; refusals (permissions, limits,
// bad arguments) come back as localized Response.Text.
func (c *Commands) Run(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) bots.Response {
	return c.RunChecked(ctx, cmd, set, lang, func(lang string) string { return c.opts.Limits.OverLimit(ctx, cmd.Msg, lang) })
}

// Model reports whether name (normalized) is a model command, whose
// answer is an Ask and which the limits apply to.
func Model(name string) bool {
	switch name {
	case "ask", "code", "explain", "review", "translate":
		return true
	}
	return false
}

// RunChecked is Run for a caller that checked the limits itself, beside
// its other store calls (the Engine: one round trip before the question
// is posted, issue 12). overLimit returns the localized refusal, "" when
// within; it is called only for a model command that would run (the
// channel enabled, its arguments good), so that a refusal is counted only
// when it is the answer.
func (c *Commands) RunChecked(ctx context.Context, cmd bots.Command, set bots.Settings, lang string, overLimit func(lang string) string) bots.Response {
	name := Name(cmd.Name)
	switch name {
	case "help":
		return bots.Response{Text: c.help(lang, cmd)}
	case "lang":
		return bots.Response{Text: c.langCommand(ctx, cmd, set, lang)}
	case "prompt":
		return bots.Response{Text: c.promptCommand(ctx, cmd, set, lang)}
	case "usage":
		return bots.Response{Text: c.usageReport(ctx, cmd.Msg, lang)}
	case "ask", "code", "explain", "review", "translate":
	default:
		return bots.Response{Text: c.help(lang, cmd)}
	}
	if !set.Enabled {
		return bots.Response{Text: i18n.T(lang, i18n.ChannelDisabled)}
	}
	ask, refusal := c.Prepare(name, cmd, lang)
	if ask == nil {
		return bots.Response{Text: refusal}
	}
	if refusal := overLimit(lang); refusal != "" {
		return bots.Response{Text: refusal}
	}
	return bots.Response{Ask: ask}
}

// isAdmin reports whether the asker may change channel settings: the
// platform says so (Discord Manage Channels, Slack admins and owners) or
// bot.admins lists them.
func (c *Commands) isAdmin(msg bots.Message) bool {
	return msg.Admin || slices.Contains(c.opts.Admins, bots.UserID(msg.Key.Platform, msg.UserID))
}
