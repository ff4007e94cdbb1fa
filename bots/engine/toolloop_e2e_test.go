package engine_test

import (
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestToolLoopEndToEnd: the loop over the real client and llmtest's
// scripted tool rounds, in each dialect: the arguments arrive split,
// two calls come in one round, one of them malformed; the second request
// carries the assistant's calls with the model's ids and one tool
// message per call, and the answer is the second round's text.
func TestToolLoopEndToEnd(t *testing.T) {
	for _, d := range []llmtest.Dialect{llmtest.OpenRouter, llmtest.Mistral, llmtest.OpenAI} {
		t.Run(string(d), func(t *testing.T) {
			kb := kbTools()
			h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: d}, engine: withTools(t, kb, nil)})
			h.srv.Script(
				llmtest.Scenario{Times: 1, ArgPiece: 3, ToolCalls: []llmtest.ToolCall{
					{ID: "abcDEF123", Name: "kb__search", Arguments: `{"q":"deploy time"}`},
					{ID: "xyzXYZ789", Name: "kb__search", Arguments: `{"q":`},
				}},
				llmtest.Scenario{Times: 1, Reply: "It runs at nine."},
			)
			if _, err := h.eng.Dispatch(t.Context(), h.conv, mention("m1", "when is the deploy?")); err != nil {
				t.Fatal(err)
			}
			r := h.conv.wait(t, 1)[0]
			if !strings.HasPrefix(r.Final(), "It runs at nine.") {
				t.Fatalf("final %q", r.Final())
			}
			if kb.ran("kb__search") != 1 {
				t.Fatalf("search ran %d times, want 1 (the other call is malformed)", kb.ran("kb__search"))
			}
			first, second := h.request(t, 0), h.request(t, 1)
			if len(first.Tools) != 2 {
				t.Fatalf("tools declared %v", first.Tools)
			}
			msgs := second.Messages
			n := len(msgs)
			as := msgs[n-3]
			if as.Role != "assistant" || len(as.ToolCalls) != 2 || as.ToolCalls[0].Arguments != `{"q":"deploy time"}` {
				t.Fatalf("assistant message %+v", as)
			}
			ok, bad := msgs[n-2], msgs[n-1]
			if ok.Role != "tool" || ok.ToolCallID != as.ToolCalls[0].ID || !strings.Contains(ok.Content, "deploy time") {
				t.Fatalf("first result %+v", ok)
			}
			if bad.Role != "tool" || bad.ToolCallID != as.ToolCalls[1].ID || !strings.Contains(bad.Content, "not a valid JSON object") {
				t.Fatalf("malformed call's result %+v", bad)
			}
		})
	}
}
