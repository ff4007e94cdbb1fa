package slack

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// regenButton returns the Regenerate button of m ("" value: none).
func regenButton(m fakeslack.Message) fakeslack.Button {
	for _, b := range m.Buttons() {
		if b.ActionID == RegenerateActionID {
			return b
		}
	}
	return fakeslack.Button{}
}

// waitRegenerable waits for the thread to hold exactly one bot message
// with text and its Regenerate button, and returns it.
func (h *harness) waitRegenerable(channel, thread, text string) fakeslack.Message {
	h.t.Helper()
	var m fakeslack.Message
	h.waitFor("the answer "+text+" with its Regenerate button", func() bool {
		got := h.replies(channel, thread)
		if len(got) != 1 || got[0].Streaming {
			return false
		}
		m = got[0]
		up, _ := m.FeedbackValues()
		return m.Body() == text && regenButton(m).Value != "" && up != ""
	})
	return m
}

func TestRegeneratePostsExactlyOneNewAnswer(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		var st bots.Store
		h := newHarness(t, harnessOptions{mode: mode,
			engine: func(o *engine.Options) { st = o.Store },
			adapt:  func(o *Options) { o.StopButton = true }})
		h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."})
		q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me something")
		first := h.waitRegenerable("C0GENERAL", q.TS, "First answer.")

		// Alice neither asked nor is an admin: refused, nothing changes.
		h.interaction(h.fake.BlockAction(first, "U0ALICE", RegenerateActionID))
		refusal := Mrkdwn(i18n.T("fr", i18n.RegenerateNotAllowed))
		h.waitFor("the refusal to Alice", func() bool { return h.responseCount(refusal) == 1 })
		if n := len(h.llm.ChatRequests()); n != 1 {
			t.Fatalf("a refused click asked the model: %d requests", n)
		}

		// The asker regenerates; the click is delivered twice (same
		// trigger_id): one new answer, in the same message.
		click := h.fake.BlockAction(first, "U0BOB", RegenerateActionID)
		h.interaction(click)
		h.interaction(click)
		second := h.waitRegenerable("C0GENERAL", q.TS, "Second answer.")
		if second.TS != first.TS {
			t.Errorf("the new answer is a new message (%s), want the old one (%s) edited", second.TS, first.TS)
		}
		if regenButton(second).Value == regenButton(first).Value {
			t.Error("the new answer reuses the old reply id")
		}
		reqs := h.llm.ChatRequests()
		if len(reqs) != 2 {
			t.Fatalf("model asked %d times, want 2", len(reqs))
		}
		// Same context minus the old answer.
		for _, m := range reqs[1].Messages {
			if strings.Contains(m.Content, "First answer.") {
				t.Errorf("the old answer went back to the model: %+v", m)
			}
		}
		if got, want := lastUser(reqs[1].Messages), lastUser(reqs[0].Messages); got != want {
			t.Errorf("regenerated question %q, want %q", got, want)
		}
		// Usage counts both answers.
		h.waitFor("usage of both answers", func() bool {
			u, err := st.Usage(context.Background(), bots.ScopeChannel, bots.ChannelID(bots.Slack, "C0GENERAL"), bots.Day(time.Now()))
			return err == nil && u.Requests == 2
		})

		// A click on the old button now: the answer it names is gone.
		h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
		gone := Mrkdwn(i18n.T("en", i18n.RegenerateGone))
		h.waitFor("the stale click's answer", func() bool { return h.responseCount(gone) == 1 })
		if n := len(h.llm.ChatRequests()); n != 2 {
			t.Errorf("model asked %d times, want 2", n)
		}
		if got := h.replies("C0GENERAL", q.TS); len(got) != 1 || got[0].Body() != "Second answer." {
			t.Errorf("thread = %+v, want the one regenerated answer", got)
		}
	})
}

func TestRegenerateRacingAFollowUpChangesNothing(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Follow-up answer."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me something")
	first := h.waitRegenerable("C0GENERAL", q.TS, "First answer.")
	h.say("C0GENERAL", q.TS, "U0BOB", "and more?")
	h.waitFor("the follow-up's answer", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		return len(got) == 2 && got[1].Body() == "Follow-up answer."
	})
	h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
	busy := Mrkdwn(i18n.T("en", i18n.RegenerateBusy))
	h.waitFor("the busy answer", func() bool { return h.responseCount(busy) == 1 })
	if n := len(h.llm.ChatRequests()); n != 2 {
		t.Errorf("model asked %d times, want 2", n)
	}
	got := h.replies("C0GENERAL", q.TS)
	if len(got) != 2 || got[0].Body() != "First answer." || got[0].Edits != first.Edits {
		t.Errorf("the thread changed: %+v", got)
	}
}

