package bots

import (
	"context"
	"testing"
)

type controlledReply struct {
	Reply
	id string
}

func (c controlledReply) ReplyID() string { return c.id }

// plainReply is a Reply without the Controlled capability.
type plainReply struct{ Reply }

func TestStopRules(t *testing.T) {
	ctx := context.Background()
	var e Engine
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	release := e.controlled(controlledReply{id: "r1"}, Message{Key: ConversationKey{Platform: Discord}, UserID: "asker"}, cancel)

	steps := []struct {
		platform     Platform
		id, user     string
		admin        bool
		want         StopResult
		wantCanceled bool
	}{
		{Discord, "r2", "asker", false, StopOver, false}, // unknown reply
		{Slack, "r1", "asker", false, StopOver, false},   // another platform's id
		{Discord, "r1", "other", false, StopNotAllowed, false},
		{Discord, "r1", "other", true, StopDone, true},  // an admin may
		{Discord, "r1", "asker", false, StopOver, true}, // already stopped
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
	if got, _ := e.Stop(ctx, Discord, "r1", "asker", false); got != StopOver {
		t.Errorf("after the end: %v", got)
	}
	if _, err := e.Stop(ctx, Discord, "", "asker", false); err == nil {
		t.Error("an empty reply id is accepted")
	}
	// A reply without the capability is not registered.
	e.controlled(plainReply{}, Message{UserID: "asker"}, cancel)()
}
