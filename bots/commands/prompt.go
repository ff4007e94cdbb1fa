package commands

import (
	"context"
	"strings"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// promptCommand shows, sets or clears the channel system prompt (setting
// and clearing need admin rights).
func (c *Commands) promptCommand(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) string {
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
			return i18n.T(lang, i18n.PromptCurrent, set.SystemPrompt)
		}
		return i18n.T(lang, i18n.PromptNone)
	}
	if !c.isAdmin(cmd.Msg) {
		return i18n.T(lang, i18n.NotAdmin)
	}
	if action == "clear" {
		text = ""
	} else if n := utf8.RuneCountInString(text); n > c.opts.MaxPromptChars {
		return i18n.T(lang, i18n.PromptTooLong, c.opts.MaxPromptChars)
	} else if text == "" {
		return i18n.T(lang, i18n.PromptNone)
	}
	if err := c.opts.Settings.UpdateSettings(ctx, set.Channel, bots.ChannelSettings{SystemPrompt: &text}); err != nil {
		c.opts.Logger.ErrorContext(ctx, "cannot save channel prompt", "channel", set.Channel, "err", err)
		return i18n.T(lang, i18n.ErrInternal)
	}
	c.opts.Logger.InfoContext(ctx, "channel prompt changed", "channel", set.Channel, "chars", len(text),
		"by", bots.UserID(cmd.Msg.Key.Platform, cmd.Msg.UserID))
	if text == "" {
		// channels.* in the configuration may give the channel a prompt of
		// its own: say which one applies now.
		if after := c.opts.Settings.Settings(ctx, set.Channel); after.ChannelPrompt {
			return i18n.T(lang, i18n.PromptClearedToConfig, after.SystemPrompt)
		}
		return i18n.T(lang, i18n.PromptCleared)
	}
	return i18n.T(lang, i18n.PromptSet)
}