func TestRegenerateLongAnswerEditsTheFirstAndDeletesTheRest(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.StopButton = true }})
	long := longAnswer(6000) // two messages (chat.update takes 4,000 characters)
	h.llm.Script(llmtest.Scenario{Reply: long}, llmtest.Scenario{Reply: "Short now."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> a long one")
	var last fakeslack.Message
	h.waitFor("the two-part answer", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		if len(got) != 2 {
			return false
		}
		last = got[1]
		return regenButton(last).Value != ""
	})
	firstTS := h.replies("C0GENERAL", q.TS)[0].TS
	h.interaction(h.fake.BlockAction(last, "U0BOB", RegenerateActionID))
	got := h.waitRegenerable("C0GENERAL", q.TS, "Short now.")
	if got.TS != firstTS {
		t.Errorf("the new answer is in %s, want the first part %s edited", got.TS, firstTS)
	}
}

func TestRegenerateNativeStreamRewritesIt(t *testing.T) {
	h := newHarness(t, harnessOptions{native: true, llm: llmtest.Options{Delay: 2 * time.Millisecond},
		adapt: func(o *Options) { o.StopButton = true }})
	streamed := longAnswer(300)
	h.llm.Script(llmtest.Scenario{Reply: streamed}, llmtest.Scenario{Reply: "Streamed second."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> stream it")
	first := h.waitRegenerable("C0GENERAL", q.TS, streamed)
	if first.Markdown == "" {
		t.Fatalf("not streamed natively: %+v", first)
	}
	h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
	second := h.waitRegenerable("C0GENERAL", q.TS, "Streamed second.")
	if second.TS != first.TS {
		t.Errorf("the new answer is %s, want the streamed message %s rewritten", second.TS, first.TS)
	}
}

func lastUser(msgs []llmtest.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}

// questionMessage waits for the message a command posted to start its
// answer's thread.
func (h *harness) questionMessage(channel string) fakeslack.Message {
	h.t.Helper()
	var q fakeslack.Message
	h.waitFor("the question message", func() bool {
		for _, m := range h.fake.Messages(channel) {
			if m.Metadata != nil {
				q = m
				return true
			}
		}
		return false
	})
	return q
}

// A slash command's answer has the Regenerate button too: the click asks
// the same command again (its options, its system message) and rewrites
// the answer in its thread, once; a stranger is refused; once the thread
// is followed up the old answer stays.
func TestRegenerateSlashCommandAnswer(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, adapt: func(o *Options) { o.StopButton = true }})
		h.llm.Script(llmtest.Scenario{Reply: "Use `slices.Reverse`."}, llmtest.Scenario{Reply: "Reverse it in place."},
			llmtest.Scenario{Reply: "It does not allocate."})
		h.command("/code", "reverse a slice", "C0GENERAL", "U0ALICE")
		q := h.questionMessage("C0GENERAL")
		first := h.waitRegenerable("C0GENERAL", q.TS, "Use `slices.Reverse`.")

		h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
		refusal := Mrkdwn(i18n.T("en", i18n.RegenerateNotAllowed))
		h.waitFor("the refusal to Bob", func() bool { return h.responseCount(refusal) == 1 })

		click := h.fake.BlockAction(first, "U0ALICE", RegenerateActionID)
		h.interaction(click)
		h.interaction(click) // delivered twice: acts once
		second := h.waitRegenerable("C0GENERAL", q.TS, "Reverse it in place.")
		if second.TS != first.TS {
			t.Errorf("the new answer is a new message (%s), want the old one (%s) edited", second.TS, first.TS)
		}
		reqs := h.llm.ChatRequests()
		if len(reqs) != 2 {
			t.Fatalf("model asked %d times, want 2", len(reqs))
		}
		if !reflect.DeepEqual(reqs[0].Messages, reqs[1].Messages) {
			t.Errorf("the command was asked again as\n%+v\nnot as\n%+v", reqs[1].Messages, reqs[0].Messages)
		}

		// A follow-up in the thread: the regenerated answer is in its
		// context now, and stays.
		h.say("C0GENERAL", q.TS, "U0ALICE", "does it allocate?")
		h.waitFor("the follow-up's answer", func() bool {
			got := h.replies("C0GENERAL", q.TS)
			return len(got) == 2 && got[1].Body() == "It does not allocate."
		})
		h.interaction(h.fake.BlockAction(second, "U0ALICE", RegenerateActionID))
		busy := Mrkdwn(i18n.T("fr", i18n.RegenerateBusy)) // Alice's locale
		h.waitFor("the busy answer", func() bool { return h.responseCount(busy) == 1 })
		if n := len(h.llm.ChatRequests()); n != 3 {
			t.Errorf("model asked %d times, want 3", n)
		}
		if got := h.replies("C0GENERAL", q.TS); len(got) != 2 || got[0].Body() != "Reverse it in place." {
			t.Errorf("the thread changed: %+v", got)
		}
	})
}

