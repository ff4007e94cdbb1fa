package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// promptConv is the fake adapter whose replies can ask for approval.
type promptConv struct {
	*fakeConv
	mu      sync.Mutex
	prompts []bots.ApprovalPrompt
	closed  map[string]string // prompt id -> closing text
	status  []string
	asked   chan bots.ApprovalPrompt
}

func newPromptConv() *promptConv {
	return &promptConv{fakeConv: newFakeConv(), closed: map[string]string{}, asked: make(chan bots.ApprovalPrompt, 8)}
}

func (c *promptConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	if err != nil {
		return nil, err
	}
	return &promptReply{fakeReply: r.(*fakeReply), c: c}, nil
}

type promptReply struct {
	*fakeReply
	c *promptConv
}

var (
	_ bots.ApprovalPrompter = (*promptReply)(nil)
	_ bots.ToolProgress     = (*promptReply)(nil)
	_ bots.Controlled       = (*promptReply)(nil)
)

// ReplyID makes the reply stoppable (Engine.Stop).
func (r *promptReply) ReplyID() string { return "reply-" + r.to.ID }

func (r *promptReply) AskApproval(_ context.Context, p bots.ApprovalPrompt) (string, error) {
	r.c.mu.Lock()
	r.c.prompts = append(r.c.prompts, p)
	id := "P" + string(rune('0'+len(r.c.prompts)))
	r.c.mu.Unlock()
	r.c.asked <- p
	return id, nil
}

func (r *promptReply) CloseApproval(_ context.Context, id, text string) error {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.closed[id] = text
	return nil
}

func (r *promptReply) ToolStatus(_ context.Context, s string) error {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	r.c.status = append(r.c.status, s)
	return nil
}

func (c *promptConv) prompt(t *testing.T) bots.ApprovalPrompt {
	t.Helper()
	select {
	case p := <-c.asked:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no approval prompt")
	}
	return bots.ApprovalPrompt{}
}

// approvalHarness is an Engine on memLLM whose first round calls the
// side-effecting kb__delete, over a memory store.
func approvalHarness(t *testing.T, tune func(*engine.ToolOptions)) (*memHarness, *promptConv, *fakeTools, *store.Memory) {
	kb := kbTools()
	m := newMemLLM(script{calls: []bots.ToolCall{call("c1", "kb__delete", `{"page":"old-notes","token":"as the model wrote it"}`)}},
		script{tokens: []string{"Done as you decided."}})
	st := store.NewMemory(store.MemoryOptions{})
	h := newMemHarness(t, m, func(o *engine.Options) {
		withTools(t, kb, tune)(o)
		o.Store = st
		o.Admins = []string{"slack:UADMIN"}
	})
	conv := newPromptConv()
	h.conv = conv.fakeConv
	if _, err := h.eng.Dispatch(context.Background(), conv, mention("q1", "delete the old notes")); err != nil {
		t.Fatal(err)
	}
	return h, conv, kb, st
}

// TestApprovalApproveRunsOnce: the prompt shows the tool and the
// arguments the model wrote; a stranger's click is refused, the asker's
// approves, a replayed click acts no more; the tool runs once, the model
// gets its result, and the approval leaves the store with the answer.
func TestApprovalApproveRunsOnce(t *testing.T) {
	h, conv, kb, st := approvalHarness(t, nil)
	p := conv.prompt(t)
	if !strings.Contains(p.Text, "kb__delete") || !strings.Contains(p.Text, `"page":"old-notes"`) || p.Asker != "U1" || p.Approve == "" || p.Deny == "" {
		t.Fatalf("prompt %+v", p)
	}
	ctx := context.Background()
	res, err := h.eng.DecideApproval(ctx, bots.Slack, p.Key, "U2", "Bob", false, true)
	if err != nil || res.Outcome != bots.ApprovalNotAllowed || res.Text != i18n.T("en", i18n.ApprovalNotAllowed) {
		t.Fatalf("stranger's click = %+v, %v", res, err)
	}
	if res, _ := h.eng.DecideApproval(ctx, bots.Discord, p.Key, "U1", "Alice", false, true); res.Outcome != bots.ApprovalOver {
		t.Fatalf("click from another platform = %+v", res)
	}
	res, err = h.eng.DecideApproval(ctx, bots.Slack, p.Key, "U1", "Alice", false, true)
	if err != nil || res.Outcome != bots.ApprovalDecided || res.Text != i18n.T("en", i18n.ApprovalApproved, "kb__delete", "Alice") {
		t.Fatalf("asker's click = %+v, %v", res, err)
	}
	if res, _ := h.eng.DecideApproval(ctx, bots.Slack, p.Key, "U1", "Alice", false, true); res.Outcome != bots.ApprovalOver {
		t.Fatalf("replayed click = %+v", res)
	}
	r := h.conv.wait(t, 1)[0]
	if !strings.HasPrefix(r.Final(), "Done as you decided.") {
		t.Fatalf("final %q", r.Final())
	}
	if kb.ran("kb__delete") != 1 {
		t.Fatalf("ran %d times", kb.ran("kb__delete"))
	}
	msgs := h.llm.requests()[1].Messages
	if last := msgs[len(msgs)-1]; last.Role != bots.RoleTool || !strings.Contains(last.Content, "result of kb__delete") {
		t.Fatalf("the model got %+v", last)
	}
	h.outcome(t)
	if list, _ := st.Approvals(ctx, ""); len(list) != 0 {
		t.Fatalf("approvals left %+v", list)
	}
	conv.mu.Lock()
	defer conv.mu.Unlock()
	// Waiting (unless the click came first), running, then cleared.
	n := len(conv.status)
	if n < 2 || conv.status[n-2] != i18n.T("en", i18n.ToolRunning, "kb__delete") || conv.status[n-1] != "" {
		t.Fatalf("status lines %q", conv.status)
	}
}

