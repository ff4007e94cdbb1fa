package slack

import (
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// Someone deletes the bot's answer while it is being written: the rest is
// not lost, it carries on in a new message that ends up holding the whole
// answer (chat.update answers message_not_found).
func TestAnswerDeletedWhileStreamingIsPostedAgain(t *testing.T) {
	long := strings.TrimSpace(strings.Repeat("The loop runs to the middle of the slice. ", 20))
	h := newHarness(t, harnessOptions{
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: long}, Delay: 20 * time.Millisecond}})
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> how do I reverse a slice?")
	var first string
	h.waitFor("the first part of the answer", func() bool {
		if got := h.replies("C0GENERAL", m.TS); len(got) > 0 {
			first = got[0].TS
			return true
		}
		return false
	})
	if !h.fake.DeleteMessage("C0GENERAL", first) {
		t.Fatal("the fake did not delete the answer")
	}
	got := h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(long))
	if len(got) != 1 || got[0].TS == first {
		t.Fatalf("want the whole answer in one new message, got %d messages: %+v", len(got), got)
	}
}
