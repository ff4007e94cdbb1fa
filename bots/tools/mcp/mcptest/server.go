// Package mcptest is an MCP server for tests, written with the same SDK
// as the client (github.com/modelcontextprotocol/go-sdk): a read-only
// tool, a side-effecting tool that counts its executions, a tool that
// hangs, one that returns 10 MB, one that fails, one that adds a tool
// (so the server sends notifications/tools/list_changed) and, in a
// subprocess, one that makes the process die. It serves over stdio (the
// test binary re-executed, see ServeIfChild) and over streamable HTTP
// (Handler, for httptest). It lives beside the client, the SDK's only
// other importer.
package mcptest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// HugeBytes is the size of the huge tool's answer.
const HugeBytes = 10 << 20

// Options configure a Server.
type Options struct {
	// CountFile, when set, gets a line per execution of "create", so a
	// test can count the executions of a server in another process.
	CountFile string
	// Crash registers the "crash" tool, which exits the process: only for
	// a server in its own process.
	Crash bool
}

// Server is the test server.
type Server struct {
	MCP     *sdk.Server
	opts    Options
	creates atomic.Int64
}

type lookupIn struct {
	Q string `json:"q" jsonschema:"what to look up"`
}

type createIn struct {
	Title string `json:"title" jsonschema:"the item's title"`
}

type empty struct{}

// New builds the server with its tools.
func New(opts Options) *Server {
	s := &Server{MCP: sdk.NewServer(&sdk.Implementation{Name: "mcptest", Version: "1"}, nil), opts: opts}
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "lookup", Description: "Looks something up; changes nothing.",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(_ context.Context, _ *sdk.CallToolRequest, in lookupIn) (*sdk.CallToolResult, any, error) {
			return text("found: " + in.Q), nil, nil
		})
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "create", Description: "Creates an item (a side effect)."},
		func(_ context.Context, req *sdk.CallToolRequest, in createIn) (*sdk.CallToolResult, any, error) {
			n := s.creates.Add(1)
			if s.opts.CountFile != "" {
				f, err := os.OpenFile(s.opts.CountFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
				if err != nil {
					return nil, nil, err
				}
				key, _ := req.Params.Meta["mistralbot/idempotency-key"].(string)
				fmt.Fprintf(f, "%s %s\n", in.Title, key)
				f.Close()
			}
			return text(fmt.Sprintf("created #%d: %s", n, in.Title)), nil, nil
		})
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "hang", Description: "Never answers."},
		func(ctx context.Context, _ *sdk.CallToolRequest, _ empty) (*sdk.CallToolResult, any, error) {
			<-ctx.Done()
			return nil, nil, ctx.Err()
		})
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "huge", Description: "Answers 10 MB.",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(context.Context, *sdk.CallToolRequest, empty) (*sdk.CallToolResult, any, error) {
			return text(strings.Repeat("x", HugeBytes)), nil, nil
		})
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "fail", Description: "Always fails."},
		func(context.Context, *sdk.CallToolRequest, empty) (*sdk.CallToolResult, any, error) {
			// A ToolHandlerFor's error becomes a result with isError.
			return nil, nil, errors.New("boom: the disk is full")
		})
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "grow", Description: "Adds the tool 'late'."},
		func(context.Context, *sdk.CallToolRequest, empty) (*sdk.CallToolResult, any, error) {
			s.AddLate()
			return text("grown"), nil, nil
		})
	if opts.Crash {
		sdk.AddTool(s.MCP, &sdk.Tool{Name: "crash", Description: "Exits the process."},
			func(context.Context, *sdk.CallToolRequest, empty) (*sdk.CallToolResult, any, error) {
				os.Exit(3)
				return nil, nil, nil
			})
	}
	return s
}

// AddLate adds the tool "late"; the SDK tells connected clients with
// notifications/tools/list_changed.
func (s *Server) AddLate() {
	sdk.AddTool(s.MCP, &sdk.Tool{Name: "late", Description: "Added after the start.",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(context.Context, *sdk.CallToolRequest, empty) (*sdk.CallToolResult, any, error) {
			return text("late"), nil, nil
		})
}

// CloseSessions ends the server's sessions: an HTTP server that went
// away without its clients saying goodbye keeps them otherwise.
func (s *Server) CloseSessions() {
	for ss := range s.MCP.Sessions() {
		ss.Close()
	}
}

// Creates counts the executions of "create" in this process.
func (s *Server) Creates() int64 { return s.creates.Load() }

// Handler serves the server over streamable HTTP.
func (s *Server) Handler() http.Handler {
	return sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.MCP }, nil)
}

func text(t string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: t}}}
}

// ChildEnv is the variable that makes a re-executed test binary serve
// over stdio instead of running tests; CountFileEnv passes CountFile.
const (
	ChildEnv     = "MCPTEST_SERVE"
	CountFileEnv = "MCPTEST_COUNT_FILE"
	// PIDFileEnv names a file the child appends its process id to, so a
	// test can check that the process is gone after Close.
	PIDFileEnv = "MCPTEST_PID_FILE"
)

// ServeIfChild serves over stdio and exits when the process was started
// as a test server (ChildEnv=1): call it first in TestMain, then run the
// test binary itself (os.Args[0]) as the server's command.
func ServeIfChild() {
	if os.Getenv(ChildEnv) != "1" {
		return
	}
	if path := os.Getenv(PIDFileEnv); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintln(f, os.Getpid())
			f.Close()
		}
	}
	s := New(Options{CountFile: os.Getenv(CountFileEnv), Crash: true})
	// This is the child process's main: its context is the process's.
	if err := s.MCP.Run(context.Background(), &sdk.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, "mcptest:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
