package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// stopHarness answers with two chunks, then holds the stream open (Stall)
// until the client goes away: only a stop ends it.
func stopHarness(t *testing.T, mode string) *harness {
	return newHarness(t, harnessOptions{mode: mode,
		llm:   llmtest.Options{Default: llmtest.Scenario{Tokens: []string{"Hello", " world"}, Fault: llmtest.Stall, FailAfter: 2}},
		adapt: func(o *Options) { o.StopButton = true; o.EditInterval = time.Millisecond }})
}

// waitLive waits for the answer's message to show the two chunks and the
// Stop button, and returns it.
func (h *harness) waitLive(channel, thread string) fakeslack.Message {
	h.t.Helper()
	var m fakeslack.Message
	h.waitFor("the answer with its Stop button", func() bool {
		got := h.replies(channel, thread)
		if len(got) != 1 {
			return false
		}
		m = got[0]
		b := m.Buttons()
		return strings.HasPrefix(m.Text, "Hello world") && len(b) == 1 && b[0].ActionID == StopActionID && b[0].Value != ""
	})
	return m
}

func (h *harness) responseCount(text string) int {
	n := 0
	for _, r := range h.fake.Responses() {
		if r.Text == text && r.ResponseType == "ephemeral" {
			n++
		}
	}
	return n
}

func TestStopButtonCancelsTheModelRequest(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := stopHarness(t, mode)
		q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me a long story")
		live := h.waitLive("C0GENERAL", q.TS)

		// Alice did not ask and is no admin: refused, nothing changes.
		h.interaction(h.fake.BlockAction(live, "U0ALICE", StopActionID))
		refusal := Mrkdwn(i18n.T("fr", i18n.StopNotAllowed))
		h.waitFor("the refusal to Alice", func() bool { return h.responseCount(refusal) == 1 })
		if st := h.llm.Stats(); st.Cancelled != 0 {
			t.Fatalf("a refused click cancelled the request: %+v", st)
		}

		// The asker stops it: the request ends, the text stays with the
		// notice, the button goes with the final edit.
		h.interaction(h.fake.BlockAction(live, "U0BOB", StopActionID))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !h.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
			t.Fatalf("the model request was not cancelled: %+v", h.llm.Stats())
		}
		want := Mrkdwn("Hello world\n\n" + i18n.T("en", i18n.Stopped))
		var final fakeslack.Message
		h.waitFor("the stopped answer without its button", func() bool {
			got := h.replies("C0GENERAL", q.TS)
			if len(got) != 1 {
				return false
			}
			final = got[0]
			return final.Text == want && len(final.Buttons()) == 0
		})
		if len(final.Blocks) != 0 {
			t.Errorf("blocks left on the final message: %v", final.Blocks)
		}

		// A second click (a replay, or a click after the end) is told so
		// and changes nothing.
		edits := final.Edits
		h.interaction(h.fake.BlockAction(live, "U0BOB", StopActionID))
		over := Mrkdwn(i18n.T("en", i18n.StopOver))
		h.waitFor("the late click's answer", func() bool { return h.responseCount(over) == 1 })
		got := h.replies("C0GENERAL", q.TS)
		if len(got) != 1 || got[0].Edits != edits || got[0].Text != want {
			t.Errorf("a late click changed the answer: %+v", got)
		}
		if n := len(h.llm.ChatRequests()); n != 1 {
			t.Errorf("model asked %d times, want 1", n)
		}
	})
}

