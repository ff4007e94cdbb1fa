package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

func cmdMsg(admin bool) bots.Message {
	m := mention("c1", "")
	m.Mentioned, m.Admin = false, admin
	return m
}

func TestLangCommandPermissions(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.Admins = []string{"slack:UADMIN"} }})
	ctx := context.Background()
	// Show.
	if got := h.eng.Command(ctx, h.conv, bots.Command{Name: "lang", Msg: cmdMsg(false)}); got.Text != i18n.T("en", i18n.LangAuto) {
		t.Errorf("show: %q", got.Text)
	}
	// A non-admin cannot set it, and nothing changes.
	if got := h.eng.Command(ctx, h.conv, bots.Command{Name: "lang", Text: "fr", Msg: cmdMsg(false)}); got.Text != i18n.T("en", i18n.NotAdmin) {
		t.Errorf("non-admin: %q", got.Text)
	}
	if s, _ := h.store.Settings(ctx, "slack:C1"); s.Language != nil {
		t.Fatalf("non-admin changed the language to %q", *s.Language)
	}
	if s := h.eng.Settings(ctx, "slack:C1"); s.Language != bots.LanguageAuto {
		t.Fatalf("effective language %q", s.Language)
	}
	// An admin listed in bot.admins can.
	m := cmdMsg(false)
	m.UserID = "UADMIN"
	got := h.eng.Command(ctx, h.conv, bots.Command{Name: "lang", Text: "French", Msg: m})
	if s, _ := h.store.Settings(ctx, "slack:C1"); s.Language == nil || *s.Language != "fr" {
		t.Fatalf("admin set: store has %+v (reply %q)", s, got.Text)
	}
	if got.Text != i18n.T("fr", i18n.LangSet, "français") {
		t.Errorf("admin set reply: %q", got.Text)
	}
	// Seen at once on this replica, in the bot's own texts too.
	if got := h.eng.Command(ctx, h.conv, bots.Command{Name: "lang", Msg: cmdMsg(false)}); !strings.Contains(got.Text, "fr") && !strings.Contains(got.Text, "French") {
		t.Errorf("show after set: %q", got.Text)
	}
	// A platform admin (Msg.Admin) can set auto.
	if got := h.eng.Command(ctx, h.conv, bots.Command{Name: "lang", Text: "auto", Msg: cmdMsg(true)}); got.Text != i18n.T("fr", i18n.LangSetAuto) {
		t.Errorf("set auto: %q", got.Text)
	}
	if s := h.eng.Settings(ctx, "slack:C1"); s.Language != bots.LanguageAuto {
		t.Errorf("after auto: %q", s.Language)
	}
}

func TestLangUnknownListsAcceptedForms(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	got := h.eng.Command(context.Background(), h.conv, bots.Command{Name: "lang", Text: "klingonish", Msg: cmdMsg(true)})
	if !strings.Contains(got.Text, "klingonish") || !containsAll(got.Text, "fr", "de", "auto") {
		t.Errorf("unknown language reply: %q", got.Text)
	}
	if s, _ := h.store.Settings(context.Background(), "slack:C1"); s.Language != nil {
		t.Errorf("unknown language stored: %q", *s.Language)
	}
}

func TestPromptCommand(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.MaxPromptChars = 50 }})
	ctx := context.Background()
	run := func(text string, admin bool) string {
		return h.eng.Command(ctx, h.conv, bots.Command{Name: "prompt", Text: text, Msg: cmdMsg(admin)}).Text
	}
	if got := run("", false); got != i18n.T("en", i18n.PromptNone) {
		t.Errorf("show none: %q", got)
	}
	if got := run("Be terse.", false); got != i18n.T("en", i18n.NotAdmin) {
		t.Errorf("non-admin set: %q", got)
	}
	long := strings.Repeat("é", 51)
	if got := run(long, true); got != i18n.T("en", i18n.PromptTooLong, 50) {
		t.Errorf("too long: %q", got)
	}
	if s, _ := h.store.Settings(ctx, "slack:C1"); s.SystemPrompt != nil {
		t.Fatalf("refused prompt stored: %q", *s.SystemPrompt)
	}
	if got := run("Be terse.", true); got != i18n.T("en", i18n.PromptSet) {
		t.Errorf("set: %q", got)
	}
	if got := run("", false); got != i18n.T("en", i18n.PromptCurrent, "Be terse.") {
		t.Errorf("show: %q", got)
	}
	// The channel prompt replaces the default in the system message.
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("m1", "hi")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	sys := h.request(t, 0).Messages[0].Content
	if !strings.HasPrefix(sys, "Be terse.") || strings.Contains(sys, "You are Mistral Small") {
		t.Errorf("system message %q", sys)
	}
	// The forms Slack's usage hint shows: "show", "set <text>".
	if got := run("show", true); got != i18n.T("en", i18n.PromptCurrent, "Be terse.") {
		t.Errorf("show keyword: %q", got)
	}
	if got := run("set Be kind.", true); got != i18n.T("en", i18n.PromptSet) {
		t.Errorf("set keyword: %q", got)
	}
	if got := run("show", false); got != i18n.T("en", i18n.PromptCurrent, "Be kind.") {
		t.Errorf("after set keyword: %q", got)
	}
	if got := run("clear", true); got != i18n.T("en", i18n.PromptCleared) {
		t.Errorf("clear: %q", got)
	}
	if s := h.eng.Settings(ctx, "slack:C1"); s.ChannelPrompt {
		t.Errorf("still a channel prompt after clear: %q", s.SystemPrompt)
	}
}

