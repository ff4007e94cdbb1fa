package discord

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
	"mistralbot/llm/llmtest"
)

// sideEffect is a tools.Provider with one tool that changes things.
type sideEffect struct{ runs atomic.Int32 }

func (s *sideEffect) Name() string { return "ops" }
func (s *sideEffect) Tools() []tools.Tool {
	return []tools.Tool{{Name: "ops__restart", Remote: "restart", Description: "Restart a service", Approval: tools.ApprovalAlways}}
}
func (s *sideEffect) Call(ctx context.Context, _ tools.Tool, _ json.RawMessage, _ string) (tools.Output, error) {
	s.runs.Add(1)
	return tools.Output{Text: "restarted"}, nil
}

// TestApprovalButtons: the prompt is a message with Approve and Deny
// buttons in the answer's thread; a stranger's click gets an ephemeral
// refusal, the asker's approval updates the prompt in the response
// (type 7, buttons removed), the tool runs once, the answer follows; a
// replayed click is answered ephemerally and changes nothing.
func TestApprovalButtons(t *testing.T) {
	ops := &sideEffect{}
	h := newHarness(t, harnessConfig{
		llm: llmtest.Options{Dialect: llmtest.OpenAI},
		engine: func(o *engine.Options) {
			box, err := tools.New(tools.Options{Providers: []tools.Provider{ops}})
			if err != nil {
				t.Fatal(err)
			}
			o.Tools = engine.ToolOptions{Runner: box}
		},
	})
	h.llm.Script(
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: "ops__restart", Arguments: `{"service":"web"}`}}},
		llmtest.Scenario{Times: 1, Reply: "The web service was restarted."},
	)
	q := h.mention("restart web")
	var prompt discordtest.Message
	h.waitFor("the approval prompt", 10*time.Second, func() bool {
		for _, m := range h.botMessages(q.ID) {
			if b := m.Buttons(); len(b) == 2 && strings.HasPrefix(b[0], approvePrefix) && strings.HasPrefix(b[1], denyPrefix) {
				prompt = m
				return true
			}
		}
		return false
	})
	if !strings.Contains(prompt.Content, "ops__restart") || !strings.Contains(prompt.Content, `"service":"web"`) {
		t.Fatalf("prompt %q", prompt.Content)
	}
	if id := prompt.Buttons()[0]; len(id) > 100 {
		t.Fatalf("custom_id %q over 100 characters", id)
	}
	bob := h.dc.ClickButton(prompt, "900000000000000099", "0", prompt.Buttons()[0])
	h.waitFor("the refusal", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(bob.Token)) == i18n.T("en", i18n.ApprovalNotAllowed)
	})
	if ops.runs.Load() != 0 {
		t.Fatal("a refused click ran the tool")
	}
	click := h.dc.ClickButton(prompt, h.alice.ID, "0", prompt.Buttons()[0])
	h.waitFor("the prompt updated", 5*time.Second, func() bool {
		r := h.dc.InteractionResponse(click.Token)
		return r.Type == 7 && strings.Contains(string(r.Data), `"components":[]`) && strings.Contains(string(r.Data), "ops__restart")
	})
	h.waitFor("the answer", 10*time.Second, func() bool {
		for _, m := range h.botMessages(q.ID) {
			if strings.HasPrefix(m.Content, "The web service was restarted.") {
				return true
			}
		}
		return false
	})
	again := h.dc.ClickButton(prompt, h.alice.ID, "0", prompt.Buttons()[0])
	h.waitFor("the replayed click's answer", 5*time.Second, func() bool {
		return ephemeralText(h.dc.InteractionResponse(again.Token)) == i18n.T("en", i18n.ApprovalOver)
	})
	if ops.runs.Load() != 1 {
		t.Fatalf("ran %d times", ops.runs.Load())
	}
	// The transcript (go test -v): what the fake received.
	for _, r := range h.dc.Requests() {
		t.Logf("%s %s %d %.260s", r.Method, r.Path, r.Status, r.Body)
	}
}

// slowTool is a read-only tool that answers when released.
type slowTool struct{ release chan struct{} }

func (s *slowTool) Name() string { return "kb" }
func (s *slowTool) Tools() []tools.Tool {
	return []tools.Tool{{Name: "kb__search", Remote: "search", ReadOnly: true, Approval: tools.ApprovalAuto}}
}
func (s *slowTool) Call(ctx context.Context, _ tools.Tool, _ json.RawMessage, _ string) (tools.Output, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return tools.Output{Text: "found"}, nil
}

// TestToolStatusLine: while a tool runs, the message being written shows
// a status line under the text; the final answer has none.
func TestToolStatusLine(t *testing.T) {
	kb := &slowTool{release: make(chan struct{})}
	h := newHarness(t, harnessConfig{
		llm: llmtest.Options{Dialect: llmtest.OpenAI},
		engine: func(o *engine.Options) {
			box, err := tools.New(tools.Options{Providers: []tools.Provider{kb}})
			if err != nil {
				t.Fatal(err)
			}
			o.Tools = engine.ToolOptions{Runner: box}
		},
	})
	h.llm.Script(
		llmtest.Scenario{Times: 1, Reply: "Looking it up.", ToolCalls: []llmtest.ToolCall{{Name: "kb__search", Arguments: `{}`}}},
		llmtest.Scenario{Times: 1, Reply: "Here it is."},
	)
	q := h.mention("find it")
	want := "Looking it up.\n\n-# " + i18n.T("en", i18n.ToolRunning, "kb__search")
	h.waitFor("the status line", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) == 1 && msgs[0].Content == want
	})
	close(kb.release)
	h.waitFor("the final answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) == 1 && msgs[0].Content == "Looking it up.\n\nHere it is."
	})
}
