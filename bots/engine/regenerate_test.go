package engine_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"mistralbot/bots"
	"mistralbot/llm/llmtest"
)

// regenConv opens replies that are Controlled, Rateable, Regenerable and
// know their message ids; it reopens them (a Reopener).
type regenConv struct {
	*fakeConv
	offered atomic.Int32
	n       atomic.Int32
	mu      sync.Mutex
	reopens [][]string
}

type regenReply struct {
	bots.Reply
	id  string
	ids []string
	c   *regenConv
}

func (r *regenReply) ReplyID() string  { return r.id }
func (r *regenReply) OfferFeedback()   {}
func (r *regenReply) OfferRegenerate() { r.c.offered.Add(1) }
func (r *regenReply) IDs() []string    { return r.ids }
func (c *regenConv) newReply(r bots.Reply) *regenReply {
	n := c.n.Add(1)
	return &regenReply{Reply: r, id: "reply-" + string(rune('0'+n)), ids: []string{"m1", "m2"}, c: c}
}

func (c *regenConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	return c.newReply(r), err
}

func (c *regenConv) Reopen(ctx context.Context, key bots.ConversationKey, to bots.Message, ids []string) (bots.Reply, error) {
	c.mu.Lock()
	c.reopens = append(c.reopens, slices.Clone(ids))
	c.mu.Unlock()
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	return c.newReply(r), err
}

func TestRegenerateRules(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Default: llmtest.Scenario{Reply: "An answer."}}})
	conv := &regenConv{fakeConv: h.conv}
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.2", "hello there, how are you?")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	waitFor(t, func() bool { return conv.offered.Load() == 1 })

	for _, c := range []struct {
		p    bots.Platform
		id   string
		user string
		want bots.RegenerateResult
	}{
		{bots.Discord, "reply-1", "U1", bots.RegenerateGone}, // another platform's
		{bots.Slack, "reply-9", "U1", bots.RegenerateGone},   // unknown here
		{bots.Slack, "reply-1", "U9", bots.RegenerateNotAllowed},
	} {
		if res, err := h.eng.Regenerate(ctx, c.p, c.id, c.user, false, nil); err != nil || res != c.want {
			t.Errorf("Regenerate(%s, %s, %s) = %v, %v; want %v", c.p, c.id, c.user, res, err, c.want)
		}
	}
	if _, err := h.eng.Regenerate(ctx, bots.Slack, "", "U1", false, nil); err == nil {
		t.Error("a regenerate without a reply id is accepted")
	}
	// An admin may; once.
	if res, err := h.eng.Regenerate(ctx, bots.Slack, "reply-1", "U9", true, nil); err != nil || res != bots.RegenerateQueued {
		t.Fatalf("admin regenerate = %v, %v", res, err)
	}
	if res, _ := h.eng.Regenerate(ctx, bots.Slack, "reply-1", "U1", false, nil); res != bots.RegenerateGone {
		t.Errorf("second regenerate = %v; want RegenerateGone", res)
	}
	if r := h.conv.wait(t, 1); r[0].Final() != "An answer." {
		t.Errorf("regenerated answer %q", r[0].Final())
	}
	conv.mu.Lock()
	reopens := slices.Clone(conv.reopens)
	conv.mu.Unlock()
	if len(reopens) != 1 || !slices.Equal(reopens[0], []string{"m1", "m2"}) {
		t.Errorf("reopened %v; want the old answer's messages once", reopens)
	}
	if n := len(h.srv.ChatRequests()); n != 2 {
		t.Errorf("%d model requests, want 2", n)
	}
	// The regenerated answer can be regenerated in turn.
	waitFor(t, func() bool { return conv.offered.Load() == 2 })
	if res, err := h.eng.Regenerate(ctx, bots.Slack, "reply-2", "U1", false, nil); err != nil || res != bots.RegenerateQueued {
		t.Errorf("regenerating the new answer = %v, %v", res, err)
	}
}
