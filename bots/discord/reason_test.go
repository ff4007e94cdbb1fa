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

func TestThumbsDownReasonIsRecordedOnce(t *testing.T) {
	h := newHarness(t, harnessConfig{
		llm:     llmtest.Options{Default: llmtest.Scenario{Reply: "All done."}},
		adapter: func(o *Options) { o.StopButton = true },
	})
	q := h.mention("a short one")
	final := h.waitRegenerable(q.ID, "All done.")
	down := ""
	for _, b := range final.Buttons() {
		if strings.HasPrefix(b, feedbackPrefix+"down:") {
			down = b
		}
	}
	click := h.dc.ClickButton(final, h.alice.ID, "0", down)
	var modal discordtest.Modal
	h.waitFor("the reason form", 5*time.Second, func() bool {
		var ok bool
		modal, ok = h.dc.InteractionResponse(click.Token).Modal()
		return ok
	})
	if !strings.HasPrefix(modal.CustomID, reasonPrefix) || len(modal.Inputs) != 1 || modal.Inputs[0].MaxLength != bots.FeedbackReasonMax ||
		modal.Title != i18n.T("en", i18n.ReasonTitle) {
		t.Fatalf("modal = %+v", modal)
	}
	// Submitted, delivered twice, then submitted again with the same text.
	sub := h.dc.SubmitModal(click, modal, h.alice.ID, map[string]string{reasonInputID: "Too vague."})
	h.waitFor("the thanks", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(sub.Token)) == i18n.T("en", i18n.ReasonThanks)
	})
	h.dc.Dispatch("INTERACTION_CREATE", sub)
	again := h.dc.SubmitModal(click, modal, h.alice.ID, map[string]string{reasonInputID: "Too vague."})
	h.waitFor("the second submission's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(again.Token)) != ""
	})
	r, err := h.store.FeedbackReasons(t.Context(), "")
	if err != nil || len(r) != 1 || r[0].Reason != "Too vague." || r[0].Up {
		t.Fatalf("reasons = %+v, %v; want one 👎 with its reason", r, err)
	}
	if c, err := h.store.FeedbackCounts(t.Context(), ""); err != nil || len(c) != 1 || c[0].Down != 1 {
		t.Errorf("counts = %+v, %v; want one 👎", c, err)
	}
	// A form naming an answer this process does not know.
	forged := modal
	forged.CustomID = reasonPrefix + "0000"
	f := h.dc.SubmitModal(click, forged, h.alice.ID, map[string]string{reasonInputID: "x"})
	h.waitFor("the forged form's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(f.Token)) == i18n.T("en", i18n.FeedbackUnknown)
	})
}

func TestModalLimitsAreEnforcedByTheFake(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	for _, lang := range []string{"en", "fr", "de", "it", "es"} {
		resp := reasonModal(strings.Repeat("f", 16), lang)
		if n := len([]rune(resp.Data.Title)); n == 0 || n > 24 { // the Slack limit, the stricter one
			t.Errorf("%s title has %d characters", lang, n)
		}
	}
	in := h.dc.RegisterInteraction(discordtest.Interaction{Type: 3, ChannelID: h.dc.Options().GeneralID})
	bad := reasonModal("r", "en")
	bad.Data.Title = strings.Repeat("t", 46)
	if err := h.a.rest.respond(t.Context(), in.ID, in.Token, bad); err == nil {
		t.Error("a 46-character modal title was accepted")
	}
	if err := h.a.rest.respond(t.Context(), in.ID, in.Token, reasonModal("r", "en")); err != nil {
		t.Errorf("the reason modal was refused: %v", err)
	}
}
