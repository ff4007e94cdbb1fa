package slack

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// uiLang chooses the language of the adapter's own texts: the channel's
// fixed language, else the asker's Slack locale, matched to a catalog.
func (a *Adapter) uiLang(ctx context.Context, channel, locale string) string {
	if set := a.opts.Engine.Settings(ctx, bots.ChannelID(bots.Slack, channel)); set.Fixed() {
		return i18n.Match(set.Language)
	}
	return i18n.Match(locale)
}

// suggestedPrompts are the assistant thread's starter prompts in lang.
func suggestedPrompts(lang string) [][2]string {
	return [][2]string{
		{i18n.T(lang, i18n.SuggestTitle1), i18n.T(lang, i18n.SuggestPrompt1)},
		{i18n.T(lang, i18n.SuggestTitle2), i18n.T(lang, i18n.SuggestPrompt2)},
		{i18n.T(lang, i18n.SuggestTitle3), i18n.T(lang, i18n.SuggestPrompt3)},
	}
}

// questionText renders the message that starts a command's thread:
// QuestionPosted (Markdown) with the asker's mention, which the adapter
// writes itself and so is not escaped, and the question rendered to
// mrkdwn (escaped like any user-provided text).
func questionText(lang, userID, questionMD string) string {
	const userMark, questionMark = "\x00user\x00", "\x00question\x00"
	rendered := Mrkdwn(i18n.T(lang, i18n.QuestionPosted, userMark, questionMark))
	q := Mrkdwn(questionMD)
	if strings.Contains(q, "\n") {
		q = "\n" + q
	}
	return strings.NewReplacer(userMark, "<@"+userID+">", questionMark, q).Replace(rendered)
}
