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
	b.WriteString(c.reasonLines(ctx, fs, msg.SettingsID(), lang))
	return b.String()
}

// maxReasonLines bounds the 👎 reasons an admin's /usage shows: the last
// few say what goes wrong; the store keeps them all.
const maxReasonLines = 5

// reasonShown bounds one reason as shown, in characters (a reason is up to
// bots.FeedbackReasonMax).
const reasonShown = 160

// reasonLines are the channel's last 👎 reasons, newest first as the store
// lists them by answer id (ids are in time order on both platforms). A
// reason is the voter's own text: quoted on one line, never a mention.
func (c *Commands) reasonLines(ctx context.Context, fs bots.FeedbackStore, channel, lang string) string {
	votes, err := fs.FeedbackReasons(ctx, channel)
	if err != nil {
		c.opts.Logger.WarnContext(ctx, "feedback reasons read failed", "channel", channel, "err", err)
		return ""
	}
	var b strings.Builder
	for i := len(votes) - 1; i >= 0 && len(votes)-i <= maxReasonLines; i-- {
		b.WriteString("\n")
		b.WriteString(i18n.T(lang, i18n.FeedbackReasonLine, votes[i].Model, oneLine(votes[i].Reason, reasonShown)))
	}
	return b.String()
}

// oneLine folds s onto one line and cuts it to max characters, with an
// ellipsis when cut; the platforms' mention syntax is broken ("<@U1>",
// "@everyone"), so quoting a reason pings nobody.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("<", "‹", ">", "›", "@", "@\u200b").Replace(s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}
