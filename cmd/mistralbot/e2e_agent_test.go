package main

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// TestE2ESlackAgentView: Slack's agent experience (issue 14, part 1)
// through the real binary with its default configuration (agent_view):
// opening the DM's Messages tab sets suggested prompts in Alice's
// language (fr-FR); her DM question is answered in its own thread, which
// gets a title; opening the Home tab publishes her view in French.
func TestE2ESlackAgentView(t *testing.T) {
	// newWorld's world, with an agent app's fake (setSuggestedPrompts
	// with thread_ts is silently ignored there, as Slack does).
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: "Voici la réponse."}})
	w.slack.Close()
	w.slack = fakeslack.New(fakeslack.Options{AgentView: true}) // closed by newWorld's cleanup
	p := startProc(t, "bot", w.env(memoryStore))

	w.deliver(p, w.slack.EventCallback("EvAGENT1", w.slack.AppHomeOpened("U0ALICE", "D0ALICE", "messages", "")), 0)
	waitUntil(t, 20*time.Second, "the suggested prompts", func() bool { return len(w.slack.Prompts()) == 1 })
	if pr := w.slack.Prompts()[0]; pr.Channel != "D0ALICE" || pr.ThreadTS != "" || len(pr.Prompts) == 0 || pr.Prompts[0]["title"] != i18n.T("fr", i18n.SuggestTitle1) {
		t.Errorf("prompts %+v: want French prompts on D0ALICE without thread_ts", pr)
	}

	m := w.slack.PostUserMessage("D0ALICE", "", "U0ALICE", "Comment inverser une liste en Python ?")
	w.deliver(p, w.slack.EventCallback("EvAGENT2", w.slack.MessageEvent(m, fakeslack.MessageEv)), 0)
	waitUntil(t, 30*time.Second, "the answer in the question's thread", func() bool {
		got := w.botReplies("D0ALICE", m.TS)
		return len(got) == 1 && got[0].Body() == replyText("Voici la réponse.")
	})
	if n := len(w.slack.BotReplies("D0ALICE", "")); n != 0 {
		t.Errorf("%d top-level answers: under agent_view each DM message is a thread root", n)
	}
	waitUntil(t, 10*time.Second, "the thread title", func() bool { return len(w.slack.Titles()) == 1 })
	if ti := w.slack.Titles()[0]; ti.ThreadTS != m.TS || !strings.Contains(ti.Text, "inverser une liste") {
		t.Errorf("title %+v", ti)
	}

	w.deliver(p, w.slack.EventCallback("EvAGENT3", w.slack.AppHomeOpened("U0ALICE", "D0ALICE", "home", "")), 0)
	waitUntil(t, 10*time.Second, "the Home tab", func() bool { return len(w.slack.HomeViews()) == 1 })
	if v := w.slack.HomeViews()[0]; v.User != "U0ALICE" || !strings.Contains(v.Text(), i18n.T("fr", i18n.HomeCapabilities)) {
		t.Errorf("home view for %q:\n%s", v.User, v.Text())
	}
	if n := w.slack.SilentFailures(); n != 0 {
		t.Errorf("%d Slack calls silently ignored (thread_ts on an agent app's prompts)", n)
	}
}
