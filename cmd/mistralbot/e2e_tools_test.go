package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/tools/mcp/mcptest"
	"mistralbot/internal/redistest"
	"mistralbot/llm/llmtest"
)

// The tool loop through the real binary: the test MCP server (mcptest,
// streamable HTTP on loopback) offers "create", a side-effecting tool
// that needs approval; the model (llmtest) calls it, then answers. The
// person clicks on the prompt in the fake Slack (block_actions to
// /slack/interactions).

// toolWorld is the e2e world with the MCP server.
type toolWorld struct {
	*e2eWorld
	mcp *mcptest.Server
	url string
}

func newToolWorld(t *testing.T) *toolWorld {
	t.Helper()
	// The question: the model calls create, then answers once it has the
	// result.
	return newToolWorldScript(t,
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: "ops__create", Arguments: `{"title":"ticket"}`}}},
		llmtest.Scenario{Times: 1, Reply: "Handled the ticket."},
	)
}

// newToolWorldScript is newToolWorld with the model's answers scripted.
func newToolWorldScript(t *testing.T, scs ...llmtest.Scenario) *toolWorld {
	t.Helper()
	w := &toolWorld{e2eWorld: newWorld(t, llmtest.Options{}), mcp: mcptest.New(mcptest.Options{})}
	srv := httptest.NewServer(w.mcp.Handler())
	t.Cleanup(func() { w.mcp.CloseSessions(); srv.Close() })
	w.url = srv.URL
	w.llm.Script(scs...)
	return w
}

// config is the file the processes read: tools on, the MCP server.
func (w *toolWorld) config() []byte {
	return fmt.Appendf(nil, "tools:\n  enabled: true\n  mcp_servers:\n    - name: ops\n      url: %s\n", w.url)
}

// ask mentions the bot and waits for the approval prompt.
func (w *toolWorld) ask(p *proc, event string) (fakeslack.Message, fakeslack.Message) {
	w.t.Helper()
	m, appMention, _ := w.mention("C0TOOLS", "U0BOB", "open a ticket", event)
	w.deliver(p, appMention, 0)
	return m, w.prompt(m)
}

// prompt waits for the prompt with its two buttons in m's thread.
func (w *toolWorld) prompt(m fakeslack.Message) fakeslack.Message {
	w.t.Helper()
	var prompt fakeslack.Message
	waitUntil(w.t, 20*time.Second, "the approval prompt", func() bool {
		for _, r := range w.botReplies("C0TOOLS", m.TS) {
			if b := r.Buttons(); len(b) == 2 && b[0].ActionID == slack.ApproveActionID {
				prompt = r
				return true
			}
		}
		return false
	})
	return prompt
}

// click delivers user's click on the prompt's button to p.
func (w *toolWorld) click(p *proc, prompt fakeslack.Message, user, action string) {
	w.t.Helper()
	if err := w.send(p, prompt, user, action); err != nil {
		w.t.Fatal(err)
	}
}

// send is click for any goroutine: it returns what went wrong.
func (w *toolWorld) send(p *proc, prompt fakeslack.Message, user, action string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, body, err := w.slack.Deliver(ctx, w.client, p.url()+"/slack/interactions",
		fakeslack.Delivery{Body: fakeslack.InteractionForm(w.slack.BlockAction(prompt, user, action)), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("click on %s: %d %q %v", p.name, status, body, err)
	}
	return nil
}

// answer waits for the bot's answer in m's thread starting with want
// and, when notes are given, holding one of them (the final edit).
func (w *toolWorld) answer(m fakeslack.Message, want string, notes ...string) fakeslack.Message {
	w.t.Helper()
	var got fakeslack.Message
	waitUntil(w.t, 30*time.Second, "the answer "+want, func() bool {
		for _, r := range w.botReplies("C0TOOLS", m.TS) {
			if strings.HasPrefix(r.Text, replyText(want)) && (len(notes) == 0 || containsAny(r.Text, notes)) {
				got = r
				return true
			}
		}
		return false
	})
	return got
}

// memoryStore keeps each process's store its own.
var memoryStore = map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}

