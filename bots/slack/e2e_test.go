package slack

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

const answer = "Map iteration order is **unspecified**: sort the keys first.\n\n```go\nslices.Sort(keys)\n```"

func TestMentionGetsOneStreamedReplyInThread(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode,
			llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 15 * time.Millisecond}})
		m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> pourquoi `range` sur une map n'est pas ordonné ?")

		got := h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer))
		if len(got) != 1 {
			t.Fatalf("want one reply message, got %d", len(got))
		}
		// The model saw the question without the bot's mention.
		if q := h.lastUserContent(); !strings.Contains(q, "pourquoi `range` sur une map") || strings.Contains(q, "U0BOT") {
			t.Errorf("model got user content %q", q)
		}
		// Streamed: the first post carried partial text, then it grew by
		// chat.update; the "thinking" status came before the first post.
		posts := h.fake.CallsTo("chat.postMessage")
		if len(posts) != 1 || posts[0].Params.Get("thread_ts") != m.TS {
			t.Fatalf("posts = %+v", posts)
		}
		if first := posts[0].Params.Get("text"); first == got[0].Text || !strings.HasPrefix(Mrkdwn(answer), strings.TrimSpace(first)) {
			t.Errorf("first post %q is not a partial prefix of the answer", first)
		}
		if got[0].Edits == 0 {
			t.Error("the reply was never edited: not streamed")
		}
		st := h.fake.Statuses()
		if len(st) == 0 || st[0].ThreadTS != m.TS || st[0].Text == "" {
			t.Errorf("thinking status = %+v", st)
		}
		calls := h.fake.Calls()
		statusAt, postAt := -1, -1
		for i, c := range calls {
			if c.Method == "assistant.threads.setStatus" && statusAt < 0 {
				statusAt = i
			}
			if c.Method == "chat.postMessage" && postAt < 0 {
				postAt = i
			}
		}
		if statusAt < 0 || statusAt > postAt {
			t.Errorf("status call at %d, first post at %d", statusAt, postAt)
		}
		if n := h.fake.RateLimited(); n != 0 {
			t.Errorf("%d calls were rate limited", n)
		}
	})
}

func TestFollowUpInThreadNeedsNoMention(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode})
		h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."})
		m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> first question")
		h.waitReplyText("C0GENERAL", m.TS, "First answer.")

		h.say("C0GENERAL", m.TS, "U0BOB", "and a follow-up without mention")
		h.waitReplyText("C0GENERAL", m.TS, "First answer.\nSecond answer.")

		reqs := h.llm.Requests()
		if len(reqs) != 2 {
			t.Fatalf("model called %d times", len(reqs))
		}
		var roles []string
		var all string
		for _, msg := range reqs[1].Messages {
			roles = append(roles, msg.Role)
			all += msg.Content + "\n"
		}
		// History: the question, the bot's answer, the follow-up named by
		// display name.
		if !strings.Contains(all, "first question") || !strings.Contains(all, "First answer.") ||
			!strings.Contains(all, "and a follow-up without mention") || !strings.Contains(all, "bob") {
			t.Errorf("follow-up prompt lacks the thread history:\n%s", all)
		}
		if !strings.Contains(strings.Join(roles, ","), "assistant") {
			t.Errorf("the bot's answer is not an assistant turn: roles %v", roles)
		}

		// A thread between humans the bot never joined stays quiet.
		other := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "humans talking")
		h.say("C0GENERAL", other.TS, "U0BOB", "just between us")
		time.Sleep(200 * time.Millisecond)
		if n := len(h.replies("C0GENERAL", other.TS)); n != 0 {
			t.Errorf("bot answered %d times in a thread it never joined", n)
		}
	})
}

func TestDirectMessageGetsAnswer(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Bonjour Alice."}}})
		h.say("D0ALICE", "", "U0ALICE", "salut, tu peux m'aider ?")
		// A top-level DM is answered at the top level, like a chat.
		h.waitReplyText("D0ALICE", "", "Bonjour Alice.")
		// Inside a DM thread (assistant threads) the answer stays in it.
		parent := h.fake.PostUserMessage("D0ALICE", "", "U0ALICE", "thread start")
		h.say("D0ALICE", parent.TS, "U0ALICE", "dans le fil")
		h.waitReplyText("D0ALICE", parent.TS, "Bonjour Alice.")
	})
}

func TestDuplicateDeliveriesGiveOneReply(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Only once."}}})
		m := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "<@U0BOT> hello")
		mention := h.fake.EventCallback("EvDUP1", h.fake.MessageEvent(m, fakeslack.AppMention))
		message := h.fake.EventCallback("EvDUP2", h.fake.MessageEvent(m, fakeslack.MessageEv))
		h.deliverEvent(mention, 0)
		h.deliverEvent(message, 0)
		h.deliverEvent(mention, 1)
		h.deliverEvent(mention, 2)
		h.deliverEvent(message, 1)
		h.waitReplyText("C0GENERAL", m.TS, "Only once.")
		time.Sleep(300 * time.Millisecond)
		if got := h.replies("C0GENERAL", m.TS); len(got) != 1 {
			t.Errorf("%d replies, want 1", len(got))
		}
		if n := len(h.llm.Requests()); n != 1 {
			t.Errorf("model called %d times, want 1", n)
		}
	})
}

func TestOwnAndOtherBotsMessagesIgnored(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> hi")
	h.waitReplyText("C0GENERAL", m.TS, "Echo: Alice: hi")
	// Slack echoes the bot's own reply as a message event in the thread.
	for _, r := range h.replies("C0GENERAL", m.TS) {
		h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(r, fakeslack.MessageEv)), 0)
	}
	other := fakeslack.Message{Channel: "C0GENERAL", TS: "1760009999.000100", ThreadTS: m.TS, User: "U0OTHER", BotID: "B0OTHER", Text: "<@U0BOT> bot chatter"}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(other, fakeslack.MessageEv)), 0)
	time.Sleep(300 * time.Millisecond)
	if n := len(h.llm.Requests()); n != 1 {
		t.Errorf("model called %d times; own and bot messages must be ignored", n)
	}
}
