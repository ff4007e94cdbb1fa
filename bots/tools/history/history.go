// Package history is the built-in read_history tool: it lets the model
// read further back in the conversation the question came from than the
// history it was given ("what did Bob say yesterday about the deploy?").
// It reads through the platform's bots.SpanReader (the one summaries use:
// paginated, within the platform's read limits) and only ever the
// conversation of the tools.Origin the engine put in the call's context:
// the thread (or the channel) the question is in, never one the model
// names. A question in a DM reads that DM only.
package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/tools"
)

// ToolName is the name the model calls.
const ToolName = "read_history"

// ProviderName names the provider in channel allow-lists (as does
// ToolName).
const ProviderName = "history"

// Defaults and bounds of the arguments.
const (
	// MaxMessages is the most messages one call reads.
	MaxMessages = 200
	// DefaultMessages is read when the model gives no limit.
	DefaultMessages = 50
	// maxSince bounds "since": a platform read is paced, and older
	// messages than this are not worth a call's time budget.
	maxSince = 90 * 24 * time.Hour
)

// Scopes of the arguments.
const (
	ScopeThread  = "thread"
	ScopeChannel = "channel"
)

// Options configure a Reader.
type Options struct {
	// Approval is the tool's policy; "" means auto (the tool is
	// read-only, so auto asks no one).
	Approval tools.Approval
	// Now is the clock "since" counts back from; nil means time.Now.
	Now func() time.Time
}

// Reader is the read_history tool, a tools.Provider.
type Reader struct {
	opts Options
}

var _ tools.Provider = (*Reader)(nil)

// New returns a Reader.
func New(opts Options) *Reader {
	if opts.Approval == "" {
		opts.Approval = tools.ApprovalAuto
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Reader{opts: opts}
}

// Name is ProviderName.
func (r *Reader) Name() string { return ProviderName }

// schema has no channel or thread argument on purpose: the conversation is
// the question's (tools.Origin).
var schema = json.RawMessage(`{"type":"object","properties":{` +
	`"scope":{"type":"string","enum":["thread","channel"],"description":"thread: this conversation (default); channel: the channel it is in"},` +
	`"limit":{"type":"integer","minimum":1,"maximum":` + strconv.Itoa(MaxMessages) + `,"description":"how many of the newest messages to read (default ` + strconv.Itoa(DefaultMessages) + `)"},` +
	`"since":{"type":"string","description":"only messages newer than this duration ago, e.g. 24h, 90m, 7d"}` +
	`},"additionalProperties":false}`)

// Tools returns the one tool, read_history.
func (r *Reader) Tools() []tools.Tool {
	return []tools.Tool{{
		Name:     ToolName,
		Provider: ProviderName,
		Remote:   ToolName,
		Description: "Read earlier messages of this conversation (its thread, or the channel it is in) than those you were given, " +
			"oldest first, as lines \"[time] name: text\". Only this conversation can be read.",
		Schema:   schema,
		ReadOnly: true,
		Approval: r.opts.Approval,
	}}
}

// args are the model's arguments.
type args struct {
	Scope string `json:"scope"`
	Limit *int   `json:"limit"`
	Since string `json:"since"`
}

// Call reads the origin's conversation. Arguments it cannot use (an
// unknown scope, a channel the model named) are an Output with IsError,
// for the model; the error return is for a read that failed.
func (r *Reader) Call(ctx context.Context, _ tools.Tool, raw json.RawMessage, _ string) (tools.Output, error) {
	o, ok := tools.OriginFrom(ctx)
	if !ok || o.Reader == nil {
		return failed("the history of this conversation cannot be read here"), nil
	}
	q, problem := r.query(o, raw)
	if problem != "" {
		return failed(problem), nil
	}
	span, err := o.Reader.ReadSpan(ctx, q)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return tools.Output{}, ctx.Err()
	case errors.Is(err, bots.ErrNoAccess):
		return failed("the bot cannot read this conversation's history"), nil
	case len(span.Messages) == 0:
		return tools.Output{}, fmt.Errorf("%w: read history: %v", tools.ErrUnavailable, err)
	default:
		span.Truncated = true // what was read before the failure
	}
	return tools.Output{Text: render(span, scopeName(q))}, nil
}

// query builds the read from the origin and the arguments.
func (r *Reader) query(o tools.Origin, raw json.RawMessage) (bots.SpanQuery, string) {
	var in args
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return bots.SpanQuery{}, "arguments are scope (\"thread\" or \"channel\"), limit (1 to " + strconv.Itoa(MaxMessages) +
			") and since (e.g. \"24h\"); only this conversation can be read, so no channel or thread can be named"
	}
	q := bots.SpanQuery{Key: o.Key, Limit: DefaultMessages}
	switch strings.ToLower(strings.TrimSpace(in.Scope)) {
	case "", ScopeThread:
	case ScopeChannel:
		// The channel the question is in (a thread's parent); in a DM
		// that DM itself.
		q.Key = bots.ConversationKey{Platform: o.Key.Platform, Team: o.Key.Team, Channel: o.Channel}
		if o.DM || o.Channel == "" {
			q.Key.Channel = o.Key.Channel
		}
	default:
		return q, "scope must be \"thread\" or \"channel\""
	}
	if in.Limit != nil {
		q.Limit = min(max(*in.Limit, 1), MaxMessages)
	}
	if s := strings.TrimSpace(in.Since); s != "" {
		d, err := parseSince(s)
		if err != nil {
			return q, "since must be a duration such as 24h, 90m or 7d"
		}
		q.Since = r.opts.Now().Add(-min(d, maxSince))
	}
	return q, ""
}

// parseSince accepts Go durations and a number of days ("7d").
func parseSince(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n <= 0 {
			return 0, errors.New("bad days")
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("bad duration")
	}
	return d, nil
}

func scopeName(q bots.SpanQuery) string {
	if q.Key.Thread != "" {
		return "thread"
	}
	return "channel"
}

// render writes the span as "[time] name: text" lines, oldest first; a
// message of several lines keeps them, indented.
func render(span bots.Span, scope string) string {
	var b strings.Builder
	if len(span.Messages) == 0 {
		return "No messages in this " + scope + " for that period."
	}
	fmt.Fprintf(&b, "%d message(s) of this %s, oldest first", len(span.Messages), scope)
	if span.Truncated {
		b.WriteString(" (older ones exist: ask with a larger limit or since)")
	}
	b.WriteString(":\n")
	for _, m := range span.Messages {
		name := m.Author
		if name == "" {
			name = m.UserID
		}
		if m.Bot {
			name += " (bot)"
		}
		text := strings.ReplaceAll(strings.TrimSpace(m.Text), "\n", "\n  ")
		fmt.Fprintf(&b, "[%s] %s: %s\n", m.Time.UTC().Format("2006-01-02 15:04 UTC"), name, text)
	}
	return b.String()
}

func failed(text string) tools.Output { return tools.Output{IsError: true, Text: text} }