func TestE2EToolApproveDenyExpire(t *testing.T) {
	t.Run("approve", func(t *testing.T) {
		w := newToolWorld(t)
		p := startProcConfig(t, "bot", w.env(memoryStore), 0, w.config())
		m, prompt := w.ask(p, "EvTOOL1")
		if !strings.Contains(prompt.Text, "ops__create") || !strings.Contains(prompt.Text, "ticket") {
			t.Fatalf("prompt %q", prompt.Text)
		}
		w.click(p, prompt, "U0BOB", slack.ApproveActionID)
		w.answer(m, "Handled the ticket.")
		w.click(p, prompt, "U0BOB", slack.ApproveActionID) // replayed
		if n := w.mcp.Creates(); n != 1 {
			t.Fatalf("create ran %d times, want 1", n)
		}
		reqs := w.llm.ChatRequests()
		last := reqs[len(reqs)-1].Messages
		if res := last[len(last)-1]; res.Role != "tool" || !strings.Contains(res.Content, "created #1: ticket") {
			t.Fatalf("the model got %+v", res)
		}
	})
	t.Run("deny", func(t *testing.T) {
		w := newToolWorld(t)
		p := startProcConfig(t, "bot", w.env(memoryStore), 0, w.config())
		m, prompt := w.ask(p, "EvTOOL2")
		w.click(p, prompt, "U0BOB", slack.DenyActionID)
		w.answer(m, "Handled the ticket.", noticeTexts(i18n.ToolDenied, "ops__create")...)
		if n := w.mcp.Creates(); n != 0 {
			t.Fatalf("a denied call ran %d times", n)
		}
	})
	t.Run("expire", func(t *testing.T) {
		w := newToolWorld(t)
		env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory", "MISTRALBOT_TOOLS_APPROVAL_TIMEOUT": "2s"})
		p := startProcConfig(t, "bot", env, 0, w.config())
		m, prompt := w.ask(p, "EvTOOL3")
		w.answer(m, "Handled the ticket.", noticeTexts(i18n.ToolExpired, "ops__create")...)
		waitUntil(t, 10*time.Second, "the prompt to say it expired", func() bool {
			for _, r := range w.botReplies("C0TOOLS", m.TS) {
				if r.TS == prompt.TS {
					return len(r.Buttons()) == 0 && containsAny(r.Text, noticeTexts(i18n.ApprovalExpired, "ops__create"))
				}
			}
			return false
		})
		if n := w.mcp.Creates(); n != 0 {
			t.Fatalf("an expired call ran %d times", n)
		}
	})
}

// TestE2EToolApproveAfterSIGKILL: the process waiting on an approval is
// killed; the restarted process (same store, same replica) resumes the
// answer at the approval: the click on the prompt the dead process posted
// runs the tool once, and no second prompt is posted.
func TestE2EToolApproveAfterSIGKILL(t *testing.T) {
	w := newToolWorld(t)
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "bolt", "MISTRALBOT_STORE_PATH": filepath.Join(t.TempDir(), "bot.db")})
	maps.Copy(env, replicaEnv("tools-crash"))
	first := startProcConfig(t, "first", env, 0, w.config())
	m, prompt := w.ask(first, "EvTOOL4")
	// Killed once the approval (with its prompt) is in the store.
	waitUntil(t, 10*time.Second, "the approval to be recorded", func() bool {
		return first.logField("tool call waits for approval", "prompt") == prompt.TS
	})
	first.signal(syscall.SIGKILL)
	first.wait(10 * time.Second)

	second := startProcConfig(t, "second", env, 0, w.config())
	waitUntil(t, 20*time.Second, "the restarted process to resume the answer", func() bool {
		return strings.Contains(second.stderr.String(), "resuming a recovered answer at its tool approval")
	})
	w.click(second, prompt, "U0BOB", slack.ApproveActionID)
	w.answer(m, "Handled the ticket.")
	if n := w.mcp.Creates(); n != 1 {
		t.Fatalf("create ran %d times, want 1", n)
	}
	prompts := 0
	for _, r := range w.botReplies("C0TOOLS", m.TS) {
		if strings.Contains(r.Text, "ops__create") && strings.Contains(r.Text, "ticket") && r.TS != prompt.TS && len(r.Buttons()) > 0 {
			prompts++
		}
	}
	if prompts != 0 {
		t.Fatalf("%d more prompts posted after the restart", prompts)
	}
}

