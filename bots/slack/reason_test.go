package slack

import (
	"context"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

func (h *harness) ephemeralCount(text string) int {
	n := 0
	for _, e := range h.fake.Ephemerals() {
		if e.Text == text {
			n++
		}
	}
	return n
}

func TestThumbsDownReasonIsRecordedOnce(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		var st bots.Store
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "All done here."}},
			engine: func(o *engine.Options) { st = o.Store },
			adapt:  func(o *Options) { o.StopButton = true }})
		q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> hi")
		final := h.waitRegenerable("C0GENERAL", q.TS, "All done here.")

		// A 👍 opens no form; a 👎 opens one, in the voter's language.
		h.interaction(h.fake.FeedbackAction(final, "U0ALICE", FeedbackActionID, true))
		thanks := Mrkdwn(i18n.T("fr", i18n.FeedbackThanks))
		h.waitFor("the 👍's thanks", func() bool { return h.responseCount(thanks) == 1 })
		h.interaction(h.fake.FeedbackAction(final, "U0ALICE", FeedbackActionID, false))
		var view fakeslack.ModalView
		h.waitFor("the reason form", func() bool {
			v := h.fake.OpenedViews()
			if len(v) == 1 {
				view = v[0]
			}
			return len(v) == 1
		})
		if view.CallbackID != ReasonCallbackID || !strings.Contains(view.PrivateMetadata, "C0GENERAL") {
			t.Fatalf("form = %+v", view)
		}
		if label := view.Blocks[0]["label"].(map[string]any)["text"]; label != i18n.T("fr", i18n.ReasonLabel) {
			t.Errorf("label %q, want the voter's language", label)
		}

		// The form delivered twice, then submitted again with the same
		// text: one reason, one thanks, one 👎.
		sub := h.fake.ViewSubmission(view, "U0ALICE", map[string]map[string]string{reasonBlockID: {reasonActionID: "  Trop vague.  "}})
		h.interaction(sub)
		h.interaction(sub)
		h.interaction(h.fake.ViewSubmission(view, "U0ALICE", map[string]map[string]string{reasonBlockID: {reasonActionID: "Trop vague."}}))
		fs := st.(bots.FeedbackStore)
		h.waitFor("the reason recorded", func() bool {
			r, _ := fs.FeedbackReasons(context.Background(), bots.ChannelID(bots.Slack, "C0GENERAL"))
			return len(r) == 1 && r[0].Reason == "Trop vague." && !r[0].Up && r[0].User == bots.UserID(bots.Slack, "U0ALICE")
		})
		reasonThanks := Mrkdwn(i18n.T("fr", i18n.ReasonThanks))
		h.waitFor("the reason's thanks", func() bool { return h.ephemeralCount(reasonThanks) == 1 })
		counts, err := fs.FeedbackCounts(context.Background(), "")
		if err != nil || len(counts) != 1 || counts[0].Down != 1 || counts[0].Up != 0 {
			t.Errorf("counts = %+v, %v; want one 👎", counts, err)
		}
		// A form for an answer this process does not know.
		forged := view
		forged.PrivateMetadata = `{"r":"unknown","c":"C0GENERAL"}`
		h.interaction(h.fake.ViewSubmission(forged, "U0ALICE", map[string]map[string]string{reasonBlockID: {reasonActionID: "x"}}))
		unknown := Mrkdwn(i18n.T("fr", i18n.FeedbackUnknown))
		h.waitFor("the unknown answer's reply", func() bool { return h.ephemeralCount(unknown) == 1 })
		if n := h.ephemeralCount(reasonThanks); n != 1 {
			t.Errorf("%d thanks for the reason, want 1", n)
		}
	})
}
