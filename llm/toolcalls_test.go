package llm

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestToolCallCaptures replays real tool-call streams (testdata, with
// their sources in /work/shared/fixtures/README.md).
func TestToolCallCaptures(t *testing.T) {
	for _, tc := range []struct {
		file   string
		calls  []ToolCall
		prompt int
		cost   float64
	}{
		{"openrouter-stream-tool-call.sse", []ToolCall{{ID: "call_L7mHMq49ZSUTBHjLJfBIP2eT", Name: "get_weather", Arguments: `{"city":"Paris"}`}}, 67, 0.00001305},
		{"together-stream-tool-call.sse", []ToolCall{{ID: "call_yu1mxtmex7x48nximi9c8jpo", Name: "get_weather", Arguments: `{"city":"Paris"}`}}, 194, 0},
		{"ollama-stream-tool-calls.sse", []ToolCall{
			{ID: "call_wteop8bt", Name: "run_command", Arguments: `{"command":"ls"}`},
			{ID: "call_rk2xye1l", Name: "run_command", Arguments: `{"command":"ls -l"}`},
		}, 0, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := newTestClient(t, Options{}, nil)
			s := readerStream(c, strings.NewReader(readFixture(t, tc.file)))
			text, err := drain(t, s)
			if err != nil || text != "" {
				t.Fatalf("%q %v", text, err)
			}
			res := s.Result()
			if res.FinishReason != "tool_calls" || len(res.ToolCalls) != len(tc.calls) {
				t.Fatalf("%+v", res)
			}
			for i, want := range tc.calls {
				if got := res.ToolCalls[i]; got != want {
					t.Fatalf("call %d %+v, want %+v", i, got, want)
				}
			}
			if tc.prompt > 0 && (res.Usage.PromptTokens != tc.prompt || res.Usage.Estimated) {
				t.Fatalf("usage %+v", res.Usage)
			}
			if tc.cost > 0 && (res.Usage.CostUSD != tc.cost || !res.Usage.CostFromProvider) {
				t.Fatalf("cost %+v", res.Usage)
			}
		})
	}
}

// sse renders chunk data lines as a stream ending in [DONE].
func sse(chunks ...string) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString("data: " + c + "\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return b.String()
}

func delta(d string) string { return `{"id":"gen-1","choices":[{"index":0,"delta":` + d + `}]}` }

