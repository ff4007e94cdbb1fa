package llmtest

import (
	"fmt"
	"strings"
)

// Tool calls and citations as each server streams them. The shapes:
//
//	OpenRouter  the OpenAI split shape as recorded (opencode's
//	            openai-compatible-chat/openrouter-streams-tool-call.json):
//	            {"content":null,"role":"assistant","tool_calls":[{"index":0,"id":..,"type":"function","function":{"name":..,"arguments":""}}]},
//	            then {"content":null,"role":"assistant","tool_calls":[{"index":0,"function":{"arguments":"{\""}}]} ...,
//	            then {"content":"","role":"assistant"} with finish_reason "tool_calls"
//	            (native_finish_reason "stop"), and the usage chunk with the same finish
//	Mistral     every call whole in one delta, each with its own index
//	            (comet-ml/opik#7385), finish_reason "tool_calls" and usage on it
//	vLLM,       first {"tool_calls":[{"id":..,"type":"function","index":0,"function":{"name":..,"arguments":""}}]},
//	llama.cpp   then index + argument pieces, then {} with finish_reason "tool_calls"
//	            (ggml-org/llama.cpp#12379, #28261)
//	Ollama      one chunk per whole call, {"role":"assistant","content":"","tool_calls":[{"id":"call_..","index":0,...}]},
//	            then {"role":"assistant","content":""} with "tool_calls"
//	            (g0t4/ask-openai.nvim's captures); NoToolIndex drops "index"
//	            as Ollama did before ollama/ollama#7881
//
// Citations go out in one OpenRouter delta after the text:
// {"role":"assistant","content":"","annotations":[{"type":"url_citation","url_citation":{...}}]}
// (https://openrouter.ai/docs/features/web-search).

// callID is the server's own id for call i of this answer.
func (st *streamer) callID(i int) string {
	h := uint64(st.seq*31+i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	gen := func(n int, set string) string {
		b := make([]byte, n)
		x := h
		for j := range b {
			b[j] = set[x%uint64(len(set))]
			x = x/uint64(len(set)) ^ (h << uint(j%7))
		}
		return string(b)
	}
	switch {
	case st.dialect() == Mistral, st.dialect() == OpenRouter && strings.HasPrefix(st.model, "mistralai/"):
		return gen(9, alnum)
	case st.dialect() == OpenRouter:
		return "call_" + gen(24, alnum)
	case st.srv.kind() == Ollama:
		return "call_" + gen(8, "abcdefghijklmnopqrstuvwxyz0123456789")
	case st.srv.kind() == LlamaCpp:
		return gen(32, alnum)
	}
	return fmt.Sprintf("chatcmpl-tool-%016x%016x", h, h*0xBF58476D1CE4E5B9)
}

// scriptedCalls returns the scenario's calls with their ids.
func (st *streamer) scriptedCalls() []ToolCall {
	calls := make([]ToolCall, len(st.sc.ToolCalls))
	for i, c := range st.sc.ToolCalls {
		if c.ID == "" {
			c.ID = st.callID(i)
		}
		calls[i] = c
	}
	return calls
}

// argPieces cuts a call's arguments as the split shapes stream them.
func (st *streamer) argPieces(args string) []string {
	n := st.sc.ArgPiece
	if n <= 0 {
		n = 5
	}
	return pieces(args, n)
}

// toolChunks returns the data of the chunks that carry the calls (the
// finish chunk not included) and how many pieces they count as tokens.
func (st *streamer) toolChunks() ([]string, int) {
	calls := st.scriptedCalls()
	if len(calls) == 0 {
		return nil, 0
	}
	idx := func(i int) string {
		if st.sc.NoToolIndex {
			return ""
		}
		return fmt.Sprintf(`"index":%d,`, i)
	}
	var out []string
	switch {
	case st.dialect() == Mistral:
		parts := make([]string, len(calls))
		for i, c := range calls {
			parts[i] = fmt.Sprintf(`{"id":%s,"function":{"name":%s,"arguments":%s},"index":%d}`, q(c.ID), q(c.Name), q(c.Arguments), i)
		}
		return []string{`{"tool_calls":[` + strings.Join(parts, ",") + `]}`}, len(calls)
	case st.srv.kind() == Ollama:
		for i, c := range calls {
			out = append(out, fmt.Sprintf(`{"role":"assistant","content":"","tool_calls":[{"id":%s,%s"type":"function","function":{"name":%s,"arguments":%s}}]}`,
				q(c.ID), idx(i), q(c.Name), q(c.Arguments)))
		}
		return out, len(calls)
	}
	prefix := ""
	if st.dialect() == OpenRouter {
		prefix = `"content":null,"role":"assistant",`
	}
	first := func(i int, c ToolCall) string {
		if st.dialect() == OpenRouter {
			return fmt.Sprintf(`{%s"tool_calls":[{%s"id":%s,"type":"function","function":{"name":%s,"arguments":""}}]}`, prefix, idx(i), q(c.ID), q(c.Name))
		}
		return fmt.Sprintf(`{"tool_calls":[{"id":%s,"type":"function",%s"function":{"name":%s,"arguments":""}}]}`, q(c.ID), idx(i), q(c.Name))
	}
	piece := func(i int, p string) string {
		return fmt.Sprintf(`{%s"tool_calls":[{%s"function":{"arguments":%s}}]}`, prefix, idx(i), q(p))
	}
	split := make([][]string, len(calls))
	for i, c := range calls {
		split[i] = st.argPieces(c.Arguments)
	}
	n := 0
	if st.sc.Interleave {
		for i, c := range calls {
			out = append(out, first(i, c))
		}
		for k := 0; ; k++ {
			more := false
			for i := range calls {
				if k < len(split[i]) {
					out = append(out, piece(i, split[i][k]))
					n++
					more = true
				}
			}
			if !more {
				break
			}
		}
		return out, n
	}
	for i, c := range calls {
		out = append(out, first(i, c))
		for _, p := range split[i] {
			out = append(out, piece(i, p))
			n++
		}
	}
	return out, n
}

// finishDelta is the delta of the chunk that carries finish_reason
// "tool_calls" (or "stop" after citations).
func (st *streamer) finishDelta() string {
	switch {
	case st.dialect() == OpenRouter:
		return `{"content":"","role":"assistant"}`
	case st.dialect() == Mistral:
		return `{"content":""}`
	case st.srv.kind() == Ollama:
		return `{"role":"assistant","content":""}`
	}
	return `{}`
}

// citationDelta is OpenRouter's annotations delta ("" for other
// dialects, which have no web search).
func (st *streamer) citationDelta() string {
	if len(st.sc.Citations) == 0 || st.dialect() != OpenRouter {
		return ""
	}
	parts := make([]string, len(st.sc.Citations))
	for i, c := range st.sc.Citations {
		parts[i] = fmt.Sprintf(`{"type":"url_citation","url_citation":{"url":%s,"title":%s,"content":"","start_index":0,"end_index":0}}`, q(c.URL), q(c.Title))
	}
	return `{"role":"assistant","content":"","annotations":[` + strings.Join(parts, ",") + `]}`
}
