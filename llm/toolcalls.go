package llm

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// toolAssembler joins the tool_calls deltas of one stream into calls
// (the shapes are listed in toolchunk.go). A delta goes to:
//   - the call with its index, unless it carries an id different from
//     that call's: then a server reused the index for a new call
//     (langchain-ai/langchain#38673 saw index 0 on every Mistral call);
//   - without an index, the call with its id, else a new call;
//   - with neither, the call the previous delta went to.
//
// The first non-empty id and name stick (some servers repeat them in
// every delta); argument strings are concatenated; arguments sent as a
// JSON value replace what came before. It copies what it keeps, so the
// chunk's views may be reused. The zero value is ready; reset keeps the
// buffers for the next stream.
type toolAssembler struct {
	calls []partialCall
	n     int // calls in use
	last  int // slot of the previous delta; -1 none
}

type partialCall struct {
	index    int // the provider's; -1 when it sent none
	id, name []byte
	args     []byte
}

func (a *toolAssembler) reset() {
	a.n, a.last = 0, -1
}

// add takes one delta.
func (a *toolAssembler) add(d toolDelta) {
	if a.n == 0 {
		a.last = -1
	}
	slot := -1
	switch {
	case d.hasIndex:
		for i := a.n - 1; i >= 0; i-- {
			if a.calls[i].index == d.index {
				slot = i
				break
			}
		}
		if slot >= 0 && len(d.id) > 0 && len(a.calls[slot].id) > 0 && !bytes.Equal(d.id, a.calls[slot].id) {
			slot = -1
		}
	case len(d.id) > 0:
		for i := 0; i < a.n; i++ {
			if bytes.Equal(a.calls[i].id, d.id) {
				slot = i
				break
			}
		}
	default:
		slot = a.last
	}
	if slot < 0 {
		slot = a.grow()
		a.calls[slot].index = -1
		if d.hasIndex {
			a.calls[slot].index = d.index
		}
	}
	c := &a.calls[slot]
	if len(c.id) == 0 && len(d.id) > 0 {
		c.id = append(c.id[:0], d.id...)
	}
	if len(d.name) > 0 && !bytes.Equal(c.name, d.name) {
		// A first name, or a name sent in pieces.
		c.name = append(c.name, d.name...)
	}
	if d.argsValue {
		c.args = append(c.args[:0], d.args...)
	} else {
		c.args = append(c.args, d.args...)
	}
	a.last = slot
}

// grow takes the next slot, reusing its buffers.
func (a *toolAssembler) grow() int {
	if a.n == len(a.calls) {
		a.calls = append(a.calls, partialCall{})
	}
	c := &a.calls[a.n]
	c.id, c.name, c.args = c.id[:0], c.name[:0], c.args[:0]
	a.n++
	return a.n - 1
}

// argsTokens is the uncalibrated token estimate of the calls so far, for
// a completion estimate when the provider sends no usage.
func (a *toolAssembler) argsTokens() int {
	var t tally
	for i := 0; i < a.n; i++ {
		t.add(string(a.calls[i].name))
		t.add(string(a.calls[i].args))
	}
	return t.tokens()
}

// finish returns the assembled calls, each checked against the declared
// tool names (nil: no check). A call without an id, or with one an
// earlier call took, gets an id derived from seed (the generation id)
// and its position, valid under Mistral's rule. Nil when no call came.
func (a *toolAssembler) finish(tools []Tool, seed string) []ToolCall {
	if a.n == 0 {
		return nil
	}
	out := make([]ToolCall, a.n)
	seen := make(map[string]bool, a.n)
	for i := 0; i < a.n; i++ {
		c := &a.calls[i]
		tc := ToolCall{ID: string(c.id), Name: string(bytes.TrimSpace(c.name)), Arguments: string(bytes.TrimSpace(c.args))}
		if tc.ID == "" || seen[tc.ID] {
			tc.ID = hashID(seed+"#"+strconv.Itoa(i), 0)
		}
		seen[tc.ID] = true
		if tc.Arguments == "" {
			tc.Arguments = "{}"
		}
		tc.Problem = callProblem(tc, tools)
		out[i] = tc
	}
	return out
}

// callProblem says why tc cannot be run, nil when it can.
func callProblem(tc ToolCall, tools []Tool) *ToolCallError {
	if tc.Name == "" {
		return &ToolCallError{Kind: ProblemNoName}
	}
	if tools != nil && !declared(tools, tc.Name) {
		return &ToolCallError{Kind: ProblemUnknownTool, Detail: tc.Name}
	}
	if !jsonObject([]byte(tc.Arguments)) {
		return &ToolCallError{Kind: ProblemBadJSON, Detail: argsExcerpt(tc.Arguments)}
	}
	return nil
}

func declared(tools []Tool, name string) bool {
	for _, t := range tools {
		if t.Name == name {
			return true
		}
	}
	return false
}

// argsExcerpt quotes at most 80 bytes of bad arguments, with what JSON
// found wrong, so the model sees its mistake.
func argsExcerpt(args string) string {
	why := "not an object"
	var v any
	if err := json.Unmarshal([]byte(args), &v); err != nil {
		why = err.Error()
	}
	if len(args) > 80 {
		cut := 80
		for cut > 0 && !isRuneStartByte(args[cut]) {
			cut--
		}
		args = args[:cut] + "..."
	}
	return why + ": " + strconv.Quote(args)
}

func isRuneStartByte(b byte) bool { return b&0xC0 != 0x80 }
