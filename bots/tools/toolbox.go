package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxResultBytes = 16 << 10
	// doneKeys bounds the results remembered by idempotency key.
	doneKeys = 1024
)

// Options configure a Toolbox.
type Options struct {
	// Providers are merged in order: when two expose the same name, the
	// first keeps it and the other's tool is left out (and logged).
	Providers []Provider
	// Timeout bounds one call (tools.timeout); 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxResultBytes bounds the text of one result given to the model
	// (tools.max_result_bytes); 0 means DefaultMaxResultBytes.
	MaxResultBytes int
	// Channels are the allow-lists of channels.<id>.tools, by channel id
	// ("slack:C123"). A channel without an entry may use every tool; an
	// entry names tools by exposed name ("github__search_issues") or by
	// provider ("github": all its tools); an empty entry allows none.
	Channels map[string][]string
	// Log receives the tools left out; nil discards.
	Log *slog.Logger
}

// Toolbox merges providers and runs calls. It is safe for concurrent use
// and starts no goroutine.
type Toolbox struct {
	providers []Provider
	timeout   time.Duration
	maxBytes  int
	channels  map[string][]string
	log       *slog.Logger

	mu      sync.Mutex
	calls   map[string]*callEntry // by idempotency key
	order   []string              // keys of finished calls, oldest first
	clashes map[string]bool       // collisions already logged
}

// callEntry is a call running or finished, so that a second Call with the
// same key waits for the first and gets its result instead of running
// the tool again.
type callEntry struct {
	done chan struct{}
	res  Result
}

