package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/tools"
	"mistralbot/llm/llmtest"
)

// sideEffect is a tools.Provider with one tool that changes things.
type sideEffect struct{ runs atomic.Int32 }

func (s *sideEffect) Name() string { return "ops" }
func (s *sideEffect) Tools() []tools.Tool {
	return []tools.Tool{{Name: "ops__restart", Remote: "restart", Description: "Restart a service", Approval: tools.ApprovalAlways}}
}
func (s *sideEffect) Call(context.Context, tools.Tool, json.RawMessage, string) (tools.Output, error) {
	s.runs.Add(1)
	return tools.Output{Text: "restarted"}, nil
}

// TestApprovalButtons: a call needing approval posts a prompt with
// Approve and Deny in the thread; someone else's click is refused
// ephemerally, the asker's approves (the prompt shows who, without
// buttons), the tool runs once, the answer follows, and a replayed click
// only gets an ephemeral "already decided".
func TestApprovalButtons(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		ops := &sideEffect{}
		h := newHarness(t, harnessOptions{mode: mode,
			llm: llmtest.Options{Dialect: llmtest.OpenAI},
			engine: func(o *engine.Options) {
				box, err := tools.New(tools.Options{Providers: []tools.Provider{ops}})
				if err != nil {
					t.Fatal(err)
				}
				o.Tools = engine.ToolOptions{Runner: box}
			}})
		h.llm.Script(
			llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: "ops__restart", Arguments: `{"service":"web"}`}}},
			llmtest.Scenario{Times: 1, Reply: "The web service was restarted."},
		)
		q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> restart web")
		var prompt fakeslack.Message
		h.waitFor("the approval prompt", func() bool {
			for _, m := range h.replies("C0GENERAL", q.TS) {
				if b := m.Buttons(); len(b) == 2 && b[0].ActionID == ApproveActionID && b[1].ActionID == DenyActionID {
					prompt = m
					return true
				}
			}
			return false
		})
		if !strings.Contains(prompt.Text, "ops__restart") || !strings.Contains(prompt.Text, `"service":"web"`) || !strings.Contains(prompt.Text, "<@U0BOB>") {
			t.Fatalf("prompt %q", prompt.Text)
		}
		h.interaction(h.fake.BlockAction(prompt, "U0ALICE", ApproveActionID))
		h.waitFor("the refusal to Alice", func() bool {
			return h.ephemeralOf(i18n.ApprovalNotAllowed) == 1
		})
		if ops.runs.Load() != 0 {
			t.Fatal("a refused click ran the tool")
		}
		h.interaction(h.fake.BlockAction(prompt, "U0BOB", ApproveActionID))
		h.waitFor("the answer", func() bool {
			for _, m := range h.replies("C0GENERAL", q.TS) {
				if strings.HasPrefix(m.Text, "The web service was restarted.") {
					return true
				}
			}
			return false
		})
		h.waitFor("the prompt decided", func() bool {
			for _, m := range h.replies("C0GENERAL", q.TS) {
				if m.TS == prompt.TS {
					return len(m.Buttons()) == 0 && strings.Contains(m.Text, "ops__restart")
				}
			}
			return false
		})
		h.interaction(h.fake.BlockAction(prompt, "U0BOB", ApproveActionID))
		h.waitFor("the replayed click answered", func() bool { return h.ephemeralOf(i18n.ApprovalOver) == 1 })
		if ops.runs.Load() != 1 {
			t.Fatalf("ran %d times", ops.runs.Load())
		}
		// The thread's status said what the tools did.
		var seen []string
		for _, st := range h.fake.Statuses() {
			seen = append(seen, st.Text)
		}
		joined := strings.Join(seen, "|")
		if !strings.Contains(joined, "ops__restart") {
			t.Fatalf("statuses %q name no tool", seen)
		}
		// The transcript (go test -v): what the fake received.
		for _, c := range h.fake.Calls() {
			p := c.Params
			t.Logf("%s %s ts=%s thread=%s status=%q text=%.100q blocks=%.160s", c.Method, p.Get("channel"), p.Get("ts"), p.Get("thread_ts"),
				p.Get("status"), p.Get("text"), p.Get("blocks"))
		}
	})
}

// ephemeralOf counts the ephemeral answers with key's text in any
// catalog language.
func (h *harness) ephemeralOf(key i18n.Key) int {
	n := 0
	for _, lang := range i18n.Supported() {
		n += h.responseCount(Mrkdwn(i18n.T(lang, key)))
	}
	return n
}
