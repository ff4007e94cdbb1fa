package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

func TestSlackStreamStopControlStopsTheModel(t *testing.T) {
	words := strings.Fields(strings.Repeat("word after word, slowly written. ", 200))
	tokens := make([]string, len(words))
	for i, w := range words {
		tokens[i] = w + " "
	}
	h := newHarness(t, harnessOptions{native: true,
		llm:   llmtest.Options{Default: llmtest.Scenario{Tokens: tokens}, Delay: 10 * time.Millisecond},
		adapt: func(o *Options) { o.StopButton = true; o.EditInterval = 5 * time.Millisecond }})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> write slowly")
	var streamed fakeslack.Message
	h.waitFor("the answer streaming", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		if len(got) != 1 || !got[0].Streaming || got[0].Appends < 1 {
			return false
		}
		streamed = got[0]
		return true
	})
	if !h.fake.StopStreamAsUser("C0GENERAL", streamed.TS) {
		t.Fatal("the stream was not streaming")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !h.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
		t.Fatalf("the model request was not cancelled: %+v", h.llm.Stats())
	}
	notice := i18n.T("en", i18n.Stopped)
	h.waitFor("the stopped notice", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		return len(got) >= 1 && strings.HasSuffix(strings.TrimSpace(got[len(got)-1].Body()), Mrkdwn(notice))
	})
	got := h.replies("C0GENERAL", q.TS)
	if got[0].TS != streamed.TS || got[0].Streaming {
		t.Errorf("the streamed message changed: %+v", got[0])
	}
	if len(got) > 2 {
		t.Errorf("%d messages after the stop, want the stream and one with the rest and the notice", len(got))
	}
	if n := len(h.llm.ChatRequests()); n != 1 {
		t.Errorf("model asked %d times, want 1", n)
	}
}