// TestE2EToolApprovalAcrossTwoReplicas: two replicas share Redis; the
// answer waits on replica A, the click reaches both at once (a load
// balancer may send Slack's delivery and its retry to different
// replicas): one decision, and the tool runs once, on A.
func TestE2EToolApprovalAcrossTwoReplicas(t *testing.T) {
	w := newToolWorld(t)
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "redis", "MISTRALBOT_STORE_REDIS_URL": redistest.URL(t)})
	envA, envB := maps.Clone(env), maps.Clone(env)
	maps.Copy(envA, replicaEnv("tools-a"))
	maps.Copy(envB, replicaEnv("tools-b"))
	a := startProcConfig(t, "replica-a", envA, 0, w.config())
	b := startProcConfig(t, "replica-b", envB, 0, w.config())
	m, prompt := w.ask(a, "EvTOOL5")
	other := make(chan error, 1)
	go func() { other <- w.send(b, prompt, "U0BOB", slack.ApproveActionID) }()
	w.click(a, prompt, "U0BOB", slack.ApproveActionID)
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	w.answer(m, "Handled the ticket.")
	if n := w.mcp.Creates(); n != 1 {
		t.Fatalf("create ran %d times, want 1", n)
	}
	decided := 0
	for _, p := range []*proc{a, b} {
		decided += strings.Count(p.stderr.String(), `"msg":"tool call decided"`)
	}
	if decided != 1 {
		t.Fatalf("%d decisions logged across the replicas, want 1", decided)
	}
}

// TestE2EToolLimits: the loop's bounds through the binary, tools without
// approval (approval: never): a tool that hangs is cut at tools.timeout
// and the model answers without it; a 10 MB result reaches the model cut
// to tools.max_result_bytes; a model that keeps calling gets
// tools.max_rounds rounds, then a request that forbids calls.
func TestE2EToolLimits(t *testing.T) {
	never := func(w *toolWorld, timeout string) []byte {
		return fmt.Appendf(nil, "tools:\n  enabled: true\n  timeout: %s\n  budget: 30s\n  max_rounds: 2\n  mcp_servers:\n    - name: ops\n      url: %s\n      approval: never\n", timeout, w.url)
	}
	// world scripts rounds calls of tool, then the answer.
	world := func(t *testing.T, tool, args string, rounds int) *toolWorld {
		var scs []llmtest.Scenario
		for range rounds {
			scs = append(scs, llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: tool, Arguments: args}}})
		}
		return newToolWorldScript(t, append(scs, llmtest.Scenario{Times: 1, Reply: "Here is what I have."})...)
	}
	lastToolResult := func(w *toolWorld) llmtest.Message {
		reqs := w.llm.ChatRequests()
		msgs := reqs[len(reqs)-1].Messages
		return msgs[len(msgs)-1]
	}
	t.Run("hang", func(t *testing.T) {
		w := world(t, "ops__hang", `{}`, 1)
		p := startProcConfig(t, "bot", w.env(memoryStore), 0, never(w, "1s"))
		m, appMention, _ := w.mention("C0TOOLS", "U0BOB", "wait for it", "EvTOOL6")
		start := time.Now()
		w.deliver(p, appMention, 0)
		w.answer(m, "Here is what I have.", noticeTexts(i18n.ToolFailed, "ops__hang")...)
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("answered after %s", took)
		}
		if res := lastToolResult(w); res.Role != "tool" || !strings.Contains(res.Content, "did not answer within 1s") {
			t.Fatalf("the model got %+v", res)
		}
	})
	t.Run("10MB", func(t *testing.T) {
		w := world(t, "ops__huge", `{}`, 1)
		p := startProcConfig(t, "bot", w.env(memoryStore), 0, never(w, "20s"))
		m, appMention, _ := w.mention("C0TOOLS", "U0BOB", "the big one", "EvTOOL7")
		w.deliver(p, appMention, 0)
		w.answer(m, "Here is what I have.")
		res := lastToolResult(w)
		if res.Role != "tool" || len(res.Content) > 16<<10 || !strings.Contains(res.Content, fmt.Sprintf("the tool returned %d bytes", mcptest.HugeBytes)) {
			t.Fatalf("the model got %d bytes ending %q", len(res.Content), res.Content[max(0, len(res.Content)-120):])
		}
	})
	t.Run("forever", func(t *testing.T) {
		w := world(t, "ops__create", `{"title":"t"}`, 3)
		p := startProcConfig(t, "bot", w.env(memoryStore), 0, never(w, "5s"))
		m, appMention, _ := w.mention("C0TOOLS", "U0BOB", "loop", "EvTOOL8")
		w.deliver(p, appMention, 0)
		w.answer(m, "Here is what I have.", noticeTexts(i18n.ToolLimit)...)
		if n := w.mcp.Creates(); n != 2 {
			t.Fatalf("create ran %d times, want tools.max_rounds = 2", n)
		}
		reqs := w.llm.ChatRequests()
		if len(reqs) != 4 || reqs[3].ToolChoice != `"none"` {
			t.Fatalf("%d requests, the last's tool_choice %s", len(reqs), reqs[len(reqs)-1].ToolChoice)
		}
	})
}
