package discord

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// regenButton returns the Regenerate custom_id of m ("" when none).
func regenButton(m discordtest.Message) string {
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b, regeneratePrefix) {
			return b
		}
	}
	return ""
}

// waitRegenerable waits for the bot's messages in channel to be one,
// reading text, with its Regenerate button, and returns it.
func (h *harness) waitRegenerable(channel, text string) discordtest.Message {
	h.t.Helper()
	var m discordtest.Message
	h.waitFor("the answer "+text+" with its Regenerate button", 10*time.Second, func() bool {
		msgs := h.botMessages(channel)
		if len(msgs) != 1 {
			return false
		}
		m = msgs[0]
		return m.Content == text && regenButton(m) != ""
	})
	return m
}

func TestRegeneratePostsExactlyOneNewAnswer(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."})
	q := h.mention("tell me something")
	first := h.waitRegenerable(q.ID, "First answer.")

	// Someone else without Manage Channels: refused, nothing changes.
	other := h.dc.ClickButton(first, "900000000000000099", "0", regenButton(first))
	h.waitFor("the refusal", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(other.Token)) == i18n.T("en", i18n.RegenerateNotAllowed)
	})
	if n := len(h.llm.ChatRequests()); n != 1 {
		t.Fatalf("a refused click asked the model: %d requests", n)
	}

	// The asker regenerates; the interaction is delivered twice: type 6,
	// one new answer in the same message.
	click := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	h.waitFor("the regenerate's response", 5*time.Second, func() bool { return h.dc.InteractionResponse(click.Token).Type == 6 })
	h.dc.Dispatch("INTERACTION_CREATE", click)
	second := h.waitRegenerable(q.ID, "Second answer.")
	if second.ID != first.ID {
		t.Errorf("the new answer is a new message (%s), want %s edited", second.ID, first.ID)
	}
	if regenButton(second) == regenButton(first) {
		t.Error("the new answer reuses the old reply id")
	}
	reqs := h.llm.ChatRequests()
	if len(reqs) != 2 {
		t.Fatalf("model asked %d times, want 2", len(reqs))
	}
	for _, m := range reqs[1].Messages {
		if strings.Contains(m.Content, "First answer.") {
			t.Errorf("the old answer went back to the model: %+v", m)
		}
	}
	h.waitFor("usage of both answers", 5*time.Second, func() bool {
		u, err := h.store.Usage(t.Context(), bots.ScopeChannel, bots.ChannelID(bots.Discord, h.dc.Options().GeneralID), bots.Day(time.Now()))
		return err == nil && u.Requests == 2
	})

	// The old button again: the answer it names is gone.
	stale := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	h.waitFor("the stale click's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(stale.Token)) == i18n.T("en", i18n.RegenerateGone)
	})
	if n := len(h.llm.ChatRequests()); n != 2 {
		t.Errorf("model asked %d times, want 2", n)
	}
	if msgs := h.botMessages(q.ID); len(msgs) != 1 {
		t.Errorf("%d bot messages, want the one regenerated answer", len(msgs))
	}
}

func TestRegenerateRacingAFollowUpChangesNothing(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Follow-up answer."})
	q := h.mention("tell me something")
	first := h.waitRegenerable(q.ID, "First answer.")
	h.dc.Post(q.ID, discordtest.Post{Author: h.alice, Content: "and more?"})
	h.waitFor("the follow-up's answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) == 2 && msgs[1].Content == "Follow-up answer."
	})
	click := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	h.waitFor("the busy answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(click.Token)) == i18n.T("en", i18n.RegenerateBusy)
	})
	if n := len(h.llm.ChatRequests()); n != 2 {
		t.Errorf("model asked %d times, want 2", n)
	}
	if msgs := h.botMessages(q.ID); len(msgs) != 2 || msgs[0].Content != "First answer." {
		t.Errorf("the thread changed: %+v", msgs)
	}
}

