package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/tools"
	"mistralbot/bots/tools/mcp/mcptest"
	"mistralbot/config"
)

func mcpTestServer(t *testing.T) string {
	t.Helper()
	s := mcptest.New(mcptest.Options{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		s.CloseSessions()
	})
	return ts.URL
}

func toolsConfig(url string) *config.Config {
	return &config.Config{
		Tools: config.Tools{Enabled: true, FetchURL: true, ReadHistory: true, Timeout: 5 * time.Second, MaxResultBytes: 4096,
			MCPServers: []config.MCPServer{{Name: "docs", URL: url, ToolApproval: map[string]string{"lookup": "always"}}}},
		Channels: map[string]config.Channel{"slack:C1": {Tools: []string{"docs"}}, "slack:C2": {Language: "fr"}},
	}
}

func TestToolsetWiresTheConfiguredTools(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts, err := newToolset(ctx, toolsConfig(mcpTestServer(t)), slog.New(slog.DiscardHandler), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	names := func(channel string) []string {
		var out []string
		for _, tool := range ts.Box.Tools(channel) {
			out = append(out, tool.Name)
		}
		return out
	}
	all := names("slack:C2")
	if !slices.Contains(all, "fetch_url") || !slices.Contains(all, "read_history") || !slices.Contains(all, "docs__lookup") {
		t.Errorf("slack:C2 (no allow-list) tools %v", all)
	}
	if c1 := names("slack:C1"); slices.Contains(c1, "fetch_url") || !slices.Contains(c1, "docs__create") {
		t.Errorf("slack:C1 (allow-list [docs]) tools %v", c1)
	}
	tool, fail := ts.Box.Resolve("slack:C1", tools.Call{Name: "docs__lookup"})
	if fail != nil || !tool.NeedsApproval() {
		t.Errorf("docs__lookup: %+v %+v, want the override (always) to ask", tool, fail)
	}
	r := ts.Box.Call(ctx, "slack:C1", tools.Call{ID: "1", Name: "docs__lookup", Arguments: []byte(`{"q":"x"}`)})
	if r.Text != "found: x" {
		t.Errorf("call: %+v", r)
	}
}

func TestCheckListsTheMCPServersTools(t *testing.T) {
	t.Parallel()
	cfg := toolsConfig(mcpTestServer(t))
	cfg.Tools.MCPServers = append(cfg.Tools.MCPServers, config.MCPServer{Name: "gone", Command: []string{"/nonexistent/mcp"}})
	var out bytes.Buffer
	c := &checker{w: &out, red: config.NewRedactor()}
	checkTools(context.Background(), cfg, slog.New(slog.DiscardHandler), c)
	got := out.String()
	for _, want := range []string{"note tools: enabled=true, fetch_url=true, read_history=true, web_search=false, 2 MCP server(s)",
		"ok   mcp docs: 6 tool(s): ", "docs__create (asks approval)", "docs__lookup (asks approval)", "FAIL mcp gone: not reachable"} {
		if !strings.Contains(got, want) {
			t.Errorf("check output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "docs__huge (asks") {
		t.Errorf("a read-only tool under auto asks approval:\n%s", got)
	}
	if !c.failed {
		t.Error("an unreachable server does not fail the check")
	}
}

// TestCheckWarnsOfUnlimitedWebSearch: web search with no daily USD cap is
// a note (the fee per result), not a failure; with a cap, no note.
func TestCheckWarnsOfUnlimitedWebSearch(t *testing.T) {
	t.Parallel()
	for _, limit := range []float64{0, 5} {
		cfg := &config.Config{Tools: config.Tools{Enabled: true, WebSearch: true}}
		cfg.Bot.DailyUSDCap = limit
		var out bytes.Buffer
		c := &checker{w: &out, red: config.NewRedactor()}
		checkTools(context.Background(), cfg, slog.New(slog.DiscardHandler), c)
		warned := strings.Contains(out.String(), "note tools.web_search: OpenRouter charges $0.004 per result")
		if warned != (limit == 0) || c.failed {
			t.Errorf("daily_usd_cap %v: warned %v, failed %v:\n%s", limit, warned, c.failed, out.String())
		}
	}
}
