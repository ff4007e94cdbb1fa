package slack

import (
	"context"
	"strings"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

const (
	// sectionLimit is a section block's text limit and headerLimit a
	// header's (https://docs.slack.dev/reference/block-kit/blocks/section-block,
	// .../header-block); a view holds at most 100 blocks
	// (https://docs.slack.dev/reference/methods/views.publish).
	sectionLimit = 3000
	headerLimit  = 150
	// homePromptRunes is how much of a system prompt the Home tab shows.
	homePromptRunes = 200
)

// publishHome renders the Home tab for user in their language and
// publishes it with views.publish: what the bot can do (the help text),
// the user's usage today and this month (the /usage report), the
// defaults every channel starts from and, when the user is viewing a
// channel, that channel's settings. The texts come from the Engine's own
// commands, so the Home tab and /help, /usage never disagree.
// https://docs.slack.dev/reference/methods/views.publish
func (a *Adapter) publishHome(ctx context.Context, team, user, dm string) {
	info := a.users.info(ctx, user)
	lang := a.uiLang(ctx, dm, info.Locale)
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Slack, Team: team, Channel: dm},
		SettingsChannel: dm, UserID: user, UserName: info.Name, Locale: info.Locale,
		Admin: info.Admin, DM: true, Time: a.now(),
	}
	run := func(name string) string {
		return a.opts.Engine.Command(ctx, a, bots.Command{Name: name, Msg: msg,
			Options: map[string]string{"prefix": "/" + a.opts.CommandPrefix}}).Text
	}
	var blocks []slackgo.Block
	blocks = appendSection(blocks, i18n.T(lang, i18n.HomeCapabilities), run("help"))
	blocks = append(blocks, slackgo.NewDividerBlock())
	blocks = appendSection(blocks, i18n.T(lang, i18n.HomeUsage), run("usage"))
	blocks = append(blocks, slackgo.NewDividerBlock())
	// No channel has the empty id: it resolves to the bot-wide defaults
	// (bot.* in config) that a channel without settings of its own uses.
	defaults := a.opts.Engine.Settings(ctx, bots.ChannelID(bots.Slack, ""))
	body := settingsText(lang, defaults)
	if ch, _ := a.viewing.Get(viewKey(team, user)); ch != "" && ch != dm {
		set := a.opts.Engine.Settings(ctx, bots.ChannelID(bots.Slack, ch))
		body += "\n\n" + i18n.T(lang, i18n.HomeViewing, "\x00ch\x00") + "\n" + settingsText(lang, set)
		body = strings.Replace(Mrkdwn(body), "\x00ch\x00", "<#"+ch+">", 1)
		blocks = appendMrkdwn(blocks, i18n.T(lang, i18n.HomeDefaults), body)
	} else {
		blocks = appendSection(blocks, i18n.T(lang, i18n.HomeDefaults), body)
	}
	if len(blocks) > 100 {
		blocks = blocks[:100]
	}
	ctx, cancel := context.WithTimeout(ctx, agentCallTimeout)
	defer cancel()
	_, err := a.api.PublishViewContext(ctx, slackgo.PublishViewContextRequest{UserID: user,
		View: slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, Blocks: slackgo.Blocks{BlockSet: blocks}}})
	if err != nil {
		a.log.WarnContext(ctx, "cannot publish the Home tab", "user", user, "err", a.apiErr(ctx, "views.publish", err, nil))
	}
}

// settingsText renders effective settings (Markdown).
func settingsText(lang string, s bots.Settings) string {
	language := i18n.T(lang, i18n.HomeLangAuto)
	if s.Fixed() {
		language = i18n.Name(s.Language, lang)
	}
	model := i18n.T(lang, i18n.HomeModelDefault)
	if s.Model != "" {
		model = "`" + s.Model + "`"
	}
	prompt := i18n.T(lang, i18n.HomePromptBuiltin)
	if p := strings.Join(strings.Fields(s.SystemPrompt), " "); p != "" {
		if r := []rune(p); len(r) > homePromptRunes {
			p = string(r[:homePromptRunes-1]) + "…"
		}
		prompt = "_" + p + "_"
	}
	return i18n.T(lang, i18n.HomeSettings, language, model, prompt)
}

// appendSection adds a header and the Markdown body rendered to mrkdwn.
func appendSection(blocks []slackgo.Block, header, markdown string) []slackgo.Block {
	return appendMrkdwn(blocks, header, Mrkdwn(markdown))
}

// appendMrkdwn adds a header and a mrkdwn body split into sections that
// fit Slack's limit, at line boundaries when it can.
func appendMrkdwn(blocks []slackgo.Block, header, body string) []slackgo.Block {
	if r := []rune(header); len(r) > headerLimit {
		header = string(r[:headerLimit-1]) + "…"
	}
	blocks = append(blocks, slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, header, true, false)))
	for _, part := range splitSections(body) {
		blocks = append(blocks, slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, part, false, false), nil, nil))
	}
	return blocks
}

// splitSections cuts text into pieces of at most sectionLimit runes.
func splitSections(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return []string{"—"}
	}
	var out []string
	for {
		r := []rune(text)
		if len(r) <= sectionLimit {
			return append(out, text)
		}
		cut := sectionLimit
		if i := strings.LastIndex(string(r[:sectionLimit]), "\n"); i > 0 {
			cut = len([]rune(string(r[:sectionLimit])[:i]))
		}
		out = append(out, strings.TrimSpace(string(r[:cut])))
		text = strings.TrimSpace(string(r[cut:]))
	}
}