func TestModelCommands(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	var lastFinal string
	answer := func(cmd bots.Command) (string, string) {
		t.Helper()
		resp := h.eng.Command(ctx, h.conv, cmd)
		if resp.Ask == nil {
			t.Fatalf("%s: no Ask: %q", cmd.Name, resp.Text)
		}
		r := &fakeReply{conv: h.conv, to: cmd.Msg}
		if err := h.eng.Answer(ctx, resp.Ask, r); err != nil {
			t.Fatal(err)
		}
		lastFinal = h.conv.wait(t, 1)[0].Final()
		reqs := h.srv.Requests()
		return resp.Ask.Title, reqs[len(reqs)-1].Messages[0].Content
	}
	title, sys := answer(bots.Command{Name: "code", Text: "reverse a list\nin place", Options: map[string]string{"language": "Go"}, Msg: cmdMsg(false)})
	if title != "reverse a list" || !strings.Contains(sys, "```go") {
		t.Errorf("code: title %q, system %q", title, sys)
	}
	_, sys = answer(bots.Command{Name: "translate", Text: "de good morning everyone", Msg: cmdMsg(false)})
	if !containsAll(sys, "translate the user's message into German", "Always answer in German") {
		t.Errorf("translate: system %q", sys)
	}
	reqs := h.srv.Requests()
	if last := reqs[len(reqs)-1].Messages; last[len(last)-1].Content != "good morning everyone" {
		t.Errorf("translate: user message %q", last[len(last)-1].Content)
	}
	// The text may start on the line after the language.
	_, sys = answer(bots.Command{Name: "translate", Text: "it\ngood night", Msg: cmdMsg(false)})
	if !strings.Contains(sys, "Always answer in Italian") {
		t.Errorf("translate on two lines: system %q", sys)
	}
	reqs = h.srv.Requests()
	if last := reqs[len(reqs)-1].Messages; last[len(last)-1].Content != "good night" {
		t.Errorf("translate on two lines: user message %q", last[len(last)-1].Content)
	}
	m := cmdMsg(false)
	m.Attachments = []bots.Attachment{{Name: "x.rs", Text: "fn main() {}", Truncated: true}}
	_, sys = answer(bots.Command{Name: "review", Msg: m})
	if want := "\n\n" + i18n.T("en", i18n.AttachmentTruncated, "x.rs", 12); !strings.HasSuffix(lastFinal, want) {
		t.Errorf("review of a truncated file: final %q lacks %q", lastFinal, want)
	}
	if !strings.Contains(sys, "review the code") {
		t.Errorf("review: system %q", sys)
	}
	reqs = h.srv.Requests()
	if u := reqs[len(reqs)-1].Messages[1].Content; !strings.Contains(u, "```rust\nfn main() {}\n```") {
		t.Errorf("review: user message %q", u)
	}

	for _, tc := range []struct {
		cmd  bots.Command
		want string
	}{
		{bots.Command{Name: "explain", Msg: cmdMsg(false)}, i18n.T("en", i18n.ExplainNoCode)},
		{bots.Command{Name: "translate", Text: "zz-nope hello", Msg: cmdMsg(false)}, i18n.T("en", i18n.TranslateUsage, "/")},
		{bots.Command{Name: "translate", Text: "fr", Msg: cmdMsg(false)}, i18n.T("en", i18n.TranslateUsage, "/")},
		{bots.Command{Name: "ask", Text: "  ", Msg: cmdMsg(false)}, i18n.T("en", i18n.EmptyQuestion, "/")},
		{bots.Command{Name: "help", Msg: cmdMsg(false), Options: map[string]string{"prefix": "!"}}, i18n.T("en", i18n.Help, "!")},
	} {
		if resp := h.eng.Command(ctx, h.conv, tc.cmd); resp.Ask != nil || resp.Text != tc.want {
			t.Errorf("%s %q: %+v, want %q", tc.cmd.Name, tc.cmd.Text, resp, tc.want)
		}
	}
}

