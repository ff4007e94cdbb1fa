package store

import (
	"context"
	"reflect"
	"testing"

	"mistralbot/bots"
)

// contractReasons: a 👎 reason is kept with the vote, a form submitted
// twice records once, and the counts do not move.
func contractReasons(t *testing.T, fs bots.FeedbackStore) {
	t.Helper()
	ctx := context.Background()
	before, err := fs.FeedbackCounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	down := bots.Feedback{Reply: "r9", User: "slack:U9", Channel: "slack:C9", Model: "m", Language: "it"}
	if _, err := fs.Vote(ctx, down); err != nil {
		t.Fatal(err)
	}
	reasoned := down
	reasoned.Reason = "Troppo lunga."
	if changed, err := fs.Vote(ctx, reasoned); err != nil || !changed {
		t.Fatalf("the reason = %v, %v; want changed", changed, err)
	}
	if changed, err := fs.Vote(ctx, reasoned); err != nil || changed {
		t.Fatalf("the same reason again = %v, %v; want unchanged", changed, err)
	}
	got, err := fs.FeedbackReasons(ctx, "slack:C9")
	if err != nil || !reflect.DeepEqual(got, []bots.Feedback{reasoned}) {
		t.Fatalf("FeedbackReasons = %+v, %v; want %+v", got, err, reasoned)
	}
	if all, err := fs.FeedbackReasons(ctx, ""); err != nil || len(all) != 1 {
		t.Errorf("FeedbackReasons(all) = %+v, %v; want the one reason", all, err)
	}
	if none, err := fs.FeedbackReasons(ctx, "slack:C1"); err != nil || len(none) != 0 {
		t.Errorf("FeedbackReasons of a channel without reasons = %+v, %v", none, err)
	}
	after, err := fs.FeedbackCounts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	downs := func(cs []bots.FeedbackCount) (n int64) {
		for _, c := range cs {
			n += c.Down
		}
		return n
	}
	if downs(after) != downs(before)+1 {
		t.Errorf("👎 counts %d -> %d; a vote with its reason counts once", downs(before), downs(after))
	}
}
