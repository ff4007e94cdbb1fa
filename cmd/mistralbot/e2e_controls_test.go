package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/internal/redistest"
	"mistralbot/llm/llmtest"
)

// The controls on each answer (issue 14) through the real binary on
// Slack (post+update): Stop while the answer streams, Regenerate on a
// finished answer, and feedback votes that outlive the process. Clicks are
// block_actions posted to /slack/interactions, as Slack sends them.

// interact posts a signed block_actions payload to p's
// /slack/interactions; Slack must get 200.
func (w *e2eWorld) interact(p *proc, payload []byte) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, body, err := w.slack.Deliver(ctx, w.client, p.url()+"/slack/interactions",
		fakeslack.Delivery{Body: fakeslack.InteractionForm(payload), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		w.t.Fatalf("interaction on %s: %d %q %v", p.name, status, body, err)
	}
}

// ephemerals counts the ephemeral response_url posts holding one of texts.
func (w *e2eWorld) ephemerals(texts []string) int {
	n := 0
	for _, r := range w.slack.Responses() {
		if r.ResponseType == "ephemeral" && containsAny(r.Text, texts) {
			n++
		}
	}
	return n
}

// button returns m's button actionID (zero when it has none).
func button(m fakeslack.Message, actionID string) fakeslack.Button {
	for _, b := range m.Buttons() {
		if b.ActionID == actionID {
			return b
		}
	}
	return fakeslack.Button{}
}

// finished waits for the thread of ts to hold exactly one bot message
// whose body is text, with its Regenerate and feedback buttons.
func (w *e2eWorld) finished(channel, ts, text string) fakeslack.Message {
	w.t.Helper()
	var m fakeslack.Message
	waitUntil(w.t, 30*time.Second, "the answer "+text+" with its Regenerate and feedback buttons", func() bool {
		got := w.botReplies(channel, ts)
		if len(got) != 1 {
			return false
		}
		m = got[0]
		up, _ := m.FeedbackValues()
		return m.Body() == replyText(text) && button(m, slack.RegenerateActionID).Value != "" && up != ""
	})
	return m
}

// TestE2ESlackStop: the model sends two chunks and then holds the stream
// open; only a stop ends it. A stranger's click is refused and changes
// nothing; the asker's click cancels the upstream request (llmtest sees
// its client go), the text so far stays with the "stopped" notice in one
// reply, and the Stop button goes.
func TestE2ESlackStop(t *testing.T) {
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Tokens: []string{"Hello", " world"}, Fault: llmtest.Stall, FailAfter: 2}})
	p := startProc(t, "bot", w.env(memoryStore))
	m, appMention, _ := w.mention("C0STOP", "U0BOB", "tell me a long story", "EvSTOP1")
	w.deliver(p, appMention, 0)
	var live fakeslack.Message
	waitUntil(t, 20*time.Second, "the streaming answer with its Stop button", func() bool {
		got := w.botReplies("C0STOP", m.TS)
		if len(got) != 1 {
			return false
		}
		live = got[0]
		return strings.HasPrefix(live.Text, "Hello world") && button(live, slack.StopActionID).Value != ""
	})

	w.interact(p, w.slack.BlockAction(live, "U0ALICE", slack.StopActionID))
	waitUntil(t, 10*time.Second, "the refusal to the stranger", func() bool {
		return w.ephemerals(noticeTexts(i18n.StopNotAllowed)) == 1
	})
	if st := w.llm.Stats(); st.Cancelled != 0 {
		t.Fatalf("a stranger's click cancelled the request: %+v", st)
	}
	if got := w.botReplies("C0STOP", m.TS); len(got) != 1 || button(got[0], slack.StopActionID).Value == "" {
		t.Fatalf("a stranger's click changed the answer: %+v", got)
	}

	w.interact(p, w.slack.BlockAction(live, "U0BOB", slack.StopActionID))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !w.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
		t.Fatalf("the upstream request was not cancelled: %+v", w.llm.Stats())
	}
	var final fakeslack.Message
	waitUntil(t, 10*time.Second, "the stopped answer without its buttons", func() bool {
		got := w.botReplies("C0STOP", m.TS)
		if len(got) != 1 {
			return false
		}
		final = got[0]
		return strings.HasPrefix(final.Text, "Hello world") && containsAny(final.Text, noticeTexts(i18n.Stopped)) && len(final.Buttons()) == 0
	})
	if n := w.postsIn("C0STOP", m.TS); n != 1 {
		t.Errorf("%d messages posted in the thread, want 1", n)
	}
	if n := len(w.llm.ChatRequests()); n != 1 {
		t.Errorf("the model was asked %d times, want 1", n)
	}
}