// New returns a Toolbox over the providers. Two providers of one name are
// an error.
func New(opts Options) (*Toolbox, error) {
	seen := map[string]bool{}
	for _, p := range opts.Providers {
		if seen[p.Name()] {
			return nil, fmt.Errorf("tools: two providers named %q", p.Name())
		}
		seen[p.Name()] = true
	}
	b := &Toolbox{
		providers: slices.Clone(opts.Providers),
		timeout:   opts.Timeout,
		maxBytes:  opts.MaxResultBytes,
		channels:  opts.Channels,
		log:       opts.Log,
		calls:     map[string]*callEntry{},
		clashes:   map[string]bool{},
	}
	if b.timeout <= 0 {
		b.timeout = DefaultTimeout
	}
	if b.maxBytes <= 0 {
		b.maxBytes = DefaultMaxResultBytes
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b, nil
}

// Tools returns the tools the channel may use, sorted by name: the list to
// send to the model.
func (b *Toolbox) Tools(channel string) []Tool {
	var out []Tool
	for _, t := range b.all() {
		if b.allowed(channel, t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(x, y Tool) int {
		switch {
		case x.Name < y.Name:
			return -1
		case x.Name > y.Name:
			return 1
		}
		return 0
	})
	return out
}

// all merges the providers' current tools; the first provider keeps a
// name two of them expose, and a name the APIs refuse is left out.
func (b *Toolbox) all() []Tool {
	var out []Tool
	owner := map[string]string{}
	for _, p := range b.providers {
		for _, t := range p.Tools() {
			if !ValidName(t.Name) {
				b.logOnce("invalid:"+p.Name()+":"+t.Name, "tools: a tool name the model APIs refuse is left out",
					"provider", p.Name(), "tool", t.Name)
				continue
			}
			if prev, taken := owner[t.Name]; taken {
				b.logOnce("clash:"+t.Name+":"+p.Name(), "tools: two providers expose one tool name; the first keeps it",
					"tool", t.Name, "kept", prev, "left_out", p.Name())
				continue
			}
			owner[t.Name] = p.Name()
			t.Provider = p.Name()
			out = append(out, t)
		}
	}
	return out
}

func (b *Toolbox) logOnce(key, msg string, args ...any) {
	b.mu.Lock()
	seen := b.clashes[key]
	b.clashes[key] = true
	b.mu.Unlock()
	if !seen {
		b.log.Warn(msg, args...)
	}
}

func (b *Toolbox) allowed(channel string, t Tool) bool {
	list, ok := b.channels[channel]
	if !ok {
		return true
	}
	return slices.Contains(list, t.Name) || slices.Contains(list, t.Provider)
}

// Resolve finds the tool a call names, among those the channel may use.
// When the call cannot run (no such tool here, arguments that are not a
// JSON object), it returns the failed Result to give the model instead.
// The engine calls it to decide, with Tool.NeedsApproval, whether to ask
// before Call.
func (b *Toolbox) Resolve(channel string, c Call) (Tool, *Result) {
	for _, t := range b.all() {
		if t.Name == c.Name && b.allowed(channel, t) {
			if _, err := normalizeArguments(c.Arguments); err != nil {
				r := b.failed(c, FailureArguments, fmt.Sprintf("Error: invalid arguments for %s: %v. Send a JSON object matching the tool's schema.", t.Name, err))
				return t, &r
			}
			return t, nil
		}
	}
	// A tool of a server that is down has left the list: say so, rather
	// than that it does not exist (the model may try again later).
	for _, p := range b.providers {
		if strings.HasPrefix(c.Name, p.Name()+"__") && len(p.Tools()) == 0 && b.allowed(channel, Tool{Name: c.Name, Provider: p.Name()}) {
			r := b.failed(c, FailureUnavailable, fmt.Sprintf("Error: the server of %s is unavailable right now.", safeName(c.Name)))
			return Tool{}, &r
		}
	}
	r := b.failed(c, FailureUnknown, fmt.Sprintf("Error: there is no tool named %q here. Use only the tools listed.", safeName(c.Name)))
	return Tool{}, &r
}

// Call runs a call the engine decided to run (approved, or needing no
// approval) and returns its result; it never returns an error and never
// panics on a provider's panic. The call is bounded by the Toolbox's
// timeout and by ctx. A second Call with the same Key does not run the
// tool again: it waits for the first and returns the same Result (the
// journal of approvals extends that across restarts).
func (b *Toolbox) Call(ctx context.Context, channel string, c Call) Result {
	if c.Key == "" {
		return b.run(ctx, channel, c)
	}
	b.mu.Lock()
	if e, ok := b.calls[c.Key]; ok {
		b.mu.Unlock()
		select {
		case <-e.done:
			r := e.res
			r.CallID = c.ID
			return r
		case <-ctx.Done():
			return b.failed(c, FailureCanceled, "Error: the call was canceled.")
		}
	}
	e := &callEntry{done: make(chan struct{})}
	b.calls[c.Key] = e
	b.mu.Unlock()

	e.res = b.run(ctx, channel, c)
	close(e.done)
	b.mu.Lock()
	b.order = append(b.order, c.Key)
	if len(b.order) > doneKeys {
		delete(b.calls, b.order[0])
		b.order = b.order[1:]
	}
	b.mu.Unlock()
	return e.res
}

// Deny gives the model the result of a call a person denied or whose
// approval expired; the tool does not run.
func (b *Toolbox) Deny(c Call, reason string) Result {
	text := fmt.Sprintf("The user did not allow the call of %s", safeName(c.Name))
	if reason != "" {
		text += ": " + reason
	}
	return b.failed(c, FailureDenied, text+". Do not call it again for this request.")
}

func (b *Toolbox) run(ctx context.Context, channel string, c Call) Result {
	t, fail := b.Resolve(channel, c)
	if fail != nil {
		return *fail
	}
	args, _ := normalizeArguments(c.Arguments)
	p := b.provider(t.Provider)
	if p == nil {
		return b.failed(c, FailureUnknown, fmt.Sprintf("Error: there is no tool named %q here.", t.Name))
	}
	callCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := callProvider(callCtx, p, t, args, c.Key)
	switch {
	case err == nil && !out.IsError:
		r := Result{CallID: c.ID, Key: c.Key, Tool: t.Name, Sources: out.Sources}
		r.Text, r.Truncated = Truncate(out.Text, b.maxBytes)
		return r
	case err == nil:
		text, _ := Truncate(out.Text, b.maxBytes)
		r := b.failed(c, FailureTool, "Error from "+t.Name+": "+text)
		r.Sources = out.Sources
		return r
	case ctx.Err() != nil:
		return b.failed(c, FailureCanceled, "Error: the call was canceled.")
	case callCtx.Err() != nil:
		return b.failed(c, FailureTimeout, fmt.Sprintf("Error: %s did not answer within %s.", t.Name, b.timeout))
	case errors.Is(err, ErrUnavailable):
		return b.failed(c, FailureUnavailable, fmt.Sprintf("Error: %s is unavailable (%v).", t.Name, err))
	case errors.Is(err, errPanic):
		return b.failed(c, FailureInternal, fmt.Sprintf("Error: %s failed.", t.Name))
	}
	text, _ := Truncate(err.Error(), b.maxBytes)
	return b.failed(c, FailureTool, "Error from "+t.Name+": "+text)
}

func (b *Toolbox) provider(name string) Provider {
	for _, p := range b.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

var errPanic = errors.New("tool provider panicked")

// callProvider turns a provider's panic into an error: one buggy tool must
// not take the bot down.
func callProvider(ctx context.Context, p Provider, t Tool, args []byte, key string) (out Output, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = Output{}, fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	return p.Call(ctx, t, args, key)
}

// failed builds a failed result with the user's note.
func (b *Toolbox) failed(c Call, f Failure, text string) Result {
	text, truncated := Truncate(text, b.maxBytes)
	return Result{CallID: c.ID, Key: c.Key, Tool: safeName(c.Name), Text: text, Failure: f,
		Truncated: truncated, Note: note(f, safeName(c.Name), b.timeout)}
}
