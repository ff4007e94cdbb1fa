package engine

import (
	"context"
	"strings"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// langCommand shows the channel language, or sets it (admins only).
func (e *Engine) langCommand(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) string {
	arg := strings.TrimSpace(cmd.Text)
	if arg == "" {
		if set.Fixed() {
			return e.tr(lang, i18n.LangCurrent, languageLabel(set.Language, lang))
		}
		return e.tr(lang, i18n.LangAuto)
	}
	if !e.isAdmin(cmd.Msg) {
		return e.tr(lang, i18n.NotAdmin)
	}
	code := bots.LanguageAuto
	if !strings.EqualFold(arg, bots.LanguageAuto) {
		c, ok := normalizeLanguage(arg)
		if !ok {
			return e.tr(lang, i18n.LangInvalid, arg, acceptedLanguages(lang))
		}
		code = c
	}
	if err := e.updateSettings(ctx, set.Channel, bots.ChannelSettings{Language: &code}); err != nil {
		e.log.ErrorContext(ctx, "cannot save channel language", "channel", set.Channel, "err", err)
		return e.tr(lang, i18n.ErrInternal)
	}
	e.log.InfoContext(ctx, "channel language set", "channel", set.Channel, "language", code,
		"by", bots.UserID(cmd.Msg.Key.Platform, cmd.Msg.UserID))
	if code == bots.LanguageAuto {
		return e.tr(lang, i18n.LangSetAuto)
	}
	// Confirm in the new language: that is what the channel will see.
	nl := matchCatalog(code)
	return e.tr(nl, i18n.LangSet, languageLabel(code, nl))
}

// promptCommand shows, sets or clears the channel system prompt (setting
// and clearing need admin rights).
func (e *Engine) promptCommand(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) string {
	text := strings.TrimSpace(cmd.Text)
	action := strings.ToLower(cmd.Options["action"])
	if action == "" {
		word, rest := firstWord(text)
		switch {
		case text == "" || strings.EqualFold(text, "show"):
			action = "show"
		case strings.EqualFold(text, "clear") || strings.EqualFold(text, "reset"):
			action = "clear"
		case strings.EqualFold(word, "set"):
			// "/prompt set <text>", as Slack's usage hint shows it.
			action, text = "set", strings.TrimSpace(rest)
		default:
			action = "set"
		}
	}
	if action == "show" {
		if set.ChannelPrompt {
			return e.tr(lang, i18n.PromptCurrent, set.SystemPrompt)
		}
		return e.tr(lang, i18n.PromptNone)
	}
	if !e.isAdmin(cmd.Msg) {
		return e.tr(lang, i18n.NotAdmin)
	}
	if action == "clear" {
		text = ""
	} else if n := utf8.RuneCountInString(text); n > e.opts.MaxPromptChars {
		return e.tr(lang, i18n.PromptTooLong, e.opts.MaxPromptChars)
	} else if text == "" {
		return e.tr(lang, i18n.PromptNone)
	}
	if err := e.updateSettings(ctx, set.Channel, bots.ChannelSettings{SystemPrompt: &text}); err != nil {
		e.log.ErrorContext(ctx, "cannot save channel prompt", "channel", set.Channel, "err", err)
		return e.tr(lang, i18n.ErrInternal)
	}
	e.log.InfoContext(ctx, "channel prompt changed", "channel", set.Channel, "chars", len(text),
		"by", bots.UserID(cmd.Msg.Key.Platform, cmd.Msg.UserID))
	if text == "" {
		// channels.* in the configuration may give the channel a prompt of
		// its own: say which one applies now.
		if after := e.Settings(ctx, set.Channel); after.ChannelPrompt {
			return e.tr(lang, i18n.PromptClearedToConfig, after.SystemPrompt)
		}
		return e.tr(lang, i18n.PromptCleared)
	}
	return e.tr(lang, i18n.PromptSet)
}

// usageReport reads the asker's and the channel's usage for today and this
// month (four reads; a failed read counts as zero and is logged).
func (e *Engine) usageReport(ctx context.Context, msg bots.Message, lang string) string {
	now := e.now()
	user, channel := bots.UserID(msg.Key.Platform, msg.UserID), settingsID(msg)
	args := make([]any, 0, 12)
	for _, q := range []struct {
		scope bots.UsageScope
		id    string
		p     bots.Period
	}{
		{bots.ScopeUser, user, bots.Day(now)}, {bots.ScopeUser, user, bots.Month(now)},
		{bots.ScopeChannel, channel, bots.Day(now)}, {bots.ScopeChannel, channel, bots.Month(now)},
	} {
		t, err := e.stores.usage.Usage(ctx, q.scope, q.id, q.p)
		if err != nil {
			e.log.WarnContext(ctx, "usage read failed", "id", q.id, "period", q.p, "err", err)
		}
		args = append(args, t.Requests, t.Tokens(), t.CostUSD)
	}
	return e.tr(lang, i18n.UsageReport, args...) + e.feedbackLines(ctx, msg, lang)
}