func TestUsageCommand(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1", "hi")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	waitFor(t, func() bool {
		u, _ := h.store.Usage(ctx, bots.ScopeUser, "slack:U1", bots.Day(h.clk.Now()))
		return u.Requests == 1
	})
	// Another user's use in another channel counts for neither.
	if err := h.store.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C9", User: "slack:U9", PromptTokens: 500, Time: h.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	u, _ := h.store.Usage(ctx, bots.ScopeUser, "slack:U1", bots.Day(h.clk.Now()))
	if u.Requests != 1 || u.Tokens() == 0 {
		t.Fatalf("user usage %+v", u)
	}
	got := h.eng.Command(ctx, h.conv, bots.Command{Name: "usage", Msg: cmdMsg(false)}).Text
	want := i18n.T("en", i18n.UsageReport,
		int64(1), u.Tokens(), u.CostUSD, int64(1), u.Tokens(), u.CostUSD,
		int64(1), u.Tokens(), u.CostUSD, int64(1), u.Tokens(), u.CostUSD)
	if got != want {
		t.Errorf("usage report\n%s\nwant\n%s", got, want)
	}
}

func TestAnswerBusyAndStopped(t *testing.T) {
	h := newHarness(t, harnessOptions{noRun: true, engine: func(o *engine.Options) { o.QueueSize = 1 }})
	ctx := context.Background()
	resp := h.eng.Command(ctx, h.conv, bots.Command{Name: "ask", Text: "q", Msg: cmdMsg(false)})
	if err := h.eng.Answer(ctx, resp.Ask, &fakeReply{conv: h.conv}); err != nil {
		t.Fatal(err)
	}
	r := &fakeReply{conv: h.conv}
	if err := h.eng.Answer(ctx, resp.Ask, r); !errors.Is(err, bots.ErrBusy) {
		t.Fatalf("full queue: %v", err)
	}
	if h.conv.wait(t, 1)[0] != r || r.Final() != i18n.T("en", i18n.Busy) {
		t.Errorf("busy reply: %q", r.Final())
	}
}

func TestTranslateReaction(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.TranslateReactions = true }})
	ctx := context.Background()
	m := mention("1700.5", "Bonjour à tous")
	m.Mentioned, m.UserID = false, "U7"
	for range 2 { // a redelivered reaction translates once
		if err := h.eng.TranslateMessage(ctx, h.conv, m, "en"); err != nil {
			t.Fatal(err)
		}
	}
	r := h.conv.wait(t, 1)[0]
	h.conv.none(t)
	if err := h.eng.TranslateMessage(ctx, h.conv, m, "klingonish"); err == nil {
		t.Error("unknown target accepted")
	}
	if r.key != slackKey || r.Final() != "Echo: Bonjour à tous" {
		t.Errorf("translation reply in %v: %q", r.key, r.Final())
	}
	sys := h.request(t, 0).Messages[0].Content
	if !strings.Contains(sys, "into English") {
		t.Errorf("system %q", sys)
	}
}

// /prompt clear in a channel whose configuration (channels.*) gives it a
// prompt says that prompt applies again, not the default one.
func TestPromptClearFallsBackToTheConfiguredPrompt(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.Channels = map[string]bots.ChannelSettings{"slack:C1": {SystemPrompt: ptr("Answer as the team's SRE.")}}
	}})
	ctx := context.Background()
	run := func(text string) string {
		return h.eng.Command(ctx, h.conv, bots.Command{Name: "prompt", Text: text, Msg: cmdMsg(true)}).Text
	}
	if got := run("Be terse."); got != i18n.T("en", i18n.PromptSet) {
		t.Fatalf("set: %q", got)
	}
	if got, want := run("clear"), i18n.T("en", i18n.PromptClearedToConfig, "Answer as the team's SRE."); got != want {
		t.Errorf("clear = %q, want %q", got, want)
	}
	if s := h.eng.Settings(ctx, "slack:C1"); s.SystemPrompt != "Answer as the team's SRE." {
		t.Errorf("prompt after clear = %q", s.SystemPrompt)
	}
}
