package commands_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// fakeSettings keeps the overrides the commands write.
type fakeSettings struct {
	mu      sync.Mutex
	updates []bots.ChannelSettings
}

func (f *fakeSettings) Settings(_ context.Context, channelID string) bots.Settings {
	return bots.Settings{Channel: channelID, Language: bots.LanguageAuto, Enabled: true}
}

func (f *fakeSettings) UpdateSettings(_ context.Context, _ string, cs bots.ChannelSettings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, cs)
	return nil
}

// fakeLimits refuses when over is set.
type fakeLimits struct{ over bool }

func (f *fakeLimits) OverLimit(_ context.Context, _ bots.Message, lang string) string {
	if f.over {
		return "over the limit (" + lang + ")"
	}
	return ""
}

func newCommands(set *fakeSettings, lim *fakeLimits) *commands.Commands {
	return commands.New(commands.Options{Settings: set, Limits: lim, Usage: store.NewMemory(store.MemoryOptions{}),
		Admins: []string{"slack:UADMIN"}, Prefix: "/", MaxPromptChars: 20})
}

func command(name, text, user string) bots.Command {
	return bots.Command{Name: name, Text: text, Msg: bots.Message{
		Key: bots.ConversationKey{Platform: bots.Slack, Channel: "C1"}, ID: "1", UserID: user, UserName: "Ann"}}
}

func TestSettingsCommandsNeedAnAdmin(t *testing.T) {
	set, ctx := &fakeSettings{}, context.Background()
	c := newCommands(set, &fakeLimits{})
	base := set.Settings(ctx, "slack:C1")
	if got := c.Run(ctx, command("/lang", "fr", "U1"), base, "en").Text; got != i18n.T("en", i18n.NotAdmin) {
		t.Fatalf("non-admin /lang fr: %q", got)
	}
	if len(set.updates) != 0 {
		t.Fatal("a refused command wrote settings")
	}
	got := c.Run(ctx, command("/lang", "French", "UADMIN"), base, "en").Text
	if want := i18n.T("fr", i18n.LangSet, i18n.Name("fr", "fr")); got != want {
		t.Fatalf("admin /lang French: %q, want the confirmation in French %q", got, want)
	}
	if len(set.updates) != 1 || set.updates[0].Language == nil || *set.updates[0].Language != "fr" {
		t.Fatalf("updates %+v", set.updates)
	}
	if got := c.Run(ctx, command("/prompt", strings.Repeat("x", 21), "UADMIN"), base, "en").Text; got != i18n.T("en", i18n.PromptTooLong, 20) {
		t.Fatalf("/prompt too long: %q", got)
	}
}

func TestModelCommandsBecomeAsks(t *testing.T) {
	set, lim, ctx := &fakeSettings{}, &fakeLimits{}, context.Background()
	c := newCommands(set, lim)
	base := set.Settings(ctx, "slack:C1")
	resp := c.Run(ctx, command("code", "sort a list", "U1"), base, "en")
	if resp.Ask == nil || resp.Ask.Title != "sort a list" || resp.Ask.Turn.Text != "sort a list" || !strings.Contains(resp.Ask.Task, "code") {
		t.Fatalf("/code: %+v", resp)
	}
	cmd := command("translate", "de Guten Morgen", "U1")
	resp = c.Run(ctx, cmd, base, "en")
	if resp.Ask == nil || resp.Ask.AnswerIn != "de" || resp.Ask.Turn.Text != "Guten Morgen" || resp.Ask.Task != commands.TranslateTask("de") {
		t.Fatalf("/translate: %+v", resp.Ask)
	}
	if got := c.Run(ctx, command("translate", "", "U1"), base, "en").Text; got != i18n.T("en", i18n.TranslateUsage, "/") {
		t.Fatalf("/translate without a language: %q", got)
	}
	lim.over = true
	if got := c.Run(ctx, command("ask", "why?", "U1"), base, "fr").Text; got != "over the limit (fr)" {
		t.Fatalf("over the limit: %q", got)
	}
	off := base
	off.Enabled = false
	if got := c.Run(ctx, command("ask", "why?", "U1"), off, "en").Text; got != i18n.T("en", i18n.ChannelDisabled) {
		t.Fatalf("disabled channel: %q", got)
	}
	if got := c.Run(ctx, command("nonsense", "", "U1"), base, "en").Text; got != i18n.T("en", i18n.Help, "/") {
		t.Fatalf("unknown command: %q", got)
	}
}

// RunChecked consults the caller's limits only for a model command that
// would run (the Engine counts a refusal when it is consulted): not for
// other commands, bad arguments or a disabled channel.
func TestRunCheckedConsultsLimitsOnlyWhenTheyDecide(t *testing.T) {
	set, ctx := &fakeSettings{}, context.Background()
	c := newCommands(set, &fakeLimits{})
	on := set.Settings(ctx, "slack:C1")
	off := on
	off.Enabled = false
	for _, tc := range []struct {
		cmd     bots.Command
		set     bots.Settings
		consult bool
	}{
		{command("ask", "what is a slice?", "U1"), on, true},
		{command("translate", "fr hello", "U1"), on, true},
		{command("ask", "", "U1"), on, false},         // bad arguments
		{command("translate", "xx", "U1"), on, false}, // bad arguments
		{command("ask", "what is a slice?", "U1"), off, false},
		{command("help", "", "U1"), on, false},
		{command("lang", "", "U1"), on, false},
	} {
		consulted := 0
		resp := c.RunChecked(ctx, tc.cmd, tc.set, "en", func(lang string) string {
			consulted++
			return "over (" + lang + ")"
		})
		if want := map[bool]int{true: 1, false: 0}[tc.consult]; consulted != want {
			t.Errorf("/%s %q (enabled %v): limits consulted %d times, want %d", tc.cmd.Name, tc.cmd.Text, tc.set.Enabled, consulted, want)
		}
		if tc.consult && (resp.Ask != nil || resp.Text != "over (en)") {
			t.Errorf("/%s %q over the limit = %+v, want the refusal", tc.cmd.Name, tc.cmd.Text, resp)
		}
	}
}