// TestE2ESlackRegenerate: a long first answer (three messages) is
// regenerated into one short answer in place: the first message is
// edited, the other two are deleted, the model's second request has the
// question but not the old answer, and the click delivered twice (same
// trigger_id) acts once.
func TestE2ESlackRegenerate(t *testing.T) {
	long := words("firstans", 1200) // about 8,400 characters: three messages of 4,000
	w := newWorld(t, llmtest.Options{})
	w.llm.Script(llmtest.Scenario{Times: 1, Reply: long}, llmtest.Scenario{Times: 1, Reply: "Second answer."})
	p := startProc(t, "bot", w.env(memoryStore))
	m, appMention, _ := w.mention("C0REGEN", "U0BOB", "tell me something", "EvREGEN1")
	w.deliver(p, appMention, 0)
	var parts []fakeslack.Message
	waitUntil(t, 30*time.Second, "the long answer in several messages with its Regenerate button", func() bool {
		parts = w.botReplies("C0REGEN", m.TS)
		return len(parts) > 1 && button(parts[len(parts)-1], slack.RegenerateActionID).Value != ""
	})
	last := parts[len(parts)-1]

	w.interact(p, w.slack.BlockAction(last, "U0ALICE", slack.RegenerateActionID))
	waitUntil(t, 10*time.Second, "the refusal to the stranger", func() bool {
		return w.ephemerals(noticeTexts(i18n.RegenerateNotAllowed)) == 1
	})
	if n := len(w.llm.ChatRequests()); n != 1 {
		t.Fatalf("a stranger's click asked the model: %d requests", n)
	}

	click := w.slack.BlockAction(last, "U0BOB", slack.RegenerateActionID)
	w.interact(p, click)
	w.interact(p, click)
	second := w.finished("C0REGEN", m.TS, "Second answer.")
	if second.TS != parts[0].TS {
		t.Errorf("the new answer is message %s, want the first message %s edited", second.TS, parts[0].TS)
	}
	deleted := map[string]bool{}
	for _, c := range w.slack.CallsTo("chat.delete") {
		if c.Status == http.StatusOK && c.Error == "" {
			deleted[c.Params.Get("ts")] = true
		}
	}
	for _, part := range parts[1:] {
		if !deleted[part.TS] {
			t.Errorf("the old answer's part %s was not deleted", part.TS)
		}
	}
	waitUntil(t, 10*time.Second, "the replayed click to be ignored", func() bool {
		return p.countLines("replayed regenerate click ignored") == 1
	})
	reqs := w.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("the model was asked %d times, want 2", len(reqs))
	}
	for _, msg := range reqs[1].Messages {
		if strings.Contains(msg.Content, "firstans") {
			t.Errorf("the old answer went back to the model: %.80q", msg.Content)
		}
	}
	if q := reqs[1].Messages[len(reqs[1].Messages)-1]; q.Role != "user" || !strings.Contains(q.Content, "tell me something") {
		t.Errorf("the second request ends with %+v, want the question", q)
	}
	if n := w.postsIn("C0REGEN", m.TS); n != len(parts) {
		t.Errorf("%d messages posted in the thread, want the first answer's %d and no more", n, len(parts))
	}
}

