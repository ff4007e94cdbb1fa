package commands

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// usageReport reads the asker's and the channel's usage for today and this
// month (four reads; a failed read counts as zero and is logged).
func (c *Commands) usageReport(ctx context.Context, msg bots.Message, lang string) string {
	now := c.opts.Now()
	user, channel := bots.UserID(msg.Key.Platform, msg.UserID), msg.SettingsID()
	args := make([]any, 0, 12)
	for _, q := range []struct {
		scope bots.UsageScope
		id    string
		p     bots.Period
	}{
		{bots.ScopeUser, user, bots.Day(now)}, {bots.ScopeUser, user, bots.Month(now)},
		{bots.ScopeChannel, channel, bots.Day(now)}, {bots.ScopeChannel, channel, bots.Month(now)},
	} {
		t, err := c.opts.Usage.Usage(ctx, q.scope, q.id, q.p)
		if err != nil {
			c.opts.Logger.WarnContext(ctx, "usage read failed", "id", q.id, "period", q.p, "err", err)
		}
		args = append(args, t.Requests, t.Tokens(), t.CostUSD)
	}
	return i18n.T(lang, i18n.UsageReport, args...) + c.feedbackLines(ctx, msg, lang)
}

// feedbackLines are the channel's votes per model and language, for an
// admin's /usage ("" for others, or without votes); an admin is one the
// platform names or bot.admins lists, as for the settings commands. A
// failed read is logged and left out.
func (c *Commands) feedbackLines(ctx context.Context, msg bots.Message, lang string) string {
	fs := c.opts.Feedback
	if fs == nil || !c.isAdmin(msg) {
		return ""
	}
	counts, err := fs.FeedbackCounts(ctx, msg.SettingsID())
	if err != nil {
		c.opts.Logger.WarnContext(ctx, "feedback read failed", "channel", msg.SettingsID(), "err", err)
		return ""
	}
	var b strings.Builder
	for _, n := range counts {
		b.WriteString("\n")
		b.WriteString(i18n.T(lang, i18n.FeedbackLine, n.Model, n.Language, n.Up, n.Down))
	}
	return b.String()
}