// TestApprovalDenyAndAdmin: an admin (bot.admins) may decide for the
// asker; a denied call never runs, the model is told, the answer says so.
func TestApprovalDenyAndAdmin(t *testing.T) {
	h, conv, kb, _ := approvalHarness(t, nil)
	p := conv.prompt(t)
	res, err := h.eng.DecideApproval(context.Background(), bots.Slack, p.Key, "UADMIN", "Root", false, false)
	if err != nil || res.Outcome != bots.ApprovalDecided || res.Text != i18n.T("en", i18n.ApprovalDenied, "kb__delete", "Root") {
		t.Fatalf("admin's deny = %+v, %v", res, err)
	}
	r := h.conv.wait(t, 1)[0]
	if kb.ran("kb__delete") != 0 {
		t.Fatal("a denied call ran")
	}
	if !strings.Contains(r.Final(), i18n.T("en", i18n.ToolDenied, "kb__delete")) {
		t.Fatalf("final %q", r.Final())
	}
	msgs := h.llm.requests()[1].Messages
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Content, "did not allow") {
		t.Fatalf("the model got %q", last.Content)
	}
}

// TestApprovalExpires: nobody decides; after ApprovalTimeout the prompt
// says it expired, the call is not run, and a late click is over.
func TestApprovalExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, conv, kb, _ := approvalHarness(t, func(o *engine.ToolOptions) { o.ApprovalTimeout = 10 * time.Minute })
		p := conv.prompt(t)
		start := time.Now()
		r := <-h.conv.finished // in the bubble: the clock jumps to the expiry
		if took := time.Since(start); took < 10*time.Minute || took > 10*time.Minute+5*time.Second {
			t.Fatalf("expired after %s", took)
		}
		if kb.ran("kb__delete") != 0 {
			t.Fatal("an expired call ran")
		}
		if !strings.Contains(r.Final(), i18n.T("en", i18n.ToolExpired, "kb__delete")) {
			t.Fatalf("final %q", r.Final())
		}
		conv.mu.Lock()
		closed := conv.closed["P1"]
		conv.mu.Unlock()
		if closed != i18n.T("en", i18n.ApprovalExpired, "kb__delete") {
			t.Fatalf("prompt closed with %q", closed)
		}
		if res, _ := h.eng.DecideApproval(context.Background(), bots.Slack, p.Key, "U1", "Alice", false, true); res.Outcome != bots.ApprovalOver {
			t.Fatalf("late click = %+v", res)
		}
	})
}

// TestApprovalWithdrawnWhenStopped: the asker stops the answer while a
// call waits for approval: the call never runs, the prompt says it was
// withdrawn, and a later click is over.
func TestApprovalWithdrawnWhenStopped(t *testing.T) {
	h, conv, kb, _ := approvalHarness(t, nil)
	p := conv.prompt(t)
	ctx := context.Background()
	if res, err := h.eng.Stop(ctx, bots.Slack, "reply-q1", "U1", false); err != nil || res != bots.StopDone {
		t.Fatalf("Stop = %v, %v", res, err)
	}
	r := h.conv.wait(t, 1)[0]
	if !strings.Contains(r.Final(), i18n.T("en", i18n.Stopped)) {
		t.Fatalf("final %q", r.Final())
	}
	conv.mu.Lock()
	closed := conv.closed["P1"]
	conv.mu.Unlock()
	if closed != i18n.T("en", i18n.ApprovalWithdrawn, "kb__delete") {
		t.Fatalf("prompt closed with %q", closed)
	}
	if res, _ := h.eng.DecideApproval(ctx, bots.Slack, p.Key, "U1", "Alice", false, true); res.Outcome != bots.ApprovalOver {
		t.Fatalf("click after the stop = %+v", res)
	}
	if kb.ran("kb__delete") != 0 {
		t.Fatal("ran after the stop")
	}
}
