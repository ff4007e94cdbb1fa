package slack

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// chat.postMessage refused for good (the channel archived, the bot
// removed, a policy) is tried once, and the asker gets exactly one notice
// by the best path left: an ephemeral in the thread when the bot can
// still write there, else a DM naming the channel.
func TestPermanentPostFailureIsTriedOnceAndTheAskerIsTold(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(f *fakeslack.Server)
		via    string // "ephemeral" or "dm"
		want   string // in the notice
	}{
		{"msg_too_long", func(f *fakeslack.Server) {
			f.FailNext("chat.postMessage", 1, fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "msg_too_long"})
		}, "ephemeral", "the platform refused it"},
		{"restricted_action", func(f *fakeslack.Server) {
			f.FailNext("chat.postMessage", 1, fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "restricted_action"})
		}, "dm", "<#C0GENERAL>"},
		{"is_archived", func(f *fakeslack.Server) { f.Archive("C0GENERAL", true) }, "dm", "<#C0GENERAL>"},
		{"not_in_channel", func(f *fakeslack.Server) { f.SetMember("C0GENERAL", false) }, "dm", "invite me"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{mode: ModeHTTP,
				llm: llmtest.Options{Default: llmtest.Scenario{Reply: "An answer nobody will see."}, Delay: 5 * time.Millisecond}})
			m := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "<@U0BOT> a question")
			tc.inject(h.fake)
			h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention)), 0)
			notices := func() []string {
				var out []string
				for _, e := range h.fake.Ephemerals() {
					out = append(out, "ephemeral:"+e.User+":"+e.ThreadTS+":"+e.Text)
				}
				for _, dm := range h.fake.Messages("D0BOB") {
					out = append(out, "dm:"+dm.Text)
				}
				return out
			}
			h.waitFor("a notice", func() bool { return len(notices()) > 0 })
			h.waitFor("the reply to end", func() bool { return strings.Contains(h.logs.String(), "told the asker") })
			got := notices()
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.via+":") || !strings.Contains(got[0], tc.want) {
				t.Fatalf("notices %q, want one by %s containing %q", got, tc.via, tc.want)
			}
			if tc.via == "ephemeral" && !strings.HasPrefix(got[0], "ephemeral:U0BOB:"+m.TS+":") {
				t.Errorf("ephemeral %q: want it to the asker, in the question's thread", got[0])
			}
			if n := h.fake.Count("chat.postMessage", 0) - len(h.fake.Messages("D0BOB")); n != 1 {
				t.Errorf("chat.postMessage tried %d times in the channel, want 1", n)
			}
			if r := h.replies("C0GENERAL", m.TS); len(r) != 0 {
				t.Errorf("%d bot messages in the thread, want none", len(r))
			}
		})
	}
}
