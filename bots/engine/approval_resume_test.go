package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
	"mistralbot/bots/tools"
)

// leftByADeadProcess stores what a process killed while its answer
// waited on an approval leaves: the journal entry (queued, another
// owner long silent) and the approval in state, with the loop so far.
func leftByADeadProcess(t *testing.T, st *store.Memory, state bots.ApprovalState) (bots.JournalEntry, bots.Approval) {
	t.Helper()
	started := time.Now().Add(-time.Minute)
	en := orphan("7", "dead-replica", "deadbeef", started)
	putEntries(t, st, en)
	c := call("c1", "kb__delete", `{"page":"old-notes"}`)
	a := bots.Approval{Key: tools.CallKey(en.ID, 1, "c1"), Answer: en.ID, Round: 1, CallID: "c1", Platform: bots.Slack,
		Channel: "slack:C1", Asker: "U1", Lang: "en", Tool: "kb__delete", Arguments: c.Arguments, State: state,
		Created: started, Expires: time.Now().Add(10 * time.Minute), Prompt: "P-old", Result: "deleted before the crash",
		Loop: []bots.ModelMessage{{Role: bots.RoleAssistant, Content: "On it.", ToolCalls: []bots.ToolCall{c}}}}
	if _, _, err := st.PutApproval(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return en, a
}

// TestApprovalResumesAfterARestart: a new process recovering the answer
// continues at the approval instead of asking the model again: a
// pending one waits for the click (no second prompt) and runs the call
// once; one approved before the crash runs at once; one found running is
// never run again and the model is told; one done gives its result.
func TestApprovalResumesAfterARestart(t *testing.T) {
	for _, tc := range []struct {
		state   bots.ApprovalState
		runs    int
		toModel string
	}{
		{bots.ApprovalPending, 1, "result of kb__delete"},
		{bots.ApprovalApproved, 1, "result of kb__delete"},
		{bots.ApprovalRunning, 0, "may or may not have completed"},
		{bots.ApprovalDone, 0, "deleted before the crash"},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			kb := kbTools()
			m := newMemLLM(script{tokens: []string{"Resumed answer."}})
			st := store.NewMemory(store.MemoryOptions{})
			en, a := leftByADeadProcess(t, st, tc.state)
			h := newMemHarness(t, m, func(o *engine.Options) {
				withTools(t, kb, nil)(o)
				o.Store = st
			})
			conv := newPromptConv()
			h.conv = conv.fakeConv
			if n, err := h.eng.Recover(context.Background(), slackOnly(conv)); err != nil || n != 1 {
				t.Fatalf("Recover = %d, %v", n, err)
			}
			if tc.state == bots.ApprovalPending {
				waitFor(t, func() bool {
					res, _ := h.eng.DecideApproval(context.Background(), bots.Slack, a.Key, "U1", "Alice", false, true)
					return res.Outcome == bots.ApprovalDecided
				})
			}
			r := h.conv.wait(t, 1)[0]
			if !strings.HasPrefix(r.Final(), "Resumed answer.") {
				t.Fatalf("final %q", r.Final())
			}
			if got := kb.ran("kb__delete"); got != tc.runs {
				t.Fatalf("ran %d times, want %d", got, tc.runs)
			}
			conv.mu.Lock()
			prompts := len(conv.prompts)
			conv.mu.Unlock()
			if prompts != 0 {
				t.Fatalf("%d prompts posted again", prompts)
			}
			reqs := m.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d model requests, want 1 (the round after the tool)", len(reqs))
			}
			msgs := reqs[0].Messages
			as, res := msgs[len(msgs)-2], msgs[len(msgs)-1]
			if len(as.ToolCalls) != 1 || as.ToolCalls[0].ID != "c1" || res.ToolCallID != "c1" || !strings.Contains(res.Content, tc.toModel) {
				t.Fatalf("resumed with %+v then %+v", as, res)
			}
			if kb.ran("kb__delete") == 1 {
				kb.mu.Lock()
				key := kb.keys[0]
				kb.mu.Unlock()
				if key != a.Key {
					t.Fatalf("ran with key %q, want the approval's %q", key, a.Key)
				}
			}
			waitFor(t, func() bool { l, _ := st.Approvals(context.Background(), en.ID); return len(l) == 0 })
		})
	}
}
