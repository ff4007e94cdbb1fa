package console_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
	"mistralbot/llm/llmtest"
)

type opsTool struct{ runs atomic.Int32 }

func (o *opsTool) Name() string { return "ops" }
func (o *opsTool) Tools() []tools.Tool {
	return []tools.Tool{{Name: "ops__restart", Remote: "restart", Approval: tools.ApprovalAlways}}
}
func (o *opsTool) Call(context.Context, tools.Tool, json.RawMessage, string) (tools.Output, error) {
	o.runs.Add(1)
	return tools.Output{Text: "restarted", Sources: []string{"runbook.md"}}, nil
}

func withOps(t *testing.T, ops *opsTool) func(*engine.Options) {
	return func(o *engine.Options) {
		box, err := tools.New(tools.Options{Providers: []tools.Provider{ops}})
		if err != nil {
			t.Fatal(err)
		}
		o.Tools = engine.ToolOptions{Runner: box}
	}
}

func scriptRestart(srv *llmtest.Server) {
	srv.Script(
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: "ops__restart", Arguments: `{"service":"web"}`}}},
		llmtest.Scenario{Times: 1, Reply: "Restarted it."},
	)
}

// TestToolApprovalInTheTerminal: the console shows the call and its
// arguments, the next line approves it, the tool runs once and the
// answer lists its source.
func TestToolApprovalInTheTerminal(t *testing.T) {
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	scriptRestart(srv)
	ops := &opsTool{}
	out, _ := sessionWith(t, srv, strings.NewReader("restart web\ny\n"), withOps(t, ops))
	for _, want := range []string{
		i18n.T("en", i18n.ApprovalPrompt, "ops__restart", `{"service":"web"}`),
		i18n.T("en", i18n.ApprovalApproved, "ops__restart", "me"),
		i18n.T("en", i18n.ToolRunning, "ops__restart"),
		"Restarted it.", i18n.T("en", i18n.ToolSources, "runbook.md"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if ops.runs.Load() != 1 {
		t.Fatalf("ran %d times", ops.runs.Load())
	}
}

// TestToolApprovalDeniedAtEOF: input that ends while a call waits denies
// it at once (piped input never waits for the expiry).
func TestToolApprovalDeniedAtEOF(t *testing.T) {
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	scriptRestart(srv)
	ops := &opsTool{}
	out, _ := sessionWith(t, srv, strings.NewReader("restart web\n"), withOps(t, ops))
	if ops.runs.Load() != 0 {
		t.Fatal("ran without approval")
	}
	if !strings.Contains(out, i18n.T("en", i18n.ApprovalDenied, "ops__restart", "me")) || !strings.Contains(out, i18n.T("en", i18n.ToolDenied, "ops__restart")) {
		t.Fatalf("output:\n%s", out)
	}
}
