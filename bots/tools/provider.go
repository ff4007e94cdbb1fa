package tools

import (
	"context"
	"encoding/json"
	"errors"
)

// ErrUnavailable is matched (errors.Is) by a Provider's error when the
// call could not reach its tool: the server is down, restarting, or the
// connection broke during the call (in which case the tool may or may not
// have run; the Toolbox never retries a call).
var ErrUnavailable = errors.New("tool server unavailable")

// Provider is a source of tools: one MCP server, or a built-in tool. It
// is declared here, where the Toolbox consumes it.
type Provider interface {
	// Name identifies the provider in configuration (the MCP server's
	// name, "builtin") and in channel allow-lists.
	Name() string
	// Tools returns the tools available now, with their exposed names
	// and resolved approval. It does not block; the list may change
	// between calls (an MCP server's list-changed notification, a server
	// that died: no tools until it is back).
	Tools() []Tool
	// Call runs tool (one of Tools) with arguments that are a JSON
	// object. It returns when the tool answers or soon after ctx ends.
	// A tool that ran and failed is an Output with IsError; an error is
	// for a call that did not complete: it matches ErrUnavailable when
	// the server could not be reached, ctx's error when ctx ended. key is
	// the call's idempotency key, passed on to servers that can use it.
	Call(ctx context.Context, tool Tool, args json.RawMessage, key string) (Output, error)
}

// Output is what a tool answered.
type Output struct {
	// Text is the tool's answer as text for the model.
	Text string
	// IsError is true when the tool reported a failure (Text says what).
	IsError bool
	// Sources are URLs or names of what the tool read.
	Sources []string
}
