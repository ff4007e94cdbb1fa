package engine

import (
	"context"
	"testing"

	"mistralbot/bots"
)

type controlledReply struct {
	bots.Reply
	id string
}

func (c controlledReply) ReplyID() string { return c.id }

// plainReply is a Reply without the Controlled capability.
type plainReply struct{ bots.Reply }

func TestStopRules(t *testing.T) {
	ctx := context.Background()
	var e Engine
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	release := e.controlled(controlledReply{id: "r1"}, bots.Message{Key: bots.ConversationKey{Platform: bots.Discord}, UserID: "asker"}, cancel)

	steps := []struct {
		platform     bots.Platform
		id, user     string
		admin        bool
		want         bots.StopResult
		wantCanceled bool
	}{
		{bots.Discord, "r2", "asker", false, bots.StopOver, false}, // unknown reply
		{bots.Slack, "r1", "asker", false, bots.StopOver, false},   // another platform's id
		{bots.Discord, "r1", "other", false, bots.StopNotAllowed, false},
		{bots.Discord, "r1", "other", true, bots.StopDone, true},  // an admin may
		{bots.Discord, "r1", "asker", false, bots.StopOver, true}, // already stopped
	}
	for i, s := range steps {
		got, err := e.Stop(ctx, s.platform, s.id, s.user, s.admin)
		if err != nil || got != s.want {
			t.Fatalf("step %d: Stop = %v, %v; want %v", i, got, err, s.want)
		}
		if (lctx.Err() != nil) != s.wantCanceled {
			t.Fatalf("step %d: request cancelled = %v", i, lctx.Err() != nil)
		}
	}
	if !wasStopped(lctx) {
		t.Error("the cause is not errStopped")
	}
	release()
	if got, _ := e.Stop(ctx, bots.Discord, "r1", "asker", false); got != bots.StopOver {
		t.Errorf("after the end: %v", got)
	}
	if _, err := e.Stop(ctx, bots.Discord, "", "asker", false); err == nil {
		t.Error("an empty reply id is accepted")
	}
	// A reply without the capability is not registered.
	e.controlled(plainReply{}, bots.Message{UserID: "asker"}, cancel)()
}