func TestFinishedAnswerTakesFeedbackOnce(t *testing.T) {
	var st bots.Store
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: "All done here."}},
		engine: func(o *engine.Options) { st = o.Store },
		adapt:  func(o *Options) { o.StopButton = true }})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> hi")
	var final fakeslack.Message
	h.waitFor("the answer with feedback buttons and no Stop button", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		if len(got) != 1 {
			return false
		}
		final = got[0]
		up, down := final.FeedbackValues()
		b := final.Buttons() // the Regenerate button only
		return final.Text == "All done here." && len(b) == 1 && b[0].ActionID == RegenerateActionID && up != "" && down != ""
	})
	thanks := Mrkdwn(i18n.T("fr", i18n.FeedbackThanks))
	for i := range 2 { // the same click delivered twice
		h.interaction(h.fake.FeedbackAction(final, "U0ALICE", FeedbackActionID, false))
		h.waitFor("the thanks", func() bool { return h.responseCount(thanks) == i+1 })
	}
	counts, err := st.(bots.FeedbackStore).FeedbackCounts(context.Background(), bots.ChannelID(bots.Slack, "C0GENERAL"))
	if err != nil || len(counts) != 1 || counts[0].Down != 1 || counts[0].Up != 0 || counts[0].Model == "" || counts[0].Language == "" {
		t.Fatalf("counts = %+v, %v; want one 👎 with model and language", counts, err)
	}
	// Alice changes her mind: her 👍 replaces her 👎.
	h.interaction(h.fake.FeedbackAction(final, "U0ALICE", FeedbackActionID, true))
	h.waitFor("the second thanks", func() bool { return h.responseCount(thanks) == 3 })
	// An answer this process does not know (a forged or stale value).
	forged := final
	forged.Blocks = []map[string]any{{"type": "context_actions", "elements": []any{map[string]any{"type": "feedback_buttons",
		"positive_button": map[string]any{"value": "up:unknown"}, "negative_button": map[string]any{"value": "down:unknown"}}}}}
	h.interaction(h.fake.FeedbackAction(forged, "U0ALICE", FeedbackActionID, true))
	unknown := Mrkdwn(i18n.T("fr", i18n.FeedbackUnknown))
	h.waitFor("the unknown answer's reply", func() bool { return h.responseCount(unknown) == 1 })
	h.waitFor("the 👍 recorded", func() bool {
		c, _ := st.(bots.FeedbackStore).FeedbackCounts(context.Background(), bots.ChannelID(bots.Slack, "C0GENERAL"))
		return len(c) == 1 && c[0].Up == 1 && c[0].Down == 0
	})
}

func TestSectionsFitBlockKit(t *testing.T) {
	long := strings.Repeat("ligne de texte é\n", 250) // 4,250 characters
	for _, text := range []string{"short", long, strings.Repeat("é", 4000)} {
		parts := sections(text, sectionLimit)
		if strings.Join(parts, "") != text {
			t.Errorf("sections lose text (%d chars)", len([]rune(text)))
		}
		for _, p := range parts {
			if n := len([]rune(p)); n == 0 || n > sectionLimit {
				t.Errorf("a section of %d characters", n)
			}
		}
	}
	if parts := sections(long, sectionLimit); len(parts) != 2 || !strings.HasSuffix(parts[0], "\n") {
		t.Errorf("not cut at a line break: %d parts", len(parts))
	}
}

func TestNativeStreamEndsWithFeedbackButtons(t *testing.T) {
	var st bots.Store
	h := newHarness(t, harnessOptions{native: true,
		llm:    llmtest.Options{Default: llmtest.Scenario{Reply: longAnswer(300)}, Delay: 2 * time.Millisecond},
		engine: func(o *engine.Options) { st = o.Store },
		adapt:  func(o *Options) { o.StopButton = true }})
	m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> stream it")
	var final fakeslack.Message
	h.waitFor("the streamed answer with feedback buttons", func() bool {
		got := h.replies("C0GENERAL", m.TS)
		if len(got) != 1 || got[0].Streaming {
			return false
		}
		final = got[0]
		up, _ := final.FeedbackValues()
		return up != ""
	})
	if final.Markdown == "" || h.fake.Count("chat.update", 0) != 0 {
		t.Fatalf("not streamed natively: %+v", final)
	}
	h.interaction(h.fake.FeedbackAction(final, "U0BOB", FeedbackActionID, true))
	h.waitFor("the 👍 recorded", func() bool {
		c, _ := st.(bots.FeedbackStore).FeedbackCounts(context.Background(), bots.ChannelID(bots.Slack, "C0GENERAL"))
		return len(c) == 1 && c[0].Up == 1
	})
}