// A Regenerate click on an answer whose first message was deleted
// meanwhile (chat.update would answer message_not_found) changes nothing:
// no new public message, the remaining part untouched, and the clicker
// gets exactly one short ephemeral answer.
func TestRegenerateDeletedAnswerTellsTheClickerOnly(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: longAnswer(6000)}, llmtest.Scenario{Reply: "Never shown."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> a long one")
	var last fakeslack.Message
	h.waitFor("the two-part answer", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		if len(got) != 2 {
			return false
		}
		last = got[1]
		return regenButton(last).Value != ""
	})
	first := h.replies("C0GENERAL", q.TS)[0]
	if !h.fake.DeleteMessage("C0GENERAL", first.TS) {
		t.Fatal("the first part could not be deleted")
	}
	h.interaction(h.fake.BlockAction(last, "U0BOB", RegenerateActionID))
	gone := Mrkdwn(i18n.T("en", i18n.RegenerateGone))
	// The answer is the job's last act (after the failed reopen): what
	// it could have posted is there by now.
	h.waitFor("the clicker's answer", func() bool { return h.responseCount(gone) == 1 })
	got := h.replies("C0GENERAL", q.TS)
	if len(got) != 1 || got[0].TS != last.TS || got[0].Body() != last.Body() || got[0].Edits != last.Edits {
		t.Errorf("the thread changed: %+v, want only the untouched last part %s", got, last.TS)
	}
}

// A flag-reaction translation has the Regenerate button too: a click
// (delivered twice) asks the same translation again and rewrites the
// translation in place: exactly one new translation, no new message.
func TestRegenerateFlagTranslationInPlace(t *testing.T) {
	h := newHarness(t, harnessOptions{
		engine: func(o *engine.Options) { o.TranslateReactions = true },
		adapt:  func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "Bonjour à tous !"}, llmtest.Scenario{Reply: "Salut tout le monde !"})
	m := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "Hello everyone!")
	ev := map[string]any{"type": "reaction_added", "user": "U0ALICE", "reaction": "flag-fr", "event_ts": "1760000400.000100",
		"item": map[string]any{"type": "message", "channel": "C0GENERAL", "ts": m.TS}, "item_user": "U0BOB"}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	first := h.waitRegenerable("C0GENERAL", m.TS, "Bonjour à tous !")

	click := h.fake.BlockAction(first, "U0ALICE", RegenerateActionID)
	h.interaction(click)
	h.interaction(click) // delivered twice: acts once
	second := h.waitRegenerable("C0GENERAL", m.TS, "Salut tout le monde !")
	if second.TS != first.TS {
		t.Errorf("the new translation is a new message (%s), want the old one (%s) edited", second.TS, first.TS)
	}
	reqs := h.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("model asked %d times, want 2", len(reqs))
	}
	if got, want := lastUser(reqs[1].Messages), lastUser(reqs[0].Messages); got != want || !strings.Contains(got, "Hello everyone!") {
		t.Errorf("regenerated translation asked for %q, want %q (the original text)", got, want)
	}
	if got := h.replies("C0GENERAL", m.TS); len(got) != 1 {
		t.Errorf("%d bot messages in the thread, want the one translation", len(got))
	}
}

// Two distinct Regenerate clicks on the same answer (a double click: two
// trigger_ids) are each answered once: one regenerates in place, the
// other is told the answer can no longer be regenerated.
func TestRegenerateDoubleClickAnsweredOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me something")
	first := h.waitRegenerable("C0GENERAL", q.TS, "First answer.")
	h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
	h.interaction(h.fake.BlockAction(first, "U0BOB", RegenerateActionID))
	second := h.waitRegenerable("C0GENERAL", q.TS, "Second answer.")
	gone := Mrkdwn(i18n.T("en", i18n.RegenerateGone))
	h.waitFor("the second click's answer", func() bool { return h.responseCount(gone) == 1 })
	if second.TS != first.TS {
		t.Errorf("the new answer is a new message (%s), want %s edited", second.TS, first.TS)
	}
	if n := len(h.llm.ChatRequests()); n != 2 {
		t.Errorf("model asked %d times, want 2", n)
	}
	for _, r := range h.fake.Responses() {
		if r.ResponseType == "ephemeral" && r.Text != gone {
			t.Errorf("unexpected answer to a click: %q", r.Text)
		}
	}
}
