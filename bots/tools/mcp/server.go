package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"mistralbot/bots/tools"
	"mistralbot/internal/wait"
)

// idempotencyMeta is the _meta key carrying a call's idempotency key, for
// servers that can use it to make a retried call harmless. Keys of _meta
// may carry a prefix of the implementer's own; "io.modelcontextprotocol/"
// and "dev.mcp/" are reserved
// (https://modelcontextprotocol.io/specification/2025-06-18/basic#general-fields).
const idempotencyMeta = "mistralbot/idempotency-key"

// Server is one configured MCP server: a tools.Provider whose session is
// owned by its run goroutine.
type Server struct {
	cfg  ServerConfig
	opts *Options
	log  *slog.Logger

	firstTry chan struct{} // closed after the first connection attempt
	relist   chan struct{} // a list-changed notification arrived (buffer 1)

	mu      sync.Mutex
	session *sdk.ClientSession
	tools   []tools.Tool
	lastErr error
}

var _ tools.Provider = (*Server)(nil)

func newServer(cfg ServerConfig, opts *Options) *Server {
	return &Server{cfg: cfg, opts: opts, log: opts.Log.With("mcp_server", cfg.Name),
		firstTry: make(chan struct{}), relist: make(chan struct{}, 1)}
}

// Name is the configured name.
func (s *Server) Name() string { return s.cfg.Name }

// Tools returns the tools last listed, none while the server is down.
func (s *Server) Tools() []tools.Tool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tools)
}

func (s *Server) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{Name: s.cfg.Name, Connected: s.session != nil, Tools: slices.Clone(s.tools), Err: s.lastErr}
}

// Call runs the tool on the current session. With no session (the server
// is down or reconnecting), or when the session breaks during the call,
// the error matches tools.ErrUnavailable; the call is not retried.
func (s *Server) Call(ctx context.Context, t tools.Tool, args json.RawMessage, key string) (tools.Output, error) {
	s.mu.Lock()
	sess := s.session
	s.mu.Unlock()
	if sess == nil {
		return tools.Output{}, fmt.Errorf("mcp %s: %w: not connected", s.cfg.Name, tools.ErrUnavailable)
	}
	params := &sdk.CallToolParams{Name: t.Remote, Arguments: args}
	if key != "" {
		params.Meta = sdk.Meta{idempotencyMeta: key}
	}
	res, err := sess.CallTool(ctx, params)
	if err != nil {
		return tools.Output{}, s.callError(ctx, err)
	}
	return output(res), nil
}

// callError classifies a failed call: ctx's own end, an error the server
// answered (unknown tool, invalid params: the model should hear it), or
// a broken connection.
func (s *Server) callError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("mcp %s: %w", s.cfg.Name, ctx.Err())
	}
	var wire *jsonrpc.Error
	if errors.As(err, &wire) && !localCodes[wire.Code] {
		return fmt.Errorf("mcp %s: %s", s.cfg.Name, wire.Message)
	}
	return fmt.Errorf("mcp %s: %w: %v", s.cfg.Name, tools.ErrUnavailable, err)
}

// localCodes are the SDK's own JSON-RPC codes for a request that never
// reached the server or whose connection is closing (its internal
// jsonrpc2 package: ErrClientClosing -32003, ErrServerClosing -32004,
// ErrRejected -32005, the last wrapping an HTTP request that failed).
var localCodes = map[int64]bool{-32003: true, -32004: true, -32005: true}

// run owns the server's sessions until ctx ends.
func (s *Server) run(ctx context.Context) {
	first := true
	tried := func() {
		if first {
			first = false
			close(s.firstTry)
		}
	}
	defer tried()
	for attempt := 0; ; {
		sess, done, err := s.connect(ctx)
		if err != nil {
			s.setDown(err)
			tried()
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("mcp: cannot connect to the server; retrying", "err", err, "attempt", attempt+1)
		} else {
			tried()
			began := time.Now()
			s.serve(ctx, sess, done)
			if ctx.Err() != nil {
				return
			}
			// A session that lasted resets the backoff; a server that
			// dies right after each start keeps backing off (a crash
			// loop costs a process start per MaxBackoff at most).
			if time.Since(began) >= s.opts.MaxBackoff {
				attempt = 0
			}
			s.log.Warn("mcp: the server's session ended; reconnecting", "attempt", attempt+1)
		}
		if wait.Sleep(ctx, s.backoff(attempt)) != nil {
			return
		}
		attempt++
	}
}