// feedbackSurvivesRestart: a 👍 on an answer, the process ends (sig), a
// new process on the same store answers an admin's /usage with the vote.
func feedbackSurvivesRestart(t *testing.T, store map[string]string, sig syscall.Signal) {
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: "All done here."}})
	env := w.env(store)
	env["MISTRALBOT_BOT_ADMINS"] = "slack:U0BOB"
	first := startProc(t, "first", env)
	m, appMention, _ := w.mention("C0VOTE", "U0ALICE", "hi", "EvVOTE1")
	w.deliver(first, appMention, 0)
	answer := w.finished("C0VOTE", m.TS, "All done here.")
	w.interact(first, w.slack.FeedbackAction(answer, "U0ALICE", slack.FeedbackActionID, true))
	waitUntil(t, 10*time.Second, "the thanks for the vote", func() bool {
		return w.ephemerals(noticeTexts(i18n.FeedbackThanks)) == 1
	})
	first.signal(sig)
	first.wait(20 * time.Second)

	second := startProc(t, "second", env)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	form := w.slack.SlashCommand("/usage", "", "C0VOTE", "U0BOB")
	status, body, err := w.slack.Deliver(ctx, w.client, second.url()+"/slack/commands",
		fakeslack.Delivery{Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		t.Fatalf("/usage: %d %q %v", status, body, err)
	}
	votes := feedbackTexts(replyText)
	waitUntil(t, 15*time.Second, "the admin's /usage to show the vote", func() bool {
		for _, r := range w.slack.Responses() {
			if containsAny(r.Text, votes) {
				return true
			}
		}
		return false
	})
}

// feedbackTexts is the end of /usage's feedback line for one 👍 and no 👎,
// whatever the model and language, in every language, as render shows it.
func feedbackTexts(render func(string) string) []string {
	var out []string
	for _, lang := range i18n.Supported() {
		line := i18n.T(lang, i18n.FeedbackLine, "\x00", "\x00", int64(1), int64(0))
		out = append(out, render(line[strings.LastIndex(line, "\x00")+len("\x00"):]))
	}
	return out
}

func TestE2EFeedbackSurvivesRestartBolt(t *testing.T) {
	feedbackSurvivesRestart(t, map[string]string{
		"MISTRALBOT_STORE_DRIVER": "bolt", "MISTRALBOT_STORE_PATH": filepath.Join(t.TempDir(), "bot.db"),
	}, syscall.SIGTERM)
}

func TestE2EFeedbackSurvivesRestartRedis(t *testing.T) {
	feedbackSurvivesRestart(t, map[string]string{
		"MISTRALBOT_STORE_DRIVER": "redis", "MISTRALBOT_STORE_REDIS_URL": redistest.URL(t),
	}, syscall.SIGKILL)
}

// TestE2ESlackRegenerateCommand: a slash command's answer (/code with its
// language option) has the Regenerate button too; the asker's click asks
// the same command again (the same messages to the model) and rewrites
// the answer in the thread the command started: one new answer, in place.
func TestE2ESlackRegenerateCommand(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	w.llm.Script(llmtest.Scenario{Times: 1, Reply: "Use slices.Reverse."}, llmtest.Scenario{Times: 1, Reply: "Reverse it in place."})
	p := startProc(t, "bot", w.env(memoryStore))
	w.slack.PostUserMessage("C0CMD", "", "U0BOB", "hello") // the channel exists
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	form := w.slack.SlashCommand("/code", "reverse a slice", "C0CMD", "U0BOB")
	status, body, err := w.slack.Deliver(ctx, w.client, p.url()+"/slack/commands",
		fakeslack.Delivery{Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		t.Fatalf("/code: %d %q %v", status, body, err)
	}
	var question fakeslack.Message
	waitUntil(t, 20*time.Second, "the command's question message", func() bool {
		for _, m := range w.slack.Messages("C0CMD") {
			if m.Metadata != nil {
				question = m
				return true
			}
		}
		return false
	})
	first := w.finished("C0CMD", question.TS, "Use slices.Reverse.")
	w.interact(p, w.slack.BlockAction(first, "U0BOB", slack.RegenerateActionID))
	second := w.finished("C0CMD", question.TS, "Reverse it in place.")
	if second.TS != first.TS {
		t.Errorf("the new answer is message %s, want %s edited", second.TS, first.TS)
	}
	reqs := w.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("the model was asked %d times, want 2", len(reqs))
	}
	if len(reqs[0].Messages) != len(reqs[1].Messages) {
		t.Fatalf("the command was asked again with %d messages, first with %d", len(reqs[1].Messages), len(reqs[0].Messages))
	}
	for i := range reqs[0].Messages {
		if reqs[0].Messages[i].Content != reqs[1].Messages[i].Content {
			t.Errorf("message %d asked again as %.80q, first %.80q", i, reqs[1].Messages[i].Content, reqs[0].Messages[i].Content)
		}
	}
	if n := w.postsIn("C0CMD", question.TS); n != 1 {
		t.Errorf("%d messages posted in the thread, want 1", n)
	}
}
