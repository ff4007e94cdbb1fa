package discord

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// ephemeralText is the content of an interaction's ephemeral response.
func ephemeralText(r discordtest.Response) string {
	if r.Type != 4 || r.Original == nil || r.Original.Flags&64 == 0 {
		return ""
	}
	return r.Original.Content
}

func TestStopButtonCancelsTheModelRequest(t *testing.T) {
	h := newHarness(t, harnessConfig{
		llm:     llmtest.Options{Default: llmtest.Scenario{Tokens: []string{"Hello", " world"}, Fault: llmtest.Stall, FailAfter: 2}},
		adapter: func(o *Options) { o.StopButton = true },
	})
	q := h.mention("tell me a long story")
	var live discordtest.Message
	h.waitFor("the answer with its Stop button", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 1 {
			return false
		}
		live = msgs[0]
		b := live.Buttons()
		return live.Content == "Hello world" && len(b) == 1 && strings.HasPrefix(b[0], stopPrefix)
	})
	button := live.Buttons()[0]
	lang := "en" // the question is English; alice has no locale

	// Someone else without Manage Channels: refused, nothing changes.
	bob := h.dc.ClickButton(live, "900000000000000099", "0", button)
	h.waitFor("the refusal", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(bob.Token)) != ""
	})
	if got := ephemeralText(h.dc.InteractionResponse(bob.Token)); got != i18n.T("en", i18n.StopNotAllowed) {
		t.Errorf("refusal = %q", got)
	}
	if st := h.llm.Stats(); st.Cancelled != 0 {
		t.Fatalf("a refused click cancelled the request: %+v", st)
	}

	// The asker stops it: type 6, the request ends, the text stays with
	// the notice and the button goes.
	click := h.dc.ClickButton(live, h.alice.ID, "0", button)
	h.waitFor("the stop's response", 5*time.Second, func() bool { return h.dc.InteractionResponse(click.Token).Type == 6 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !h.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
		t.Fatalf("the model request was not cancelled: %+v", h.llm.Stats())
	}
	want := "Hello world\n\n" + i18n.T(lang, i18n.Stopped)
	h.waitFor("the stopped answer without its button", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) == 1 && msgs[0].Content == want && len(msgs[0].Buttons()) == 0
	})

	// A second click acts no more.
	again := h.dc.ClickButton(live, h.alice.ID, "0", button)
	h.waitFor("the late click's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(again.Token)) == i18n.T(lang, i18n.StopOver)
	})
	if msgs := h.botMessages(q.ID); len(msgs) != 1 || msgs[0].Content != want {
		t.Errorf("a late click changed the answer: %+v", msgs)
	}
	if n := len(h.llm.ChatRequests()); n != 1 {
		t.Errorf("model asked %d times, want 1", n)
	}
}

func TestStopByAManagerAndComponentLimits(t *testing.T) {
	h := newHarness(t, harnessConfig{
		llm:     llmtest.Options{Default: llmtest.Scenario{Tokens: []string{"Partial"}, Fault: llmtest.Stall, FailAfter: 1}},
		adapter: func(o *Options) { o.StopButton = true },
	})
	q := h.mention("go on")
	var live discordtest.Message
	h.waitFor("the Stop button", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 1 || len(msgs[0].Buttons()) != 1 {
			return false
		}
		live = msgs[0]
		return true
	})
	if id := live.Buttons()[0]; len(id) > 100 {
		t.Errorf("custom_id %q over Discord's 100 characters", id)
	}
	manageChannels := strconv.Itoa(1 << 4)
	click := h.dc.ClickButton(live, "900000000000000098", manageChannels, live.Buttons()[0])
	h.waitFor("the manager's stop", 5*time.Second, func() bool { return h.dc.InteractionResponse(click.Token).Type == 6 })
	h.waitFor("the stopped answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) == 1 && strings.HasPrefix(msgs[0].Content, "Partial\n\n") && len(msgs[0].Buttons()) == 0
	})
}

func TestFinishedAnswerTakesFeedbackOnce(t *testing.T) {
	h := newHarness(t, harnessConfig{
		llm:     llmtest.Options{Default: llmtest.Scenario{Reply: "All done."}},
		adapter: func(o *Options) { o.StopButton = true },
	})
	q := h.mention("a short one")
	var final discordtest.Message
	h.waitFor("the answer with 👍 / 👎 and no Stop button", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 1 {
			return false
		}
		final = msgs[0]
		b := final.Buttons()
		return final.Content == "All done." && len(b) == 3 && strings.HasPrefix(b[0], feedbackPrefix+"up:") &&
			strings.HasPrefix(b[1], feedbackPrefix+"down:") && strings.HasPrefix(b[2], regeneratePrefix)
	})
	counts := func() []bots.FeedbackCount {
		c, err := h.store.FeedbackCounts(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for range 2 { // one click delivered twice
		click := h.dc.ClickButton(final, h.alice.ID, "0", final.Buttons()[0])
		h.waitFor("the thanks", 5*time.Second, func() bool {
			return ephemeralText(h.dc.InteractionResponse(click.Token)) == i18n.T("en", i18n.FeedbackThanks)
		})
	}
	if c := counts(); len(c) != 1 || c[0].Up != 1 || c[0].Down != 0 || c[0].Model == "" || c[0].Language == "" {
		t.Fatalf("counts = %+v; want one 👍 with model and language", c)
	}
	forged := h.dc.ClickButton(final, h.alice.ID, "0", feedbackPrefix+"down:0000")
	h.waitFor("the forged click's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(forged.Token)) == i18n.T("en", i18n.FeedbackUnknown)
	})
	if c := counts(); len(c) != 1 || c[0].Up != 1 || c[0].Down != 0 {
		t.Errorf("a forged click changed the counts: %+v", c)
	}
}