func (s *Server) backoff(attempt int) time.Duration {
	d := s.opts.MinBackoff
	for range min(attempt, 30) {
		d *= 2
		if d >= s.opts.MaxBackoff {
			return s.opts.MaxBackoff
		}
	}
	return d
}

// connect opens a session and lists its tools. done is closed when the
// session ends.
func (s *Server) connect(ctx context.Context) (*sdk.ClientSession, chan struct{}, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	defer cancel()
	client := sdk.NewClient(&sdk.Implementation{Name: "mistralbot", Version: "1"}, &sdk.ClientOptions{
		Logger: s.log,
		// The handler runs on the session's reading goroutine: listing
		// from there could wait on itself, so it only wakes run.
		ToolListChangedHandler: func(context.Context, *sdk.ToolListChangedRequest) {
			select {
			case s.relist <- struct{}{}:
			default:
			}
		},
	})
	transport, err := s.transport()
	if err != nil {
		return nil, nil, err
	}
	sess, err := client.Connect(ctx, transport, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("mcp %s: connect: %w", s.cfg.Name, err)
	}
	listed, err := s.list(ctx, sess)
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() {
		sess.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.session, s.tools, s.lastErr = sess, listed, nil
	s.mu.Unlock()
	s.log.Info("mcp: connected", "tools", len(listed))
	s.changed()
	return sess, done, nil
}

// serve keeps a session until it ends or ctx does, listing the tools
// again on each list-changed notification.
func (s *Server) serve(ctx context.Context, sess *sdk.ClientSession, done chan struct{}) {
	defer func() {
		sess.Close()
		<-done // the Wait goroutine ends with the session
		s.setDown(errors.New("session ended"))
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-s.relist:
			lctx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
			listed, err := s.list(lctx, sess)
			cancel()
			if err != nil {
				s.log.Warn("mcp: listing the tools again failed; keeping the last list", "err", err)
				continue
			}
			s.mu.Lock()
			s.tools = listed
			s.mu.Unlock()
			s.log.Info("mcp: tools listed again", "tools", len(listed))
			s.changed()
		}
	}
}

func (s *Server) setDown(err error) {
	s.mu.Lock()
	had := s.session != nil || len(s.tools) > 0
	s.session, s.tools, s.lastErr = nil, nil, err
	s.mu.Unlock()
	if had {
		s.changed()
	}
}

func (s *Server) changed() {
	if s.opts.OnChange != nil {
		s.opts.OnChange(s.cfg.Name)
	}
}

// list reads every page of the server's tools.
func (s *Server) list(ctx context.Context, sess *sdk.ClientSession) ([]tools.Tool, error) {
	var out []tools.Tool
	for t, err := range sess.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("mcp %s: list tools: %w", s.cfg.Name, err)
		}
		out = append(out, s.tool(t))
	}
	return out, nil
}

// tool describes a server's tool for the model.
func (s *Server) tool(t *sdk.Tool) tools.Tool {
	schema, err := json.Marshal(t.InputSchema)
	if err != nil || t.InputSchema == nil {
		schema = json.RawMessage(`{"type":"object","properties":{}}`)
	}
	approval := s.cfg.Approval
	if a, ok := s.cfg.ToolApproval[t.Name]; ok {
		approval = a
	}
	if approval == "" {
		approval = tools.ApprovalAuto
	}
	desc := t.Description
	if desc == "" {
		desc = t.Title
	}
	return tools.Tool{
		Name:        tools.ExposedName(s.cfg.Name, t.Name),
		Provider:    s.cfg.Name,
		Remote:      t.Name,
		Description: desc,
		Schema:      schema,
		ReadOnly:    t.Annotations != nil && t.Annotations.ReadOnlyHint,
		Approval:    approval,
	}
}
