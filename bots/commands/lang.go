package commands

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// langCommand shows the channel language, or sets it (admins only).
func (c *Commands) langCommand(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) string {
	arg := strings.TrimSpace(cmd.Text)
	if arg == "" {
		if set.Fixed() {
			return i18n.T(lang, i18n.LangCurrent, i18n.Name(set.Language, lang))
		}
		return i18n.T(lang, i18n.LangAuto)
	}
	if !c.isAdmin(cmd.Msg) {
		return i18n.T(lang, i18n.NotAdmin)
	}
	code := bots.LanguageAuto
	if !strings.EqualFold(arg, bots.LanguageAuto) {
		c, ok := i18n.Normalize(arg)
		if !ok {
			return i18n.T(lang, i18n.LangInvalid, arg, acceptedLanguages(lang))
		}
		code = c
	}
	if err := c.opts.Settings.UpdateSettings(ctx, set.Channel, bots.ChannelSettings{Language: &code}); err != nil {
		c.opts.Logger.ErrorContext(ctx, "cannot save channel language", "channel", set.Channel, "err", err)
		return i18n.T(lang, i18n.ErrInternal)
	}
	c.opts.Logger.InfoContext(ctx, "channel language set", "channel", set.Channel, "language", code,
		"by", bots.UserID(cmd.Msg.Key.Platform, cmd.Msg.UserID))
	if code == bots.LanguageAuto {
		return i18n.T(lang, i18n.LangSetAuto)
	}
	// Confirm in the new language: that is what the channel will see.
	nl := i18n.Match(code)
	return i18n.T(nl, i18n.LangSet, i18n.Name(code, nl))
}

// acceptedLanguages lists the accepted forms for the "unknown language"
// refusal: the catalog codes, a name, a BCP-47 tag and auto.
func acceptedLanguages(inLang string) string {
	return "`en`, `fr`, `de`, `it`, `es`, `" + i18n.Name("fr", inLang) + "`, `pt-BR`, `auto`"
}
