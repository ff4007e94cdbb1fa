package main

import (
	"context"
	"log/slog"
	"time"

	"mistralbot/bots/console"
	"mistralbot/bots/discord"
	"mistralbot/bots/engine"
	"mistralbot/bots/slack"
	"mistralbot/bots/tools/fetch"
	"mistralbot/config"
)

// The Engine's optional capabilities the adapters look for (each
// declares its own Approver, where it is consumed).
var (
	_ slack.Approver   = (*engine.Engine)(nil)
	_ discord.Approver = (*engine.Engine)(nil)
	_ console.Approver = (*engine.Engine)(nil)
)

// mcpConnectTimeout bounds the wait for the MCP servers' first listing at
// start; a server still down is retried in the background.
const mcpConnectTimeout = 10 * time.Second

// withTools starts the configured tools when tools.enabled and gives
// them to the Engine's options; the toolset is nil when tools are off.
// The caller closes it after the Engine stopped.
func withTools(ctx context.Context, cfg *config.Config, opts *engine.Options, log *slog.Logger) (*toolset, error) {
	if !cfg.Tools.Enabled {
		return nil, nil
	}
	ts, err := newToolset(ctx, cfg, log.With("component", "tools"), mcpConnectTimeout)
	if err != nil {
		return nil, err
	}
	opts.Tools = engine.ToolOptions{
		Runner:          ts.Box,
		MaxRounds:       cfg.Tools.MaxRounds,
		Budget:          cfg.Tools.Budget,
		WebSearch:       cfg.Tools.WebSearch,
		ApprovalTimeout: cfg.Tools.ApprovalTimeout,
	}
	if cfg.Tools.FetchURL {
		opts.Tools.PastedLinksOnly = []string{fetch.ToolName}
	}
	return ts, nil
}
