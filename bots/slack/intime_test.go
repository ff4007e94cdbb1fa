package slack

import (
	"context"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// slowVotes is the memory store whose Vote waits for gate: a store
// slower than Slack's 3 seconds.
type slowVotes struct {
	*store.Memory
	entered chan struct{}
	gate    chan struct{}
}

func (s *slowVotes) Vote(ctx context.Context, f bots.Feedback) (bool, error) {
	s.entered <- struct{}{}
	select {
	case <-s.gate:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return s.Memory.Vote(ctx, f)
}

// A click is acknowledged (the Socket Mode envelope, the HTTP request)
// while the store it needs is stuck: the acknowledgement never waits for
// the work; the thanks come once the vote is in.
func TestSlowStoreClickIsAcknowledgedInTime(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		sv := &slowVotes{entered: make(chan struct{}, 4), gate: make(chan struct{})}
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "All done here."}},
			engine: func(o *engine.Options) {
				sv.Memory = o.Store.(*store.Memory)
				o.Store = sv
			},
			adapt: func(o *Options) { o.StopButton = true }})
		q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> hi")
		var final fakeslack.Message
		h.waitFor("the answer with feedback buttons", func() bool {
			got := h.replies("C0GENERAL", q.TS)
			if len(got) != 1 {
				return false
			}
			final = got[0]
			up, _ := final.FeedbackValues()
			return up != "" && final.Text == "All done here."
		})
		// interaction returns once the envelope is acknowledged (or the
		// HTTP request answered): the store is still stuck then, since it
		// is released only below.
		h.interaction(h.fake.FeedbackAction(final, "U0ALICE", FeedbackActionID, true))
		select {
		case <-sv.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the vote never reached the store")
		}
		thanks := Mrkdwn(i18n.T("fr", i18n.FeedbackThanks))
		if n := h.responseCount(thanks); n != 0 {
			t.Fatalf("thanked %d times before the vote was in", n)
		}
		close(sv.gate)
		h.waitFor("the thanks", func() bool { return h.responseCount(thanks) == 1 })
	})
}

// A workspace admin (users.info is_admin) may stop and regenerate someone
// else's answer; the same click from a member is refused (the other
// tests).
func TestAdminStopsAndRegeneratesAnotherUsersAnswer(t *testing.T) {
	h := stopHarness(t, ModeSocket)
	h.fake.AddUser(fakeslack.User{ID: "U0ADMIN", Name: "admin", RealName: "Ada Admin", DisplayName: "Ada", IsAdmin: true, Locale: "en-US"})
	h.llm.Script(llmtest.Scenario{Tokens: []string{"Hello", " world"}, Fault: llmtest.Stall, FailAfter: 2},
		llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "A calmer answer."})
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me a long story")
	live := h.waitLive("C0GENERAL", q.TS)
	h.interaction(h.fake.BlockAction(live, "U0ADMIN", StopActionID))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !h.llm.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled == 1 }) {
		t.Fatalf("the admin's stop did not cancel the request: %+v", h.llm.Stats())
	}
	stopped := Mrkdwn("Hello world\n\n" + i18n.T("en", i18n.Stopped))
	h.waitFor("the stopped answer", func() bool {
		got := h.replies("C0GENERAL", q.TS)
		return len(got) == 1 && got[0].Text == stopped
	})

	q2 := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> something else")
	first := h.waitRegenerable("C0GENERAL", q2.TS, "First answer.")
	h.interaction(h.fake.BlockAction(first, "U0ADMIN", RegenerateActionID))
	if second := h.waitRegenerable("C0GENERAL", q2.TS, "A calmer answer."); second.TS != first.TS {
		t.Errorf("the admin's regenerate posted %s, want %s edited", second.TS, first.TS)
	}
}
