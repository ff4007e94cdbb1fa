package llm

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Function calling: what the engine's tool loop gives the client and gets
// back. One round is
//
//	req.Tools = tools                         // every round, unchanged
//	s, err := client.Stream(ctx, req)         // CodeToolsUnsupported: drop req.Tools, ask again
//	for { text, err := s.Next(); ... }        // visible text, if any, then io.EOF
//	res := s.Result()                         // res.Usage: this round's usage, add it up
//	if len(res.ToolCalls) == 0 { done }       // the answer is the text
//	req.Messages = append(req.Messages, AssistantToolCalls(text, res.ToolCalls))
//	for _, call := range res.ToolCalls {
//	    out := call.Problem.Error()           // a malformed call: not run, the model is told why
//	    if call.Problem == nil { out = run(call.Name, call.Arguments) }
//	    req.Messages = append(req.Messages, ToolResult(call, out))
//	}
//
// The ids in ToolCalls are the model's own (or synthesized when a server
// sent none); the client rewrites ids that break Mistral's rule on the
// wire only (toolids.go), so the history can keep them as they came.
// Providers: https://docs.mistral.ai/capabilities/function_calling/ and
// https://openrouter.ai/docs/features/tool-calling (OpenAI's shape).

// RoleTool is the role of a message carrying a tool's result.
const RoleTool Role = "tool"

// Tool is a function the model may call.
type Tool struct {
	// Name is what the model calls: 1-64 of a-z, A-Z, 0-9, _ and -
	// (OpenAI's rule, which OpenRouter and Mistral apply as well).
	Name        string
	Description string
	// Parameters is the JSON schema of the arguments, an object schema;
	// nil means no arguments ({"type":"object","properties":{}}).
	Parameters json.RawMessage
}

// ToolChoiceMode says whether and which tools the model must call.
type ToolChoiceMode string

// The tool choice modes. The zero ToolChoice sends none: the provider's
// default, which is auto when tools are given.
const (
	ToolChoiceAuto     ToolChoiceMode = "auto"
	ToolChoiceNone     ToolChoiceMode = "none"
	ToolChoiceRequired ToolChoiceMode = "required" // Mistral: "any"
	ToolChoiceFunction ToolChoiceMode = "function" // ToolChoice.Function must be called
)

// ToolChoice is the request's tool_choice.
type ToolChoice struct {
	Mode ToolChoiceMode
	// Function names the tool to call with ToolChoiceFunction.
	Function string
}

// ToolCall is one call the model asked for, as assembled from the
// stream, or one recorded in an assistant message of the history.
type ToolCall struct {
	// ID pairs the call with its ToolResult.
	ID   string
	Name string
	// Arguments is the JSON object text of the arguments ("{}" when the
	// model sent none).
	Arguments string
	// Problem is set when the call cannot be run as sent (no name, an
	// unknown tool, arguments that are not a JSON object): do not run it;
	// send Problem.Error() back as its result so the model can correct
	// itself. Nil for a well-formed call.
	Problem *ToolCallError
}

// ToolProblem is the kind of a malformed tool call.
type ToolProblem string

// The ways a tool call can be malformed.
const (
	ProblemNoName      ToolProblem = "no_name"
	ProblemUnknownTool ToolProblem = "unknown_tool"
	ProblemBadJSON     ToolProblem = "invalid_arguments"
)

// ToolCallError says why a tool call was not run. Its Error text is
// written for the model, which reads it as the call's result.
type ToolCallError struct {
	Kind ToolProblem
	// Detail is the offending name or a short excerpt of the arguments.
	Detail string
}

// Error returns the text the model gets as the tool result; "" for nil,
// so call.Problem.Error() is safe on a well-formed call.
func (e *ToolCallError) Error() string {
	if e == nil {
		return ""
	}
	switch e.Kind {
	case ProblemNoName:
		return "error: the tool call has no function name; call one of the listed tools by name"
	case ProblemUnknownTool:
		return fmt.Sprintf("error: there is no tool named %q; call one of the listed tools", e.Detail)
	}
	return fmt.Sprintf("error: the arguments are not a valid JSON object (%s); call the tool again with arguments matching its schema", e.Detail)
}

// Citation is a source a server-side web search returned (OpenRouter's
// url_citation annotations), for listing under the answer.
type Citation struct {
	URL   string
	Title string
}

// WebSearch asks the provider to search the web before answering and to
// return its sources as Result.Citations. Only OpenRouter offers it on
// chat completions (WebSearchAvailable).
type WebSearch struct {
	// MaxResults bounds the results (OpenRouter's default 5; it charges
	// per result: https://openrouter.ai/docs/features/web-search).
	MaxResults int
}

// AssistantToolCalls returns the assistant message that records a round's
// text and calls, to append to the history before their results.
func AssistantToolCalls(text string, calls []ToolCall) Message {
	return Message{Role: RoleAssistant, Content: text, ToolCalls: calls}
}

// ToolResult returns the tool message that answers call with content.
func ToolResult(call ToolCall, content string) Message {
	return Message{Role: RoleTool, Content: content, ToolCallID: call.ID, Name: call.Name}
}

// toolName is OpenAI's function name rule.
var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// checkTools refuses a request whose tools no provider would take, with
// the tool at fault named, before any round trip.
func checkTools(req Request) *Error {
	seen := map[string]bool{}
	for _, t := range req.Tools {
		switch {
		case !toolName.MatchString(t.Name):
			return &Error{Code: CodeInvalid, Message: fmt.Sprintf("tool name %q: want 1-64 of a-z, A-Z, 0-9, _ and -", t.Name)}
		case seen[t.Name]:
			return &Error{Code: CodeInvalid, Message: fmt.Sprintf("tool %q is declared twice", t.Name)}
		case t.Parameters != nil && !jsonObject(t.Parameters):
			return &Error{Code: CodeInvalid, Message: fmt.Sprintf("tool %q: parameters are not a JSON schema object", t.Name)}
		}
		seen[t.Name] = true
	}
	if c := req.ToolChoice; c.Mode == ToolChoiceFunction && !seen[c.Function] {
		return &Error{Code: CodeInvalid, Message: fmt.Sprintf("tool_choice names %q, which is not among the tools", c.Function)}
	}
	return nil
}

// jsonObject reports whether b is one valid JSON object.
func jsonObject(b []byte) bool {
	s := strings.TrimSpace(string(b))
	return strings.HasPrefix(s, "{") && json.Valid([]byte(s))
}
