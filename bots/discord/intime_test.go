package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// slowVotes is the memory store whose Vote waits for gate: a store slower
// than Discord's 3 seconds.
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

// A click whose work outlasts the budget (the store is stuck) is still
// acknowledged in time, before the store answers: DEFERRED_UPDATE_MESSAGE
// while the vote waits; the thanks follow, ephemeral, once it is in; the
// vote counts once.
func TestSlowStoreClickIsAnsweredInTime(t *testing.T) {
	sv := &slowVotes{entered: make(chan struct{}, 4), gate: make(chan struct{})}
	h := newHarness(t, harnessConfig{
		llm:     llmtest.Options{Default: llmtest.Scenario{Reply: "All done."}},
		adapter: func(o *Options) { o.StopButton = true },
		engine: func(o *engine.Options) {
			sv.Memory = o.Store.(*store.Memory)
			o.Store = sv
		},
	})
	h.a.clicks.d.Store(int64(50 * time.Millisecond)) // the 2 s budget, shortened
	q := h.mention("a short one")
	var final discordtest.Message
	h.waitFor("the answer with 👍", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		if len(msgs) != 1 || len(msgs[0].Buttons()) == 0 {
			return false
		}
		final = msgs[0]
		return strings.HasPrefix(final.Buttons()[0], feedbackPrefix+"up:")
	})
	click := h.dc.ClickButton(final, h.alice.ID, "0", final.Buttons()[0])
	select {
	case <-sv.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the vote never reached the store")
	}
	// The store is still stuck: the click is answered anyway.
	h.waitFor("the acknowledgement", 10*time.Second, func() bool { return h.dc.InteractionResponse(click.Token).Type == 6 })
	if f := h.dc.InteractionResponse(click.Token).Followups; len(f) != 0 {
		t.Fatalf("follow-ups before the vote was in: %+v", f)
	}
	close(sv.gate)
	h.waitFor("the thanks, ephemeral", 10*time.Second, func() bool {
		f := h.dc.InteractionResponse(click.Token).Followups
		return len(f) == 1 && f[0].Content == i18n.T("en", i18n.FeedbackThanks) && f[0].Flags&64 != 0
	})
	c, err := h.store.FeedbackCounts(context.Background(), "")
	if err != nil || len(c) != 1 || c[0].Up != 1 {
		t.Errorf("counts %+v, %v; want one 👍", c, err)
	}
}
