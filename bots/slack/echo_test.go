package slack

import (
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// Slack sends the bot its own posts back as message events (bot_id,
// bot_profile, blocks; here also without the inner team field): they
// reach the adapter and are ignored, in both connection modes: the
// thread gets one answer per question, and the model is asked once per
// question.
func TestOwnPostsEchoedBackAreIgnored(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		answer := words(30)
		h := newHarness(t, harnessOptions{mode: mode,
			fake: fakeslack.Options{EchoBotMessages: true, OmitTeam: true},
			llm:  llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 5 * time.Millisecond}})
		if mode == ModeHTTP {
			h.fake.SetEventsURL(h.app.URL+"/slack/events", h.client)
		}
		m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> first question")
		h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer))
		h.waitFor("the echo of the answer", func() bool { return h.fake.Echoed() >= 1 })
		// A follow-up in the same thread is answered after the echo in
		// the conversation's lane: had the echo been taken for a
		// question, it would have been answered first.
		h.say("C0GENERAL", m.TS, "U0BOB", "and a follow-up")
		h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer)+"\n"+Mrkdwn(answer))
		h.waitFor("the echo of the second answer", func() bool { return h.fake.Echoed() >= 2 })
		if n := len(h.llm.Requests()); n != 2 {
			t.Errorf("LLM requests = %d, want 2 (one per question)", n)
		}
		if got := h.replies("C0GENERAL", m.TS); len(got) != 2 {
			t.Errorf("%d bot messages in the thread, want 2", len(got))
		}
	})
}
