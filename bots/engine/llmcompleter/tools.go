package llmcompleter

import (
	"mistralbot/bots"
	"mistralbot/llm"
)

// Function calling, mapped both ways between the domain's port
// (bots/toolcalls.go) and the client's API (llm/tools.go).

var _ bots.ToolTaker = (*Client)(nil)

// TakesTools implements bots.ToolTaker.
func (c *Client) TakesTools(model string) bool { return c.c.TakesTools(model) }

// toolFields sets the request's tools, tool choice and web search.
func (c *Client) toolFields(r bots.ModelRequest, out *llm.Request) {
	if len(r.Tools) > 0 {
		out.Tools = make([]llm.Tool, len(r.Tools))
		for i, t := range r.Tools {
			out.Tools[i] = llm.Tool{Name: t.Name, Description: t.Description, Parameters: t.Parameters}
		}
		if r.NoToolCalls {
			out.ToolChoice = llm.ToolChoice{Mode: llm.ToolChoiceNone}
		}
	}
	// Only OpenRouter searches on chat completions (llm.WebSearch): the
	// request is answered without it elsewhere.
	if r.WebSearch && c.c.WebSearchAvailable() {
		out.WebSearch = &llm.WebSearch{}
	}
}

// toolMessage copies a message's tool fields.
func toolMessage(m bots.ModelMessage, out *llm.Message) {
	out.ToolCallID, out.Name = m.ToolCallID, m.Name
	if len(m.ToolCalls) == 0 {
		return
	}
	out.ToolCalls = make([]llm.ToolCall, len(m.ToolCalls))
	for i, tc := range m.ToolCalls {
		out.ToolCalls[i] = llm.ToolCall{ID: tc.ID, Name: tc.Name, Arguments: tc.Arguments}
	}
}

// toolResult copies a round's calls (a malformed one with the text the
// model is to get back) and citations.
func toolResult(r llm.Result, out *bots.ModelResult) {
	if len(r.ToolCalls) > 0 {
		out.ToolCalls = make([]bots.ToolCall, len(r.ToolCalls))
		for i, tc := range r.ToolCalls {
			out.ToolCalls[i] = bots.ToolCall{ID: tc.ID, Name: tc.Name, Arguments: tc.Arguments, Problem: tc.Problem.Error()}
		}
	}
	for _, ct := range r.Citations {
		out.Citations = append(out.Citations, bots.Citation{URL: ct.URL, Title: ct.Title})
	}
}
