package bots

import (
	"context"
	"encoding/json"
)

// Function calling in the model port (issue 16): the tools offered with a
// request, the calls the model asks for at the end of a round, the tool
// messages that carry their results back, and the sources a provider's
// web search returned. These mirror llm's types (llm/tools.go) without
// importing it; bots/engine/llmcompleter maps them both ways.

// RoleTool is the role of a message carrying a tool's result.
const RoleTool Role = "tool"

// CodeToolsUnsupported: the server refused the request because of its
// tools (the model or server has no function calling). The Engine asks
// again once without tools.
const CodeToolsUnsupported Code = "tools_unsupported"

// ToolSpec is a function the model may call.
type ToolSpec struct {
	// Name is what the model calls (1-64 of a-z, A-Z, 0-9, _ and -).
	Name        string
	Description string
	// Parameters is the JSON schema object of the arguments; nil means
	// no arguments.
	Parameters json.RawMessage
}

// ToolCall is one call the model asked for, or one recorded in an
// assistant message of the prompt.
type ToolCall struct {
	// ID pairs the call with its result message (ModelMessage.ToolCallID).
	ID   string
	Name string
	// Arguments is the JSON text the model wrote ("{}" for none).
	Arguments string
	// Problem, when not empty, says why the call cannot run as sent (no
	// name, an undeclared tool, arguments that are not a JSON object):
	// the text to give the model as the call's result. The call is never
	// run.
	Problem string
}

// Citation is a source a provider's web search returned.
type Citation struct {
	URL   string
	Title string
}

// ToolTaker is an optional Completer capability: whether a model takes
// tools (refusals seen, the live listing). A Completer without it is
// assumed to take them; a refusal comes back as CodeToolsUnsupported.
type ToolTaker interface {
	TakesTools(model string) bool
}

// ToolProgress is an optional Reply capability: it shows what the tools
// of the answer are doing while the answer waits on them (Discord: a
// status line under the text being written; Slack: the thread's status;
// the console: a line). status is a localized line, "" to clear it. It
// must not block on rate limits: a status that cannot be shown now may
// be dropped.
type ToolProgress interface {
	ToolStatus(ctx context.Context, status string) error
}

// ToolTaskState is where one tool call is.
type ToolTaskState int

const (
	ToolTaskRunning ToolTaskState = iota
	ToolTaskDone
	ToolTaskFailed
)

// ToolTask is one tool call as a reply may show it: ID names the call
// (the same for its start and its end), Title is the tool's name as the
// status shows it. Arguments are never part of it (they may hold
// secrets; only an approval prompt shows them). Status is the localized
// line ToolProgress would have shown ("" at the end), for a reply that
// cannot show the task after all.
type ToolTask struct {
	ID, Title string
	State     ToolTaskState
	Status    string
}

// ToolTasks is an optional Reply capability: it shows each tool call as a
// task of its own (Slack's native stream: task_update chunks). An error
// means the task is not shown: the Engine uses ToolProgress instead. It
// must not block on rate limits.
type ToolTasks interface {
	ToolTask(ctx context.Context, t ToolTask) error
}