func TestRegenerateLongAnswerEditsTheFirstAndDeletesTheRest(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	long := strings.Repeat("A line of the long answer, long enough.\n", 80) // two messages (2,000 characters each)
	h.llm.Script(llmtest.Scenario{Reply: long}, llmtest.Scenario{Reply: "Short now."})
	q := h.mention("a long one")
	var last discordtest.Message
	h.waitFor("the two-part answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 2 {
			return false
		}
		last = msgs[1]
		return regenButton(last) != ""
	})
	firstID := h.botMessages(q.ID)[0].ID
	h.dc.ClickButton(last, h.alice.ID, "0", regenButton(last))
	got := h.waitRegenerable(q.ID, "Short now.")
	if got.ID != firstID {
		t.Errorf("the new answer is %s, want the first part %s edited", got.ID, firstID)
	}
}

// A Regenerate click on an answer whose first message was deleted
// meanwhile changes nothing: the click is acknowledged (type 6), the
// remaining part stays as it was, nothing is posted, and the clicker gets
// exactly one ephemeral follow-up saying so.
func TestRegenerateDeletedAnswerTellsTheClickerOnly(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	long := strings.Repeat("A line of the long answer, long enough.\n", 80) // two messages
	h.llm.Script(llmtest.Scenario{Reply: long}, llmtest.Scenario{Reply: "Never shown."})
	q := h.mention("a long one")
	var last discordtest.Message
	h.waitFor("the two-part answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 2 {
			return false
		}
		last = msgs[1]
		return regenButton(last) != ""
	})
	if !h.dc.RemoveMessage(q.ID, h.botMessages(q.ID)[0].ID) {
		t.Fatal("the first part could not be deleted")
	}
	click := h.dc.ClickButton(last, h.alice.ID, "0", regenButton(last))
	// The follow-up is the job's last act (after the failed look-up):
	// what it could have posted is there by now.
	h.waitFor("the follow-up to the clicker", 10*time.Second, func() bool {
		return len(h.dc.InteractionResponse(click.Token).Followups) > 0
	})
	r := h.dc.InteractionResponse(click.Token)
	if r.Type != 6 {
		t.Errorf("the click was answered with type %d, want 6", r.Type)
	}
	if len(r.Followups) != 1 || r.Followups[0].Content != i18n.T("en", i18n.RegenerateGone) || r.Followups[0].Flags&64 == 0 {
		t.Errorf("follow-ups %+v, want one ephemeral %q", r.Followups, i18n.T("en", i18n.RegenerateGone))
	}
	msgs := h.botMessages(q.ID)
	if len(msgs) != 1 || msgs[0].ID != last.ID || msgs[0].Content != last.Content {
		t.Errorf("the channel changed: %+v, want only the untouched last part %s", msgs, last.ID)
	}
}

// Two distinct Regenerate clicks on the same answer (a double click: two
// interactions) are each answered once: one with type 6 and the answer
// rewritten in place, the other with an ephemeral "can no longer be
// regenerated"; neither gets a follow-up.
func TestRegenerateDoubleClickAnsweredOnce(t *testing.T) {
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.StopButton = true }})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."})
	q := h.mention("tell me something")
	first := h.waitRegenerable(q.ID, "First answer.")
	a := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	b := h.dc.ClickButton(first, h.alice.ID, "0", regenButton(first))
	second := h.waitRegenerable(q.ID, "Second answer.")
	if second.ID != first.ID {
		t.Errorf("the new answer is a new message (%s), want %s edited", second.ID, first.ID)
	}
	h.waitFor("both clicks answered", 5*time.Second, func() bool {
		return h.dc.InteractionResponse(a.Token).Type != 0 && h.dc.InteractionResponse(b.Token).Type != 0
	})
	ra, rb := h.dc.InteractionResponse(a.Token), h.dc.InteractionResponse(b.Token)
	if ra.Type != 6 {
		ra, rb = rb, ra
	}
	if ra.Type != 6 || ephemeralText(rb) != i18n.T("en", i18n.RegenerateGone) {
		t.Errorf("responses %+v and %+v; want one type 6 and one ephemeral %q", ra, rb, i18n.T("en", i18n.RegenerateGone))
	}
	if len(ra.Followups)+len(rb.Followups) != 0 {
		t.Errorf("follow-ups %+v %+v, want none", ra.Followups, rb.Followups)
	}
	if n := len(h.llm.ChatRequests()); n != 2 {
		t.Errorf("model asked %d times, want 2", n)
	}
}
