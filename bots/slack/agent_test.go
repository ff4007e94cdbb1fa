package slack

import (
	"slices"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// agentHarness runs the adapter as an agent_view app (agent true) or as
// an existing assistant_view app, against a fake configured the same way.
func agentHarness(t *testing.T, mode string, agent bool, answer string) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{mode: mode,
		fake:  fakeOptsAgent(agent),
		llm:   llmtest.Options{Default: llmtest.Scenario{Reply: answer}},
		adapt: func(o *Options) { o.AgentView = agent }})
}

// Agent view, both connection modes: opening the DM's Messages tab sets
// the suggested prompts in Alice's language (fr-FR) without thread_ts;
// her DM question is answered in its own thread, titled after the
// question, with a French "thinking" status rotating French loading
// messages.
func TestAgentViewDMOpenedPromptsThenQuestionInItsThread(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		const answer = "Voici la réponse."
		h := agentHarness(t, mode, true, answer)
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppHomeOpened("U0ALICE", "D0ALICE", "messages", "")), 0)
		h.waitFor("suggested prompts", func() bool { return len(h.fake.Prompts()) == 1 })
		p := h.fake.Prompts()[0]
		if p.Channel != "D0ALICE" || p.ThreadTS != "" || len(p.Prompts) != 3 {
			t.Fatalf("prompts %+v: want 3 on D0ALICE without thread_ts", p)
		}
		if p.Prompts[0]["title"] != i18n.T("fr", i18n.SuggestTitle1) {
			t.Errorf("prompts not in French: %+v", p.Prompts)
		}
		if h.fake.SilentFailures() != 0 {
			t.Error("a setSuggestedPrompts call sent thread_ts, which an agent app's call silently ignores")
		}
		if n := len(h.fake.BotReplies("D0ALICE", "")); n != 0 {
			t.Errorf("%d top-level posts: opening the DM must not post a greeting each time", n)
		}

		m := h.say("D0ALICE", "", "U0ALICE", "Comment inverser une liste en Python ?")
		got := h.waitReplyText("D0ALICE", m.TS, Mrkdwn(answer))
		if len(got) != 1 {
			t.Fatalf("%d replies in the thread, want 1", len(got))
		}
		if n := len(h.fake.BotReplies("D0ALICE", "")); n != 0 {
			t.Errorf("%d top-level answers: under agent_view each DM message is a thread root", n)
		}
		h.waitFor("thread title", func() bool { return len(h.fake.Titles()) == 1 })
		if ti := h.fake.Titles()[0]; ti.Channel != "D0ALICE" || ti.ThreadTS != m.TS || ti.Text != "Comment inverser une liste en Python ?" {
			t.Errorf("title %+v", ti)
		}
		st := h.fake.Statuses()
		if len(st) == 0 || st[0].ThreadTS != m.TS || st[0].Text != i18n.T("fr", i18n.Thinking) {
			t.Fatalf("statuses %+v: want the French thinking status in the question's thread", st)
		}
		want := []string{i18n.T("fr", i18n.Loading1), i18n.T("fr", i18n.Loading2), i18n.T("fr", i18n.Loading3), i18n.T("fr", i18n.Loading4)}
		if !slices.Equal(st[0].LoadingMessages, want) {
			t.Errorf("loading messages %q, want %q", st[0].LoadingMessages, want)
		}
		// A follow-up in the thread is answered there and does not retitle it.
		f := h.say("D0ALICE", m.TS, "U0ALICE", "Et en Go ?")
		h.waitFor("follow-up answer", func() bool { return len(h.replies("D0ALICE", m.TS)) == 2 })
		_ = f
		if n := len(h.fake.Titles()); n != 1 {
			t.Errorf("%d titles, want 1: only the first question names the thread", n)
		}
	})
}

