package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
)

// deliveryErr is a classified platform error, as adapters return them.
type deliveryErr struct{ class bots.FailureClass }

func (e deliveryErr) Error() string             { return "platform: " + e.class.String() }
func (e deliveryErr) Class() bots.FailureClass  { return e.class }
func (e deliveryErr) RetryAfter() time.Duration { return 0 }

// failingConv is a fakeConv whose OpenReply fails with openErr, or whose
// replies fail Finish with finishErr (after recording the final text).
type failingConv struct {
	*fakeConv
	openErr, finishErr error
}

func (c failingConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	if c.openErr != nil {
		return nil, c.openErr
	}
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	if err != nil {
		return nil, err
	}
	return failingReply{fakeReply: r.(*fakeReply), err: c.finishErr}, nil
}

type failingReply struct {
	*fakeReply
	err error
}

func (r failingReply) Finish(ctx context.Context, text string) error {
	_ = r.fakeReply.Finish(ctx, text)
	return r.err
}

// A reply whose final text failed for good, or whose outcome is unclear,
// leaves the journal at once: the adapter has told the asker, and a
// restart would only ask the model again and fail again. Only a transient
// failure stays for another attempt. The same holds for a reply that
// could not be opened.
func TestJournalKeepsOnlyTransientlyUndeliveredReplies(t *testing.T) {
	for i, tc := range []struct {
		name      string
		open, fin error
		keep      bool
	}{
		{name: "finish permanent", fin: deliveryErr{bots.Permanent}},
		{name: "finish uncertain", fin: deliveryErr{bots.Uncertain}},
		{name: "finish unclassified", fin: fmt.Errorf("slack: not_in_channel")},
		{name: "finish transient", fin: deliveryErr{bots.Transient}, keep: true},
		{name: "open permanent", open: deliveryErr{bots.Permanent}},
		{name: "open transient", open: deliveryErr{bots.Transient}, keep: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.Observer = rec }})
			conv := failingConv{fakeConv: h.conv, openErr: tc.open, finishErr: tc.fin}
			m := mention(fmt.Sprintf("1700.%d", i+1), "hello")
			if d, err := h.eng.Dispatch(context.Background(), conv, m); err != nil || d != bots.Queued {
				t.Fatalf("Dispatch = %v, %v", d, err)
			}
			waitFor(t, func() bool { r, _ := rec.snapshot(); return len(r) == 1 })
			left := replies(t, h.store)
			if tc.keep && len(left) != 1 {
				t.Fatalf("journal = %+v, want the reply kept for another attempt", left)
			}
			if !tc.keep && len(left) != 0 {
				t.Fatalf("journal = %+v, want it empty: the failure is not transient", left)
			}
		})
	}
}
