package engine

import (
	"context"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/tools"
)

// The Engine's side of tools (issue 16): what it needs from the Toolbox,
// the options of the tool loop (toolloop.go) and of approvals
// (approval.go).

// ToolRunner is what the tool loop needs from a set of tools; the
// Toolbox of bots/tools implements it.
type ToolRunner interface {
	// Tools lists the tools a channel ("slack:C1") may use.
	Tools(channel string) []tools.Tool
	// Resolve finds the tool a call names, or the failed Result to give
	// the model instead (unknown here, arguments not an object).
	Resolve(channel string, c tools.Call) (tools.Tool, *tools.Result)
	// Call runs a resolved call, bounded in time and result size; it
	// never fails (errors are results) and runs a key at most once per
	// process.
	Call(ctx context.Context, channel string, c tools.Call) tools.Result
	// Deny is the result of a call a person refused (or let expire).
	Deny(c tools.Call, reason string) tools.Result
}

var _ ToolRunner = (*tools.Toolbox)(nil)

// ToolOptions configure the tool loop; a nil Runner offers no tools.
type ToolOptions struct {
	Runner ToolRunner
	// MaxRounds bounds the model -> tools -> model rounds of one answer
	// (tools.max_rounds); once used up, the model is asked to answer
	// without calling more. Default 4.
	MaxRounds int
	// Budget bounds the time the tools of one answer may take
	// (tools.budget), a person's approval excluded. Default 2m.
	Budget time.Duration
	// WebSearch has the provider search the web where it can
	// (tools.web_search).
	WebSearch bool
	// ApprovalTimeout is how long a call waits for a person's approval
	// before it is refused with a notice (tools.approval_timeout).
	// Default 10m. The reply's timeout grows by it when tools are on.
	ApprovalTimeout time.Duration
	// ApprovalPoll is how often a waiting call looks in the store for a
	// decision taken on another replica. Default 2s.
	ApprovalPoll time.Duration
	// PastedLinksOnly names the tools (exposed names: fetch_url) whose
	// "url" argument must be a link a person wrote in the conversation
	// (pasted.go): a page the model was talked into reading by another
	// page must not carry the conversation out in its URL.
	PastedLinksOnly []string
}

// Defaults of ToolOptions.
const (
	DefaultToolRounds      = 4
	DefaultToolBudget      = 2 * time.Minute
	DefaultApprovalTimeout = 10 * time.Minute
	DefaultApprovalPoll    = 2 * time.Second
)

func (o *ToolOptions) fill() {
	if o.MaxRounds <= 0 {
		o.MaxRounds = DefaultToolRounds
	}
	setDefault(&o.Budget, DefaultToolBudget)
	setDefault(&o.ApprovalTimeout, DefaultApprovalTimeout)
	setDefault(&o.ApprovalPoll, DefaultApprovalPoll)
}

// replyTimeout is one reply's time: a call waiting for approval may hold
// it up to ApprovalTimeout beyond the usual.
func (e *Engine) replyTimeout() time.Duration {
	if e.opts.Tools.Runner == nil {
		return e.opts.ReplyTimeout
	}
	return e.opts.ReplyTimeout + e.opts.Tools.ApprovalTimeout
}

// toolSpecs are the channel's tools in the model port's shape; none when
// the model is known to take none.
func (e *Engine) toolSpecs(channel, model string) []bots.ToolSpec {
	r := e.opts.Tools.Runner
	if r == nil {
		return nil
	}
	if tt, ok := e.opts.LLM.(bots.ToolTaker); ok && !tt.TakesTools(model) {
		return nil
	}
	ts := r.Tools(channel)
	out := make([]bots.ToolSpec, len(ts))
	for i, t := range ts {
		out[i] = bots.ToolSpec{Name: t.Name, Description: t.Description, Parameters: t.Schema}
	}
	return out
}
