// Package mcp connects the bot to the MCP servers of tools.mcp_servers
// and offers each as a tools.Provider. It is the only importer of the
// official MCP Go SDK (github.com/modelcontextprotocol/go-sdk).
//
// Each server has one goroutine that owns its session: it connects (a
// subprocess over stdio, or streamable HTTP), lists the tools, lists them
// again on the server's notifications/tools/list_changed, and when the
// session ends (the process died, the HTTP server went away) reconnects
// after a capped exponential backoff. While a server is down it offers
// no tools and a call gets tools.ErrUnavailable at once: a call is never
// retried, because a side-effecting tool may already have run.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"mistralbot/bots/tools"
)

// ServerConfig is one entry of tools.mcp_servers, with its secrets
// already resolved by the config package.
type ServerConfig struct {
	// Name prefixes the server's tools for the model ("github" gives
	// github__search_issues) and names it in allow-lists.
	Name string
	// Command is the argv of a stdio server; URL the endpoint of a
	// streamable HTTP server. Exactly one is set.
	Command []string
	URL     string
	// Headers are sent with every HTTP request (Authorization, ...).
	Headers map[string]string
	// Env is added to the stdio server's environment. The subprocess does
	// not inherit the bot's environment (which holds its tokens): only
	// PATH, HOME and the locale variables are passed on, plus Env.
	Env map[string]string
	// Approval is the server's policy; ToolApproval overrides it per tool,
	// by the tool's own name.
	Approval     tools.Approval
	ToolApproval map[string]tools.Approval
}

// Options configure a Client.
type Options struct {
	Servers []ServerConfig
	// HTTPClient carries the streamable HTTP servers' requests; nil means
	// a client of its own (no overall timeout: the server's event stream
	// stays open; calls are bounded by their context).
	HTTPClient *http.Client
	// Log receives connections, failures and the servers' stderr; nil
	// discards.
	Log *slog.Logger
	// MinBackoff and MaxBackoff bound the wait before a reconnection
	// (doubling from MinBackoff); 0 means 1s and 1m.
	MinBackoff, MaxBackoff time.Duration
	// ConnectTimeout bounds one connection attempt with its first
	// listing; 0 means 30s.
	ConnectTimeout time.Duration
	// TerminateGrace is how long a stdio server may take to exit after
	// its stdin is closed before it gets SIGTERM (then SIGKILL); 0 means
	// 2s.
	TerminateGrace time.Duration
	// OnChange, when set, is called (from the server's goroutine) after a
	// server's tools changed: listed, listed again, or gone with the
	// server. It must not block.
	OnChange func(server string)
}

// Client holds the connections to every configured server.
type Client struct {
	servers   []*Server
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	once      sync.Once
	transport *http.Transport // nil when the caller gave the HTTP client
}

// Start checks the configuration, starts one goroutine per server and
// waits (at most ConnectTimeout) for each server's first attempt, so that
// the tools of the servers that are up are listed when it returns. A
// server that is down is no error: it is retried in the background. ctx
// bounds that first wait only; Close stops the servers.
func Start(ctx context.Context, opts Options) (*Client, error) {
	if err := checkServers(opts.Servers); err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 30 * time.Second
	}
	if opts.TerminateGrace <= 0 {
		opts.TerminateGrace = 2 * time.Second
	}
	var own *http.Transport
	if opts.HTTPClient == nil {
		// A transport of its own, so that Close can drop its idle
		// connections (and their goroutines).
		own = http.DefaultTransport.(*http.Transport).Clone()
		opts.HTTPClient = &http.Client{Transport: own}
	}
	// The servers live until Close, not until ctx ends: ctx is the
	// caller's start-up deadline.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Client{cancel: cancel, transport: own}
	for _, sc := range opts.Servers {
		s := newServer(sc, &opts)
		c.servers = append(c.servers, s)
		c.wg.Go(func() { s.run(runCtx) })
	}
	for _, s := range c.servers {
		select {
		case <-s.firstTry:
		case <-ctx.Done():
			c.Close()
			return nil, fmt.Errorf("mcp: start: %w", ctx.Err())
		}
	}
	return c, nil
}

// Providers returns one tools.Provider per server, in configuration order.
func (c *Client) Providers() []tools.Provider {
	out := make([]tools.Provider, len(c.servers))
	for i, s := range c.servers {
		out[i] = s
	}
	return out
}

// Status is what `mistralbot check` shows of a server.
type Status struct {
	Name      string
	Connected bool
	Tools     []tools.Tool
	// Err is the last connection failure, nil when connected.
	Err error
}

// Statuses reports every server, in configuration order.
func (c *Client) Statuses() []Status {
	out := make([]Status, len(c.servers))
	for i, s := range c.servers {
		out[i] = s.status()
	}
	return out
}

// Close ends every session (a stdio server's stdin is closed, then it is
// signalled after TerminateGrace) and waits for the servers' goroutines.
// It is safe to call more than once.
func (c *Client) Close() error {
	c.once.Do(func() {
		c.cancel()
		c.wg.Wait()
		if c.transport != nil {
			c.transport.CloseIdleConnections()
		}
	})
	return nil
}

// checkServers refuses what the config package validates too, so that a
// Client built by other code cannot start half-configured.
func checkServers(servers []ServerConfig) error {
	var problems []string
	seen := map[string]bool{}
	for i, s := range servers {
		switch {
		case s.Name == "":
			problems = append(problems, fmt.Sprintf("server %d has no name", i))
		case seen[strings.ToLower(s.Name)]:
			problems = append(problems, fmt.Sprintf("two servers are named %q", s.Name))
		}
		seen[strings.ToLower(s.Name)] = true
		if (len(s.Command) == 0) == (s.URL == "") {
			problems = append(problems, fmt.Sprintf("server %q needs exactly one of command and url", s.Name))
		}
		if len(s.Command) > 0 && s.Command[0] == "" {
			problems = append(problems, fmt.Sprintf("server %q: the command's program is empty", s.Name))
		}
	}
	if len(problems) > 0 {
		return errors.New("mcp: " + strings.Join(problems, "; "))
	}
	return nil
}