// TestToolAssemblerShapes: the delta shapes of toolchunk.go, one by one.
func TestToolAssemblerShapes(t *testing.T) {
	c := newTestClient(t, Options{}, nil)
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []ToolCall
	}{
		{"split by index", []string{
			delta(`{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}}]}`),
			delta(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\""}}]}`),
			delta(`{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{"x":1}`}}},
		{"parallel in one delta (Mistral)", []string{
			delta(`{"tool_calls":[{"id":"AAAAAAAAA","function":{"name":"f","arguments":"{}"},"index":0},{"id":"BBBBBBBBB","function":{"name":"g","arguments":"{\"y\":2}"},"index":1}]}`),
		}, []ToolCall{{ID: "AAAAAAAAA", Name: "f", Arguments: `{}`}, {ID: "BBBBBBBBB", Name: "g", Arguments: `{"y":2}`}}},
		{"no index, distinct ids (old Ollama)", []string{
			delta(`{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{}"}}]}`),
			delta(`{"tool_calls":[{"id":"b","function":{"name":"f","arguments":"{\"z\":3}"}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{}`}, {ID: "b", Name: "f", Arguments: `{"z":3}`}}},
		{"no index, no id after the first", []string{
			delta(`{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{\"k\":"}}]}`),
			delta(`{"tool_calls":[{"function":{"arguments":"true}"}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{"k":true}`}}},
		{"index reused for a new call", []string{
			delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{}"}}]}`),
			delta(`{"tool_calls":[{"index":0,"id":"b","function":{"name":"g","arguments":"{}"}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{}`}, {ID: "b", Name: "g", Arguments: `{}`}}},
		{"id and name repeated in every delta", []string{
			delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{\"q\":"}}]}`),
			delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"\"v\"}"}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{"q":"v"}`}}},
		{"arguments as an object", []string{
			delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":{"n":[1,2]}}}]}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{"n":[1,2]}`}}},
		{"text, then the call, finish with the arguments (Together)", []string{
			delta(`{"content":"Checking."}`),
			delta(`{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}}]}`),
			`{"choices":[{"index":0,"finish_reason":"tool_calls","delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}`,
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{}`}}},
		{"null fields", []string{
			delta(`{"content":null,"tool_calls":[{"index":0,"id":"a","type":null,"function":{"name":"f","arguments":null}}]}`),
			delta(`{"tool_calls":null}`),
		}, []ToolCall{{ID: "a", Name: "f", Arguments: `{}`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := readerStream(c, strings.NewReader(sse(tc.chunks...)))
			if _, err := drain(t, s); err != nil {
				t.Fatal(err)
			}
			got := s.Result().ToolCalls
			if len(got) != len(tc.want) {
				t.Fatalf("calls %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("call %d %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestSynthesizedToolIDs: calls without an id, or with an id an earlier
// call of the round took, get distinct ids valid under Mistral's rule,
// the same for the same stream.
func TestSynthesizedToolIDs(t *testing.T) {
	c := newTestClient(t, Options{}, nil)
	body := sse(
		delta(`{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]}`),
		delta(`{"tool_calls":[{"index":1,"function":{"name":"g","arguments":"{}"}}]}`),
		delta(`{"tool_calls":[{"index":2,"id":"dup","function":{"name":"g","arguments":"{}"}},{"index":3,"id":"dup","function":{"name":"g","arguments":"{}"}}]}`),
	)
	var first []ToolCall
	for range 2 {
		s := readerStream(c, strings.NewReader(body))
		if _, err := drain(t, s); err != nil {
			t.Fatal(err)
		}
		calls := s.Result().ToolCalls
		if len(calls) != 4 || !MistralToolID(calls[0].ID) || !MistralToolID(calls[1].ID) || calls[0].ID == calls[1].ID ||
			calls[2].ID != "dup" || calls[3].ID == "dup" || !MistralToolID(calls[3].ID) {
			t.Fatalf("%+v", calls)
		}
		if first != nil && first[0].ID != calls[0].ID {
			t.Fatal("synthesized ids differ between two reads of the same stream")
		}
		first = calls
	}
}

// TestToolCallsOnlyAfterACompleteStream: a stream cut in the middle of a
// call's arguments reports the error and no calls to run.
func TestToolCallsOnlyAfterACompleteStream(t *testing.T) {
	c := newTestClient(t, Options{}, nil)
	body := "data: " + delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{\"x\":"}}]}`) + "\n\n"
	s := readerStream(c, strings.NewReader(body))
	_, err := drain(t, s)
	if e := asError(t, err); e.Code != CodeUnavailable || len(s.Result().ToolCalls) != 0 {
		t.Fatalf("%v %+v", err, s.Result().ToolCalls)
	}
}

// TestToolIDMap: invalid ids map to valid, distinct ids that avoid the
// valid ids already in the history; valid ids are kept; no map at all
// when nothing needs one.
func TestToolIDMap(t *testing.T) {
	if m := toolIDMap([]Message{{Role: RoleUser, Content: "x"}, AssistantToolCalls("", []ToolCall{{ID: "abcDEF123"}})}); m != nil {
		t.Fatalf("map for valid ids: %v", m)
	}
	// An id equal to what "call_1" hashes to is taken: the mapping must
	// step past it.
	taken := hashID("call_1", 0)
	msgs := []Message{
		AssistantToolCalls("", []ToolCall{{ID: taken}, {ID: "call_1"}, {ID: "call_2"}, {ID: "x-y"}}),
		ToolResult(ToolCall{ID: "call_1"}, ""), ToolResult(ToolCall{ID: taken}, ""),
	}
	m := toolIDMap(msgs)
	if len(m) != 3 || m["call_1"] == taken || m["call_1"] != hashID("call_1", 1) {
		t.Fatalf("%v (taken %s)", m, taken)
	}
	seen := map[string]bool{taken: true}
	for k, v := range m {
		if !MistralToolID(v) || seen[v] {
			t.Fatalf("%s -> %s", k, v)
		}
		seen[v] = true
	}
	for _, id := range []string{"abcdefghi", "ABCDEFGH9"} {
		if !MistralToolID(id) {
			t.Fatal(id)
		}
	}
	for _, id := range []string{"abcdefgh", "abcdefghij", "abc_efghi", "abcdéfgh", ""} {
		if MistralToolID(id) {
			t.Fatal(id)
		}
	}
}

// TestWebSearch: OpenRouter's web plugin goes out as plugins
// [{"id":"web","max_results":3}], the sources come back as Citations
// (deduplicated, in order) next to the text; the other dialects refuse
// the option before any request.
func TestWebSearch(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, Options{})
	h.srv.Script(llmtest.Scenario{Reply: "It rains.", Citations: []llmtest.Citation{
		{URL: "https://meteo.example/paris", Title: "Paris weather"},
		{URL: "https://news.example/rain", Title: ""},
		{URL: "https://meteo.example/paris", Title: "again"},
	}})
	if !h.c.WebSearchAvailable() {
		t.Fatal("OpenRouter has web search")
	}
	text, res, err := h.run(t, Request{Messages: []Message{{Role: RoleUser, Content: "Rain in Paris?"}}, WebSearch: &WebSearch{MaxResults: 3}})
	if err != nil || text != "It rains." {
		t.Fatalf("%q %v", text, err)
	}
	want := []Citation{{URL: "https://meteo.example/paris", Title: "Paris weather"}, {URL: "https://news.example/rain"}}
	if len(res.Citations) != 2 || res.Citations[0] != want[0] || res.Citations[1] != want[1] {
		t.Fatalf("citations %+v", res.Citations)
	}
	if rec := h.srv.ChatRequests()[0]; rec.Plugins != `[{"id":"web","max_results":3}]` {
		t.Fatalf("plugins %q in %s", rec.Plugins, rec.Body)
	}
	for _, d := range []llmtest.Dialect{llmtest.Mistral, llmtest.OpenAI} {
		h := newHarness(t, llmtest.Options{Dialect: d}, Options{})
		_, err := h.c.Stream(context.Background(), Request{Messages: []Message{{Role: RoleUser, Content: "x"}}, WebSearch: &WebSearch{}})
		if e := asError(t, err); e.Code != CodeInvalid || h.c.WebSearchAvailable() || len(h.srv.Requests()) != 0 {
			t.Fatalf("%s: %v", d, err)
		}
	}
}