// Agent view: app_context_changed tells which channel Alice is viewing;
// her question about "ce canal" reaches the model with that channel's
// recent messages, a question about something else does not.
func TestAgentViewContextOfferedWhenAskingAboutThisChannel(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := agentHarness(t, mode, true, "Résumé.")
		h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "The deploy of v2.3 is blocked by the flaky auth test")
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppContextChanged("U0ALICE", "D0ALICE", "C0GENERAL")), 0)
		// The adapter handles an event after acknowledging it, so the
		// question must wait until the context is recorded: asked at once,
		// the two events race (a person switches channels seconds before
		// asking; CI once saw the question handled first).
		h.waitFor("the viewed channel recorded", func() bool {
			ch, _ := h.adapter.viewing.Get(viewKey(fakeslack.DefaultTeamID, "U0ALICE"))
			return ch == "C0GENERAL"
		})

		m := h.say("D0ALICE", "", "U0ALICE", "Résume ce canal en deux phrases")
		h.waitReplyText("D0ALICE", m.TS, Mrkdwn("Résumé."))
		if got := h.lastUserContent(); !strings.Contains(got, "flaky auth test") || !strings.Contains(got, "C0GENERAL") {
			t.Fatalf("the model did not get the viewed channel's messages:\n%s", got)
		}
		other := h.say("D0ALICE", "", "U0ALICE", "Qu'est-ce qu'une goroutine ?")
		h.waitReplyText("D0ALICE", other.TS, Mrkdwn("Résumé."))
		if got := h.lastUserContent(); strings.Contains(got, "flaky auth test") {
			t.Errorf("a question not about the channel got its messages:\n%s", got)
		}
	})
}

// The app_context a message.im event carries wins over the remembered
// one; a channel the bot cannot read becomes a note for the model, and
// the question is still answered once.
func TestAgentViewMessageContextAndUnreadableChannel(t *testing.T) {
	h := agentHarness(t, ModeSocket, true, "OK.")
	h.fake.PostUserMessage("C0SECRET", "", "U0BOB", "secret plans")
	h.fake.SetMember("C0SECRET", false)
	h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppContextChanged("U0ALICE", "D0ALICE", "C0GENERAL")), 0)
	m := h.fake.PostUserMessage("D0ALICE", "", "U0ALICE", "What is this channel about?")
	ev := h.fake.WithAppContext(h.fake.MessageEvent(m, "message"), "C0SECRET")
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	h.waitReplyText("D0ALICE", m.TS, Mrkdwn("OK."))
	got := h.lastUserContent()
	if !strings.Contains(got, "C0SECRET") || !strings.Contains(got, "/invite") || strings.Contains(got, "secret plans") {
		t.Errorf("want a note that C0SECRET cannot be read, got:\n%s", got)
	}
}

// Assistant view (slack.agent_view: false), both modes: the assistant
// thread gets prompts with its thread_ts, the context from
// assistant_thread_started is offered for "this channel", the first
// question titles the thread, and a top-level DM is still answered at
// the top level.
func TestAssistantViewContextTitleAndPrompts(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := agentHarness(t, mode, false, "Done.")
		h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "release notes are due friday")
		root := h.fake.PostUserMessage("D0ALICE", "", "U0ALICE", "New chat")
		ev := map[string]any{"type": "assistant_thread_started", "event_ts": "1760000300.000100",
			"assistant_thread": map[string]any{"user_id": "U0ALICE", "channel_id": "D0ALICE", "thread_ts": root.TS,
				"context": map[string]any{"channel_id": "C0GENERAL", "team_id": "T0001"}}}
		h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
		h.waitFor("prompts", func() bool { return len(h.fake.Prompts()) == 1 })
		if p := h.fake.Prompts()[0]; p.ThreadTS != root.TS {
			t.Errorf("assistant view prompts thread %q, want %q", p.ThreadTS, root.TS)
		}
		q := h.say("D0ALICE", root.TS, "U0ALICE", "Summarize this channel please")
		h.waitFor("answer", func() bool { return len(h.replies("D0ALICE", root.TS)) == 2 }) // greeting + answer
		if got := h.lastUserContent(); !strings.Contains(got, "release notes are due friday") {
			t.Errorf("assistant context not offered:\n%s", got)
		}
		h.waitFor("title", func() bool { return len(h.fake.Titles()) == 1 })
		if ti := h.fake.Titles()[0]; ti.ThreadTS != root.TS || ti.Text != "Summarize this channel please" {
			t.Errorf("title %+v", ti)
		}
		_ = q
		top := h.say("D0ALICE", "", "U0ALICE", "hello")
		h.waitFor("top-level answer", func() bool { return len(h.fake.BotReplies("D0ALICE", "")) == 1 })
		if len(h.replies("D0ALICE", top.TS)) != 0 {
			t.Error("assistant view answered a top-level DM in a thread")
		}
	})
}

