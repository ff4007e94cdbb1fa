package commands_test

import (
	"context"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// An admin named by bot.admins (the platform does not flag them) sees the
// channel's votes in /usage, like an admin the platform names; others do
// not.
func TestUsageShowsFeedbackToConfiguredAdmins(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory(store.MemoryOptions{})
	if _, err := st.Vote(ctx, bots.Feedback{Reply: "r1", User: "slack:U1", Channel: "slack:C1", Model: "m", Language: "en", Up: true}); err != nil {
		t.Fatal(err)
	}
	c := commands.New(commands.Options{Settings: &fakeSettings{}, Limits: &fakeLimits{}, Usage: st, Feedback: st,
		Admins: []string{"slack:UADMIN"}, Prefix: "/", MaxPromptChars: 20})
	line := i18n.T("en", i18n.FeedbackLine, "m", "en", int64(1), int64(0))
	for _, tc := range []struct {
		user     string
		platform bool
		want     bool
	}{{"UADMIN", false, true}, {"U2", true, true}, {"U2", false, false}} {
		cmd := command("/usage", "", tc.user)
		cmd.Msg.Admin = tc.platform
		got := c.Run(ctx, cmd, bots.Settings{Channel: "slack:C1", Language: "en", Enabled: true}, "en").Text
		if strings.Contains(got, line) != tc.want {
			t.Errorf("%s (platform admin %v): /usage shows the votes = %v, want %v:\n%s", tc.user, tc.platform, !tc.want, tc.want, got)
		}
	}
}

// An admin's /usage lists the channel's last 👎 reasons, newest first,
// each on one line, cut, and pinging nobody; other users see none.
func TestUsageShowsLastReasonsToAdmins(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory(store.MemoryOptions{})
	for i, reason := range []string{"oldest", "b", "c", "d", "e", "wrong\nversion <@U9> @everyone " + strings.Repeat("x", 300)} {
		if _, err := st.Vote(ctx, bots.Feedback{Reply: "r" + string(rune('1'+i)), User: "slack:U1", Channel: "slack:C1",
			Model: "m", Language: "en", Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	c := commands.New(commands.Options{Settings: &fakeSettings{}, Limits: &fakeLimits{}, Usage: st, Feedback: st,
		Admins: []string{"slack:UADMIN"}, Prefix: "/", MaxPromptChars: 20})
	set := bots.Settings{Channel: "slack:C1", Language: "en", Enabled: true}
	got := c.Run(ctx, command("/usage", "", "UADMIN"), set, "en").Text
	lines := strings.Split(got, "\n")
	var reasons []string
	for _, l := range lines {
		if strings.HasPrefix(l, "👎 m:") {
			reasons = append(reasons, l)
		}
	}
	if len(reasons) != 5 {
		t.Fatalf("%d reason lines, want the last 5:\n%s", len(reasons), got)
	}
	first := reasons[0]
	if !strings.Contains(first, "wrong version") || strings.Contains(first, "<@U9>") || strings.Contains(first, "@everyone") ||
		!strings.HasSuffix(first, "…”") || len([]rune(first)) > 180 {
		t.Errorf("newest reason shown as %q: want one line, cut, no mention", first)
	}
	if strings.Contains(got, "oldest") {
		t.Errorf("the sixth newest reason is shown:\n%s", got)
	}
	if other := c.Run(ctx, command("/usage", "", "U2"), set, "en").Text; strings.Contains(other, "👎 m:") {
		t.Errorf("a non-admin sees reasons:\n%s", other)
	}
}
