package engine

import (
	"context"
	"encoding/json"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
)

// answerCall answers one call of a round with the text of its tool
// message: a malformed call its problem, a call over a limit a refusal,
// the others what the tool (or the person asked) said.
func (s *toolStream) answerCall(c bots.ToolCall, limit string) string {
	e, t := s.a.e, s.t
	switch {
	case c.Problem != "":
		// Malformed (no name, undeclared, arguments not an object): never
		// run; the model reads why, once, and may call again correctly.
		e.log.InfoContext(s.ctx, "malformed tool call", "tool", c.Name, "problem", c.Problem)
		t.note(e.tr(t.lang, i18n.ToolFailed, tools.ExposedName("", c.Name)))
		return c.Problem
	case limit != "":
		return "Error: no more tool calls are allowed for this answer (" + limit + "). Answer with what you have."
	case e.opts.Tools.Runner == nil:
		return "Error: there are no tools here. Answer without them."
	}
	call := tools.Call{ID: c.ID, Key: tools.CallKey(t.answerID, s.round, c.ID), Name: c.Name, Arguments: json.RawMessage(c.Arguments)}
	tool, fail := e.opts.Tools.Runner.Resolve(t.channel, call)
	var res tools.Result
	switch {
	case fail != nil:
		res = *fail
	case !s.pastedLink(tool, call):
		res = tools.Result{CallID: call.ID, Key: call.Key, Tool: tool.Name, Failure: tools.FailureDenied,
			Text: "Error: " + tool.Name + " only reads links a person posted in this conversation, and this URL is not one of them. Answer without it."}
	case tool.NeedsApproval():
		res = s.approved(call, tool)
	default:
		res = s.run(call, tool)
	}
	s.settle(res)
	return res.Text
}

// run runs a call within what is left of the tools' time budget.
func (s *toolStream) run(call tools.Call, tool tools.Tool) tools.Result {
	e, t := s.a.e, s.t
	left := e.opts.Tools.Budget - s.spent
	ctx, cancel := context.WithTimeout(tools.WithOrigin(s.ctx, t.origin), left)
	defer cancel()
	running := e.tr(t.lang, i18n.ToolRunning, tool.Name)
	task := bots.ToolTask{ID: call.Key, Title: tool.Name, Status: running}
	asTask := t.task(ctx, task)
	if !asTask {
		t.progress(ctx, running)
	}
	start := time.Now()
	res := e.opts.Tools.Runner.Call(ctx, t.channel, call)
	s.spent += time.Since(start)
	if asTask {
		task.State, task.Status = bots.ToolTaskDone, ""
		if res.Failure != tools.FailureNone && res.Failure != tools.FailureCanceled {
			task.State = bots.ToolTaskFailed
		}
		t.task(s.ctx, task)
	}
	if res.Failure == tools.FailureCanceled && s.ctx.Err() == nil {
		// The answer goes on: it was the budget that ran out.
		res.Failure, res.Text = tools.FailureTimeout, "Error: "+tool.Name+" did not finish within the time left for tools in this answer."
	}
	e.log.InfoContext(s.ctx, "tool call", "tool", tool.Name, "failure", res.Failure.String(),
		"bytes", len(res.Text), "truncated", res.Truncated, "took", time.Since(start))
	return res
}

// settle keeps a result's sources and its note for the final text.
func (s *toolStream) settle(res tools.Result) {
	e, t := s.a.e, s.t
	for _, src := range res.Sources {
		t.source(src)
	}
	switch res.Failure {
	case tools.FailureNone, tools.FailureCanceled:
	case tools.FailureDenied:
		// approval.go has said what happened (denied or expired).
	default:
		t.note(e.tr(t.lang, i18n.ToolFailed, res.Tool))
	}
}

// task shows a call as a task on the reply when it can (bots.ToolTasks)
// and reports whether it did; when not, the status line serves.
func (t *toolTurn) task(ctx context.Context, task bots.ToolTask) bool {
	if t == nil || t.reply == nil {
		return false
	}
	p, ok := t.reply.(bots.ToolTasks)
	if !ok {
		return false
	}
	if err := p.ToolTask(ctx, task); err != nil {
		t.e.log.DebugContext(ctx, "tool task not shown", "err", err)
		return false
	}
	return true
}

// progress shows status on the reply when it can (bots.ToolProgress);
// a failure only costs the status.
func (t *toolTurn) progress(ctx context.Context, status string) {
	if t == nil || t.reply == nil {
		return
	}
	if p, ok := t.reply.(bots.ToolProgress); ok {
		if err := p.ToolStatus(ctx, status); err != nil {
			t.e.log.DebugContext(ctx, "tool status not shown", "err", err)
		}
	}
}
