package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots"
)

func approvals(t *testing.T, s bots.Store) bots.ApprovalStore {
	t.Helper()
	as, ok := s.(bots.ApprovalStore)
	if !ok {
		t.Fatalf("%T is not a bots.ApprovalStore", s)
	}
	return as
}

// contractApprovals: a record is created once (a second put returns the
// first), read back whole, swapped only from the state named (once among
// racers), listed by answer in round order, and dropped with its answer.
func contractApprovals(t *testing.T, s bots.Store) {
	ctx := context.Background()
	as := approvals(t, s)
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	a := bots.Approval{Key: "k2", Answer: "reply:1", Round: 2, CallID: "c2", Platform: bots.Slack, Channel: "slack:C1",
		Asker: "U1", Tool: "kb__delete", Arguments: `{"page":"x"}`, State: bots.ApprovalPending, Created: now, Expires: now.Add(time.Minute),
		Loop: []bots.ModelMessage{{Role: bots.RoleAssistant, ToolCalls: []bots.ToolCall{{ID: "c2", Name: "kb__delete", Arguments: `{}`}}}}}
	if _, found, err := as.GetApproval(ctx, "k2"); err != nil || found {
		t.Fatalf("GetApproval before any = %v, %v", found, err)
	}
	stored, created, err := as.PutApproval(ctx, a)
	if err != nil || !created || stored.Key != "k2" {
		t.Fatalf("PutApproval = %+v, %v, %v", stored, created, err)
	}
	again := a
	again.Tool = "other"
	stored, created, err = as.PutApproval(ctx, again)
	if err != nil || created || stored.Tool != "kb__delete" {
		t.Fatalf("second PutApproval = %+v, %v, %v; want the first, not created", stored, created, err)
	}
	got, found, err := as.GetApproval(ctx, "k2")
	if err != nil || !found || got.Arguments != a.Arguments || !got.Expires.Equal(a.Expires) || len(got.Loop) != 1 || got.Loop[0].ToolCalls[0].ID != "c2" {
		t.Fatalf("GetApproval = %+v, %v, %v", got, found, err)
	}
	// A swap from the wrong state does nothing.
	next := got
	next.State, next.Decider = bots.ApprovalApproved, "U1"
	if ok, err := as.SwapApproval(ctx, bots.ApprovalApproved, next); err != nil || ok {
		t.Fatalf("swap from the wrong state = %v, %v", ok, err)
	}
	// Racers: one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := as.SwapApproval(ctx, bots.ApprovalPending, next)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d swaps from pending won, want 1", wins.Load())
	}
	if got, _, _ := as.GetApproval(ctx, "k2"); got.State != bots.ApprovalApproved || got.Decider != "U1" {
		t.Fatalf("after the swap %+v", got)
	}
	if ok, _ := as.SwapApproval(ctx, bots.ApprovalPending, bots.Approval{Key: "nope", Answer: "reply:1", State: bots.ApprovalDenied}); ok {
		t.Fatal("swap of an unknown key succeeded")
	}
	first := a
	first.Key, first.Round = "k1", 1
	other := a
	other.Key, other.Answer = "k3", "reply:2"
	for _, x := range []bots.Approval{first, other} {
		if _, _, err := as.PutApproval(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	list, err := as.Approvals(ctx, "reply:1")
	if err != nil || len(list) != 2 || list[0].Key != "k1" || list[1].Key != "k2" {
		t.Fatalf("Approvals = %+v, %v", list, err)
	}
	if err := as.DropApprovals(ctx, "reply:1"); err != nil {
		t.Fatal(err)
	}
	if list, err := as.Approvals(ctx, "reply:1"); err != nil || len(list) != 0 {
		t.Fatalf("after drop %+v, %v", list, err)
	}
	if _, found, _ := as.GetApproval(ctx, "k2"); found {
		t.Fatal("a dropped approval is still found")
	}
	if list, _ := as.Approvals(ctx, "reply:2"); len(list) != 1 {
		t.Fatalf("another answer's approvals were dropped: %+v", list)
	}
	if _, _, err := as.PutApproval(ctx, bots.Approval{Key: "x"}); err == nil {
		t.Fatal("an approval without answer and state was stored")
	}
}
