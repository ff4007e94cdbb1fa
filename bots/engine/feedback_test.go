package engine_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// ratedConv opens replies that are Controlled and Rateable.
type ratedConv struct {
	*fakeConv
	offered atomic.Int32
}

type ratedReply struct {
	bots.Reply
	id string
	c  *ratedConv
}

func (r *ratedReply) ReplyID() string { return r.id }
func (r *ratedReply) OfferFeedback()  { r.c.offered.Add(1) }

func (c *ratedConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	return &ratedReply{Reply: r, id: "reply-" + to.ID, c: c}, err
}

// votesSeen records FeedbackGiven.
type votesSeen struct {
	mu    sync.Mutex
	votes []string
}

func (v *votesSeen) ReplyDone(bots.ReplyStats)     {}
func (v *votesSeen) Refused(bots.Platform, string) {}
func (v *votesSeen) FeedbackGiven(p bots.Platform, model, lang string, up bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.votes = append(v.votes, string(p)+" "+model+" "+lang+" "+map[bool]string{true: "up", false: "down"}[up])
}

func TestFeedbackIsRecordedCountedAndShownToAdmins(t *testing.T) {
	seen := &votesSeen{}
	h := newHarness(t, harnessOptions{server: llmtest.Options{Default: llmtest.Scenario{Reply: "Sure thing."}},
		engine: func(o *engine.Options) { o.Observer = seen }})
	conv := &ratedConv{fakeConv: h.conv}
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.2", "hello there, how are you?")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	waitFor(t, func() bool { return conv.offered.Load() == 1 })

	res, err := h.eng.Feedback(ctx, bots.Slack, "reply-1700.2", "U2", false)
	if err != nil || res != bots.FeedbackRecorded {
		t.Fatalf("first vote = %v, %v", res, err)
	}
	if res, _ := h.eng.Feedback(ctx, bots.Slack, "reply-1700.2", "U2", false); res != bots.FeedbackSame {
		t.Fatalf("same vote again = %v; want FeedbackSame", res)
	}
	for _, c := range []struct {
		p  bots.Platform
		id string
	}{{bots.Discord, "reply-1700.2"}, {bots.Slack, "reply-unknown"}} {
		if res, _ := h.eng.Feedback(ctx, c.p, c.id, "U2", true); res != bots.FeedbackUnknown {
			t.Errorf("vote on %s %s = %v; want FeedbackUnknown", c.p, c.id, res)
		}
	}
	seen.mu.Lock()
	votes := append([]string(nil), seen.votes...)
	seen.mu.Unlock()
	if len(votes) != 1 || !strings.HasPrefix(votes[0], "slack ") || !strings.HasSuffix(votes[0], " down") {
		t.Errorf("observed votes %q; want one slack down", votes)
	}

	counts, err := h.store.FeedbackCounts(ctx, "slack:C1")
	if err != nil || len(counts) != 1 || counts[0].Down != 1 {
		t.Fatalf("counts = %+v, %v", counts, err)
	}
	line := i18n.T("en", i18n.FeedbackLine, counts[0].Model, counts[0].Language, int64(0), int64(1))
	admin := h.eng.Command(ctx, h.conv, bots.Command{Name: "usage", Msg: cmdMsg(true)}).Text
	if !strings.HasSuffix(admin, "\n"+line) {
		t.Errorf("an admin's /usage does not end with the votes %q:\n%s", line, admin)
	}
	if user := h.eng.Command(ctx, h.conv, bots.Command{Name: "usage", Msg: cmdMsg(false)}).Text; strings.Contains(user, "👎") {
		t.Errorf("a user's /usage shows the votes:\n%s", user)
	}
}