// The Home tab, in both views and modes: what the bot can do, Alice's
// usage today and this month, the channel defaults and the settings of
// the channel she is viewing, in French.
func TestHomeTabPublishedInUsersLanguage(t *testing.T) {
	for _, agent := range []bool{true, false} {
		forModes(t, func(t *testing.T, mode string) {
			h := newHarness(t, harnessOptions{mode: mode, fake: fakeOptsAgent(agent),
				llm:    llmtest.Options{Default: llmtest.Scenario{Reply: "Oui."}},
				engine: func(o *engine.Options) { o.Defaults.Model = "mistral-small-latest" },
				adapt:  func(o *Options) { o.AgentView = agent }})
			msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: "T0001", Channel: "D0ALICE"},
				SettingsChannel: "D0ALICE", UserID: "U0ALICE", Locale: "fr-FR", DM: true}
			report := func(m bots.Message) string {
				return h.engine.Command(t.Context(), h.adapter, bots.Command{Name: "usage", Msg: m}).Text
			}
			nobody := msg
			nobody.UserID, nobody.SettingsChannel, nobody.Key.Channel = "U0NOBODY", "D0NOBODY", "D0NOBODY"
			zero := report(nobody)
			// One answered question makes today's usage non-zero.
			h.say("D0ALICE", "", "U0ALICE", "Bonjour ?")
			h.waitFor("usage recorded", func() bool { return report(msg) != zero })
			h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppHomeOpened("U0ALICE", "D0ALICE", "home", "C0GENERAL")), 0)
			h.waitFor("home view", func() bool { return len(h.fake.HomeViews()) == 1 })
			v := h.fake.HomeViews()[0]
			if v.User != "U0ALICE" {
				t.Fatalf("home view for %q", v.User)
			}
			text := v.Text()
			usage := report(msg)
			for _, want := range []string{
				i18n.T("fr", i18n.HomeCapabilities), i18n.T("fr", i18n.HomeUsage), i18n.T("fr", i18n.HomeDefaults),
				Mrkdwn(usage), "`mistral-small-latest`", i18n.T("fr", i18n.HomeLangAuto), "<#C0GENERAL>",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("home view lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, Mrkdwn(zero)) {
				t.Errorf("the Home tab shows no usage:\n%s", text)
			}
			if n := len(h.fake.Prompts()); n != 0 {
				t.Errorf("the Home tab set %d prompt lists", n)
			}
		})
	}
}

// Malformed agent events are acknowledged and change nothing: no prompts,
// no view, no crash.
func TestAgentEventsMalformedChangeNothing(t *testing.T) {
	h := agentHarness(t, ModeHTTP, true, "x")
	for _, ev := range []map[string]any{
		{"type": "app_home_opened", "tab": "messages"},                            // no user, no channel
		{"type": "app_home_opened", "user": "U0ALICE", "tab": "settings"},         // unknown tab
		{"type": "app_context_changed", "context": map[string]any{"entities": 7}}, // bad entities
		{"type": "app_context_changed", "user": "U0ALICE", "context": map[string]any{"entities": []any{
			map[string]any{"type": "slack#/types/canvas_id", "value": "F1"}}}},
	} {
		h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	}
	// A message.im whose app_context has an unknown shape is still a
	// question, answered once.
	m := h.fake.PostUserMessage("D0ALICE", "", "U0ALICE", "What about this channel?")
	ev := h.fake.MessageEvent(m, "message")
	ev["app_context"] = map[string]any{"entities": "nonsense"}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	h.waitReplyText("D0ALICE", m.TS, Mrkdwn("x"))
	if len(h.fake.Prompts()) != 0 || len(h.fake.HomeViews()) != 0 {
		t.Errorf("prompts %v, views %v: malformed events acted", h.fake.Prompts(), h.fake.HomeViews())
	}
	if strings.Contains(h.lastUserContent(), "recent messages of Slack channel") {
		t.Error("a canvas context was taken for a channel")
	}
}