// TestToolCallEstimates: without usage from the server, the calls count
// in the completion estimate, and recorded calls and declared tools in
// the prompt estimate.
func TestToolCallEstimates(t *testing.T) {
	c := newTestClient(t, Options{}, nil)
	args := `{"query":"` + strings.Repeat("word ", 60) + `"}`
	body := sse(delta(`{"tool_calls":[{"index":0,"id":"a","function":{"name":"search","arguments":` + quoteJSON(args) + `}}]}`))
	s := readerStream(c, strings.NewReader(body))
	if _, err := drain(t, s); err != nil {
		t.Fatal(err)
	}
	if u := s.Result().Usage; !u.Estimated || u.CompletionTokens < 100 {
		t.Fatalf("usage %+v", u)
	}
	plain := []Message{{Role: RoleUser, Content: "x"}}
	withCall := append(plain, AssistantToolCalls("", []ToolCall{{ID: "a", Name: "search", Arguments: args}}))
	if e := c.Estimator(); e.EstimateMessages(withCall) < e.EstimateMessages(plain)+100 || e.EstimateTools([]Tool{weatherTool}) < 20 {
		t.Fatal("tool calls or tools not counted in the prompt estimate")
	}
}

func quoteJSON(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// TestKnownToolModels: the catalogue's Small 3.2 and Small 4 ids take
// tools.
func TestKnownToolModels(t *testing.T) {
	for _, id := range []string{"mistralai/mistral-small-3.2-24b-instruct", "mistralai/mistral-small-2603", "mistral-small-latest", "mistral-small-2506", "mistral-small3.2:latest"} {
		if !KnownToolModel(id) {
			t.Fatal(id)
		}
	}
	if KnownToolModel("llama3") {
		t.Fatal("llama3 is not in the catalogue")
	}
}
