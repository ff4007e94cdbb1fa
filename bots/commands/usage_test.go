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