func TestThreadTitle(t *testing.T) {
	long := strings.Repeat("word ", 30)
	cases := map[string]string{
		"  How do I\nreverse a list?": "How do I",
		"a   b\tc":                    "a b c",
		"":                            "",
		long:                          strings.TrimSpace(long[:59]) + "…",
	}
	for in, want := range cases {
		if got := threadTitle(in); got != want {
			t.Errorf("threadTitle(%q) = %q, want %q", in, got, want)
		}
		if n := len([]rune(threadTitle(in))); n > titleRunes {
			t.Errorf("threadTitle(%q) has %d runes", in, n)
		}
	}
}

func TestAsksAboutContext(t *testing.T) {
	for text, want := range map[string]bool{
		"Summarize this channel":               true,
		"Résume CE CANAL stp":                  true,
		"Was wurde in diesem Kanal besprochen": true,
		"riassumi questo canale":               true,
		"¿De qué trata este canal?":            true,
		"what is a goroutine":                  false,
		"this channelling of energy":           false,
	} {
		if got := asksAboutContext(text); got != want {
			t.Errorf("asksAboutContext(%q) = %v, want %v", text, got, want)
		}
	}
}

func fakeOptsAgent(agent bool) fakeslack.Options { return fakeslack.Options{AgentView: agent} }

// A redelivered app_home_opened acts once; a views.publish that fails
// (Slack's edge answering 502, then a second open succeeding) costs
// nothing else: the next open publishes, and DM questions are still
// answered.
func TestAgentEventsRedeliveredActOnceAndPublishFailureRecovers(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := agentHarness(t, mode, true, "Oui.")
		body := h.fake.EventCallback(nextEventID(), h.fake.AppHomeOpened("U0ALICE", "D0ALICE", "messages", ""))
		h.deliverEvent(body, 0)
		h.deliverEvent(body, 1)
		h.waitFor("prompts", func() bool { return len(h.fake.Prompts()) >= 1 })
		h.fake.FailNext("views.publish", 1, fakeslack.Fault{Kind: fakeslack.HTML, Status: 502})
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppHomeOpened("U0ALICE", "D0ALICE", "home", "")), 0)
		h.waitFor("the failed publish", func() bool { return h.fake.Count("views.publish", 0) == 1 })
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.AppHomeOpened("U0ALICE", "D0ALICE", "home", "")), 0)
		h.waitFor("home view", func() bool { return len(h.fake.HomeViews()) == 1 })
		m := h.say("D0ALICE", "", "U0ALICE", "Ça marche ?")
		h.waitReplyText("D0ALICE", m.TS, Mrkdwn("Oui."))
		if n := len(h.fake.Prompts()); n != 1 {
			t.Errorf("%d prompt lists: a redelivered event must act once", n)
		}
	})
}

// A first question made only of a file titles its thread with the
// localized ThreadTitleFile.
func TestAgentViewFileOnlyQuestionTitle(t *testing.T) {
	h := agentHarness(t, ModeSocket, true, "Lu.")
	f := &fakeslack.File{ID: "F0NOTES", Name: "notes.txt", Mimetype: "text/plain", Filetype: "text", Content: []byte("hello")}
	m := h.say("D0ALICE", "", "U0ALICE", "", f)
	h.waitReplyText("D0ALICE", m.TS, Mrkdwn("Lu."))
	h.waitFor("title", func() bool { return len(h.fake.Titles()) == 1 })
	if got, want := h.fake.Titles()[0].Text, i18n.T("fr", i18n.ThreadTitleFile); got != want {
		t.Errorf("title %q, want %q", got, want)
	}
}

func TestSplitSectionsFitsSlackLimit(t *testing.T) {
	long := strings.Repeat(strings.Repeat("x", 99)+"\n", 70) // 7,000 characters
	parts := splitSections(long)
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	if strings.Join(parts, "\n") != strings.TrimSpace(long) {
		t.Error("splitting lost or changed text")
	}
	for _, p := range parts {
		if n := len([]rune(p)); n > sectionLimit || strings.HasPrefix(p, "\n") {
			t.Errorf("part of %d runes (limit %d), starts with newline: %v", n, sectionLimit, strings.HasPrefix(p, "\n"))
		}
	}
	if got := splitSections("  "); len(got) != 1 || got[0] == "" {
		t.Errorf("empty text gives %q: a section needs text", got)
	}
}
