package llmcompleter_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// TestToolsMapBothWays: the domain's tools, tool choice, web search and
// tool messages reach the server in its shape, and the round's calls
// (a malformed one with its problem text) and citations come back.
func TestToolsMapBothWays(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter})
	t.Cleanup(srv.Close)
	srv.Script(llmtest.Scenario{Reply: "see", Citations: []llmtest.Citation{{URL: "https://a.example/", Title: "A"}},
		ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "kb__search", Arguments: `{"q":"x"}`}, {ID: "call_2", Name: "nope", Arguments: `{}`}}})
	lc, err := llm.New(llm.Options{Dialect: llm.OpenRouter, BaseURL: srv.URL(), APIKey: "k", Model: "mistralai/mistral-small-3.2-24b-instruct",
		MaxRetries: -1, IdleTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c := llmcompleter.New(lc)
	st, err := c.Stream(context.Background(), bots.ModelRequest{
		Messages: []bots.ModelMessage{
			{Role: bots.RoleUser, Content: "q"},
			{Role: bots.RoleAssistant, ToolCalls: []bots.ToolCall{{ID: "call_0", Name: "kb__search", Arguments: `{}`}}},
			{Role: bots.RoleTool, ToolCallID: "call_0", Name: "kb__search", Content: "earlier result"},
		},
		Tools:       []bots.ToolSpec{{Name: "kb__search", Parameters: json.RawMessage(`{"type":"object"}`)}},
		NoToolCalls: true, WebSearch: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for {
		if _, err := st.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	r := st.Result()
	if len(r.ToolCalls) != 2 || r.ToolCalls[0].Problem != "" || r.ToolCalls[0].Arguments != `{"q":"x"}` || r.ToolCalls[1].Problem == "" {
		t.Fatalf("calls %+v", r.ToolCalls)
	}
	if len(r.Citations) != 1 || r.Citations[0].URL != "https://a.example/" {
		t.Fatalf("citations %+v", r.Citations)
	}
	rec := srv.Requests()[0]
	if len(rec.Tools) != 1 || rec.Tools[0] != "kb__search" || rec.ToolChoice != `"none"` || rec.Plugins == "" {
		t.Fatalf("tools %v choice %s plugins %q", rec.Tools, rec.ToolChoice, rec.Plugins)
	}
	m := rec.Messages
	if len(m) != 3 || len(m[1].ToolCalls) != 1 || m[2].ToolCallID != m[1].ToolCalls[0].ID || m[2].Content != "earlier result" {
		t.Fatalf("messages %+v", m)
	}
	if !c.TakesTools("mistralai/mistral-small-3.2-24b-instruct") {
		t.Fatal("TakesTools false before any refusal")
	}
	if string(bots.CodeToolsUnsupported) != string(llm.CodeToolsUnsupported) || string(bots.RoleTool) != string(llm.RoleTool) {
		t.Fatal("the domain's tool code or role differs from the client's")
	}
}
