package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"mistralbot/bots/tools"
	"mistralbot/bots/tools/fetch"
	"mistralbot/bots/tools/history"
	"mistralbot/bots/tools/mcp"
	"mistralbot/config"
	"mistralbot/llm"
)

// toolset is what the engine's tool loop will be given: the Toolbox over
// the built-in tools and the MCP servers, and the close of the servers.
type toolset struct {
	Box     *tools.Toolbox
	servers *mcp.Client
	fetcher *fetch.Fetcher
}

// Close stops the MCP servers (subprocesses end) and drops idle fetch
// connections.
func (t *toolset) Close() error {
	if t.fetcher != nil {
		t.fetcher.Close()
	}
	if t.servers != nil {
		return t.servers.Close()
	}
	return nil
}

// newToolset starts the configured tools. The MCP servers that are down
// are retried in the background; ctx bounds the wait for their first
// listing.
func newToolset(ctx context.Context, cfg *config.Config, log *slog.Logger, connectTimeout time.Duration) (*toolset, error) {
	ts := &toolset{}
	var providers []tools.Provider
	if cfg.Tools.FetchURL {
		ts.fetcher = fetch.New(fetch.Options{Timeout: cfg.Tools.Timeout})
		providers = append(providers, ts.fetcher)
	}
	if cfg.Tools.ReadHistory {
		providers = append(providers, history.New(history.Options{}))
	}
	if len(cfg.Tools.MCPServers) > 0 {
		servers, err := mcpServers(cfg.Tools.MCPServers)
		if err != nil {
			return nil, err
		}
		ts.servers, err = mcp.Start(ctx, mcp.Options{Servers: servers, Log: log, ConnectTimeout: connectTimeout})
		if err != nil {
			return nil, err
		}
		providers = append(providers, ts.servers.Providers()...)
	}
	box, err := tools.New(tools.Options{Providers: providers, Timeout: cfg.Tools.Timeout,
		MaxResultBytes: cfg.Tools.MaxResultBytes, Channels: allowLists(cfg.Channels), Log: log})
	if err != nil {
		ts.Close()
		return nil, err
	}
	ts.Box = box
	return ts, nil
}

// mcpServers converts the validated configuration.
func mcpServers(in []config.MCPServer) ([]mcp.ServerConfig, error) {
	out := make([]mcp.ServerConfig, 0, len(in))
	for _, s := range in {
		approval, err := tools.ParseApproval(s.Approval)
		if err != nil {
			return nil, fmt.Errorf("tools.mcp_servers %s: %w", s.Name, err)
		}
		overrides := map[string]tools.Approval{}
		for name, v := range s.ToolApproval {
			if overrides[name], err = tools.ParseApproval(v); err != nil {
				return nil, fmt.Errorf("tools.mcp_servers %s: tool %s: %w", s.Name, name, err)
			}
		}
		out = append(out, mcp.ServerConfig{Name: s.Name, Command: s.Command, URL: s.URL, Headers: s.Headers,
			Env: s.Env, Approval: approval, ToolApproval: overrides})
	}
	return out, nil
}

// allowLists are the channels that set channels.<id>.tools.
func allowLists(channels map[string]config.Channel) map[string][]string {
	out := map[string][]string{}
	for id, ch := range channels {
		if ch.Tools != nil {
			out[id] = ch.Tools
		}
	}
	return out
}

// checkTools lists what each configured MCP server offers, the way the
// model will see it.
func checkTools(ctx context.Context, cfg *config.Config, log *slog.Logger, c *checker) {
	t := cfg.Tools
	if !t.Enabled && len(t.MCPServers) == 0 {
		return
	}
	c.note("tools: enabled=%v, fetch_url=%v, read_history=%v, web_search=%v, %d MCP server(s)", t.Enabled, t.FetchURL, t.ReadHistory, t.WebSearch, len(t.MCPServers))
	if t.Enabled && t.WebSearch && cfg.Bot.DailyUSDCap <= 0 {
		// A warning, not a failure: a deliberate choice may be unlimited.
		c.note("tools.web_search: OpenRouter charges $%g per result on top of tokens (up to $%g per request at %d results, "+
			"and every tool round searches again), and bot.daily_usd_cap is 0 (no limit)",
			llm.WebResultUSD, llm.WebResultUSD*llm.DefaultWebResults, llm.DefaultWebResults)
	}
	if len(t.MCPServers) == 0 {
		return
	}
	servers, err := mcpServers(t.MCPServers)
	if err != nil {
		c.say(false, "%v", err)
		return
	}
	client, err := mcp.Start(ctx, mcp.Options{Servers: servers, Log: log, ConnectTimeout: checkTimeout, MinBackoff: time.Hour})
	if err != nil {
		c.say(false, "mcp: %v", err)
		return
	}
	defer client.Close()
	for _, st := range client.Statuses() {
		if !st.Connected {
			c.say(false, "mcp %s: not reachable: %v", st.Name, st.Err)
			continue
		}
		var names []string
		for _, tool := range st.Tools {
			mark := ""
			if tool.NeedsApproval() {
				mark = " (asks approval)"
			}
			names = append(names, tool.Name+mark)
		}
		c.say(true, "mcp %s: %d tool(s): %s", st.Name, len(st.Tools), strings.Join(names, ", "))
	}
}
