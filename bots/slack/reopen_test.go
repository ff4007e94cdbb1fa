package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

func TestNativeReplyIsJournaledByItsStreamedMessage(t *testing.T) {
	st := store.NewMemory(store.MemoryOptions{})
	answer := strings.TrimSpace(strings.Repeat("word ", 40))
	h := newHarness(t, harnessOptions{native: true,
		engine: func(o *engine.Options) { o.Store = st },
		llm:    llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 20 * time.Millisecond}})
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> count words")
	var journaled []string
	h.waitFor("the streamed message in the journal", func() bool {
		all, _ := st.Journaled(context.Background())
		for _, e := range all {
			if e.State == journal.Open {
				journaled = e.Placeholder
				return true
			}
		}
		return false
	})
	got := h.waitReplyText("C0GENERAL", m.TS, answer)
	if len(got) != 1 || got[0].Markdown == "" || len(journaled) != 1 || journaled[0] != got[0].TS {
		t.Fatalf("journaled %v for the native reply %+v", journaled, got)
	}
	h.waitFor("the journal emptied", func() bool {
		all, _ := st.Journaled(context.Background())
		for _, e := range all {
			if e.State != journal.Alive {
				return false
			}
		}
		return true
	})
}

func TestReopenStopsAStreamLeftOpenAndRewritesIt(t *testing.T) {
	h := newHarness(t, harnessOptions{native: true})
	ctx := context.Background()
	q := h.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "<@U0BOT> explain")
	// The dead process had started a stream and never stopped it.
	_, ts, err := h.adapter.api.StartStreamContext(ctx, "C0GENERAL", slackgo.MsgOptionTS(q.TS),
		slackgo.MsgOptionMarkdownText("The partial"), slackgo.MsgOptionRecipientUserID("U0ALICE"),
		slackgo.MsgOptionRecipientTeamID("T0001"))
	if err != nil {
		t.Fatal(err)
	}
	key := bots.ConversationKey{Platform: bots.Slack, Team: "T0001", Channel: "C0GENERAL", Thread: q.TS}
	r, err := h.adapter.Reopen(ctx, key, bots.Message{Key: key, ID: q.TS, UserID: "U0ALICE"}, []string{ts})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(ctx, "The regenerated answer."); err != nil {
		t.Fatal(err)
	}
	got := h.replies("C0GENERAL", q.TS)
	if len(got) != 1 || got[0].TS != ts || got[0].Streaming || got[0].Body() != "The regenerated answer." {
		t.Fatalf("thread holds %+v", got)
	}
	if n := h.fake.Count("chat.stopStream", 0); n != 1 {
		t.Errorf("%d chat.stopStream, want the stale stream stopped once", n)
	}
	if n := h.fake.Count("chat.postMessage", 0); n != 0 {
		t.Errorf("%d new messages, want the streamed one rewritten", n)
	}
}
