package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

var weatherTool = Tool{
	Name:        "get_weather",
	Description: "Current weather of a city.",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`),
}

var timeTool = Tool{Name: "get_time", Description: "Local time of a city."}

// toolDialects are the servers a tool round is played against.
var toolDialects = []struct {
	name   string
	so     llmtest.Options
	model  string
	byName bool // the tool message carries the function name (Mistral)
}{
	{"openrouter", llmtest.Options{Dialect: llmtest.OpenRouter}, "mistralai/mistral-small-3.2-24b-instruct", false},
	{"mistral", llmtest.Options{Dialect: llmtest.Mistral}, "mistral-small-latest", true},
	{"vllm", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.VLLM}, "mistral-small", false},
	{"llamacpp", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp}, "mistral-small", false},
	{"ollama", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama}, "mistral-small3.2", false},
}

// TestToolRoundEachDialect plays two parallel calls (arguments split into
// 3-byte pieces where the server splits them) and the round that sends
// their results back, in every dialect: the calls are assembled whole,
// the second request carries the assistant tool_calls and one tool
// message per call in the dialect's exact shape, and each round's usage
// is the server's count.
func TestToolRoundEachDialect(t *testing.T) {
	for _, d := range toolDialects {
		for _, interleave := range []bool{false, true} {
			name := d.name
			if interleave {
				name += "/interleaved"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, d.so, Options{Model: d.model})
				h.srv.Script(
					llmtest.Scenario{Reply: "Let me check.", ArgPiece: 3, Interleave: interleave, ToolCalls: []llmtest.ToolCall{
						{Name: "get_weather", Arguments: `{"city":"Paris"}`},
						{Name: "get_time", Arguments: `{"city":"Zürich"}`},
					}},
					llmtest.Scenario{Reply: "18°C in Paris, 14:05 in Zürich."},
				)
				req := Request{
					Messages:   []Message{{Role: RoleUser, Content: "Weather in Paris, time in Zürich?"}},
					Tools:      []Tool{weatherTool, timeTool},
					ToolChoice: ToolChoice{Mode: ToolChoiceRequired},
				}
				text, res, err := h.run(t, req)
				if err != nil {
					t.Fatal(err)
				}
				if text != "Let me check." || res.FinishReason != "tool_calls" {
					t.Fatalf("text %q finish %q", text, res.FinishReason)
				}
				if len(res.ToolCalls) != 2 {
					t.Fatalf("calls %+v", res.ToolCalls)
				}
				w, tm := res.ToolCalls[0], res.ToolCalls[1]
				if w.Name != "get_weather" || w.Arguments != `{"city":"Paris"}` || w.Problem != nil ||
					tm.Name != "get_time" || tm.Arguments != `{"city":"Zürich"}` || tm.Problem != nil || w.ID == "" || w.ID == tm.ID {
					t.Fatalf("calls %+v", res.ToolCalls)
				}
				first := h.srv.ChatRequests()[0]
				checkUsage(t, res, first)
				body := string(first.Body)
				wantChoice := `"tool_choice":"required"`
				if d.so.Dialect == llmtest.Mistral {
					wantChoice = `"tool_choice":"any"`
				}
				wantTools := `"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather of a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},` +
					`{"type":"function","function":{"name":"get_time","description":"Local time of a city.","parameters":{"type":"object","properties":{}}}}],` + wantChoice
				if !strings.Contains(body, wantTools) {
					t.Fatalf("request body %s\nwant %s", body, wantTools)
				}

				req.Messages = append(req.Messages, AssistantToolCalls(text, res.ToolCalls),
					ToolResult(w, `{"temp_c":18}`), ToolResult(tm, "14:05"))
				text, res2, err := h.run(t, req)
				if err != nil {
					t.Fatal(err)
				}
				if text != "18°C in Paris, 14:05 in Zürich." || len(res2.ToolCalls) != 0 || res2.FinishReason != "stop" {
					t.Fatalf("second round %q %+v", text, res2)
				}
				second := h.srv.ChatRequests()[1]
				checkUsage(t, res2, second)
				// Ids that break Mistral's rule (vLLM's, Ollama's, llama.cpp's)
				// go out rewritten, in every dialect (toolids.go).
				ids := toolIDMap(req.Messages)
				wid, tid := mapID(ids, w.ID), mapID(ids, tm.ID)
				if !MistralToolID(wid) || !MistralToolID(tid) {
					t.Fatalf("wire ids %q %q", wid, tid)
				}
				name := func(n string) string {
					if d.byName {
						return `,"name":"` + n + `"`
					}
					return ""
				}
				want := `{"role":"assistant","content":"Let me check.","tool_calls":[` +
					`{"id":"` + wid + `","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},` +
					`{"id":"` + tid + `","type":"function","function":{"name":"get_time","arguments":"{\"city\":\"Zürich\"}"}}]},` +
					`{"role":"tool","content":"{\"temp_c\":18}","tool_call_id":"` + wid + `"` + name("get_weather") + `},` +
					`{"role":"tool","content":"14:05","tool_call_id":"` + tid + `"` + name("get_time") + `}]`
				if !strings.Contains(string(second.Body), want) {
					t.Fatalf("second request %s\nwant %s", second.Body, want)
				}
				msgs := second.Messages
				if len(msgs) != 4 || msgs[2].Role != "tool" || msgs[2].ToolCallID != wid || msgs[3].ToolCallID != tid ||
					len(msgs[1].ToolCalls) != 2 || msgs[1].ToolCalls[1].Arguments != `{"city":"Zürich"}` {
					t.Fatalf("recorded messages %+v", msgs)
				}
			})
		}
	}
}

// checkUsage asserts the round's usage is the server's count of what it
// received, not an estimate.
func checkUsage(t *testing.T, res Result, rec llmtest.RecordedRequest) {
	t.Helper()
	if res.Usage.Estimated || res.Usage.PromptTokens != llmtest.PromptTokens(rec.Messages) || res.Usage.CompletionTokens == 0 {
		t.Fatalf("usage %+v, the server counted %d prompt tokens", res.Usage, llmtest.PromptTokens(rec.Messages))
	}
}

// TestOllamaCallsWithoutIndex: Ollama before ollama/ollama#7881 sent each
// call whole without "index"; two calls must stay two.
func TestOllamaCallsWithoutIndex(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama}, Options{Model: "mistral-small3.2"})
	h.srv.Script(llmtest.Scenario{NoToolIndex: true, ToolCalls: []llmtest.ToolCall{
		{Name: "get_weather", Arguments: `{"city":"Paris"}`},
		{Name: "get_weather", Arguments: `{"city":"Rome"}`},
	}})
	text, res, err := h.run(t, Request{Messages: []Message{{Role: RoleUser, Content: "Paris and Rome?"}}, Tools: []Tool{weatherTool}})
	if err != nil {
		t.Fatal(err)
	}
	if text != "" || len(res.ToolCalls) != 2 || res.ToolCalls[0].Arguments != `{"city":"Paris"}` || res.ToolCalls[1].Arguments != `{"city":"Rome"}` {
		t.Fatalf("%q %+v", text, res.ToolCalls)
	}
	if !strings.Contains(string(h.srv.ChatRequests()[0].Body), `"tools":[`) || strings.Contains(string(h.srv.ChatRequests()[0].Body), `"tool_choice"`) {
		t.Fatalf("a zero ToolChoice sends tools without tool_choice: %s", h.srv.ChatRequests()[0].Body)
	}
}

// TestNonStreamedToolCalls: a server that ignores stream:true answers the
// calls in message.tool_calls, without index.
func TestNonStreamedToolCalls(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI}, Options{})
	h.srv.Script(llmtest.Scenario{JSON: true, ToolCalls: []llmtest.ToolCall{
		{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Oslo"}`},
		{ID: "call_2", Name: "get_time", Arguments: `{}`},
	}})
	_, res, err := h.run(t, Request{Messages: []Message{{Role: RoleUser, Content: "Oslo?"}}, Tools: []Tool{weatherTool, timeTool}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ToolCalls) != 2 || res.ToolCalls[0].ID != "call_1" || res.ToolCalls[1].Name != "get_time" || res.FinishReason != "tool_calls" {
		t.Fatalf("%+v", res)
	}
}

// TestMalformedToolCalls: arguments that are not JSON, a call without a
// name and a call to an undeclared tool come back as typed problems, with
// a result text for the model; sending those results back is accepted by
// every dialect (the bad arguments are not echoed, the missing name is
// replaced).
func TestMalformedToolCalls(t *testing.T) {
	for _, d := range toolDialects {
		t.Run(d.name, func(t *testing.T) {
			h := newHarness(t, d.so, Options{Model: d.model})
			h.srv.Script(
				llmtest.Scenario{ToolCalls: []llmtest.ToolCall{
					{Name: "get_weather", Arguments: `{"city":"Par`},
					{Name: "", Arguments: `{}`},
					{Name: "rm_rf", Arguments: `{}`},
				}},
				llmtest.Scenario{Reply: "Sorry."},
			)
			req := Request{Messages: []Message{{Role: RoleUser, Content: "Paris?"}}, Tools: []Tool{weatherTool}}
			_, res, err := h.run(t, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.ToolCalls) != 3 {
				t.Fatalf("calls %+v", res.ToolCalls)
			}
			kinds := []ToolProblem{ProblemBadJSON, ProblemNoName, ProblemUnknownTool}
			for i, c := range res.ToolCalls {
				if c.Problem == nil || c.Problem.Kind != kinds[i] {
					t.Fatalf("call %d: %+v", i, c)
				}
			}
			if msg := res.ToolCalls[0].Problem.Error(); !strings.Contains(msg, `"{\"city\":\"Par"`) || !strings.Contains(msg, "unexpected end of JSON input") {
				t.Fatalf("bad-JSON result %q", msg)
			}
			if msg := res.ToolCalls[2].Problem.Error(); msg != `error: there is no tool named "rm_rf"; call one of the listed tools` {
				t.Fatalf("unknown-tool result %q", msg)
			}
			req.Messages = append(req.Messages, AssistantToolCalls("", res.ToolCalls))
			for _, c := range res.ToolCalls {
				req.Messages = append(req.Messages, ToolResult(c, c.Problem.Error()))
			}
			text, _, err := h.run(t, req)
			if err != nil || text != "Sorry." {
				t.Fatalf("results of malformed calls refused: %q %v", text, err)
			}
			body := string(h.srv.ChatRequests()[1].Body)
			if !strings.Contains(body, `"function":{"name":"get_weather","arguments":"{}"}`) || !strings.Contains(body, `"function":{"name":"invalid_tool_call","arguments":"{}"}`) {
				t.Fatalf("second request %s", body)
			}
		})
	}
	var nilProblem *ToolCallError
	if nilProblem.Error() != "" {
		t.Fatal("a nil problem has a text")
	}
}

// TestForeignToolIDs: a history whose ids came from another provider
// ("call_...", "chatcmpl-tool-...") reaches Mistral, and a Mistral model
// behind OpenRouter, with valid ids that still pair each call with its
// result, the same in every round; without the mapping the fake refuses
// it in Mistral's words (checked on the raw body).
func TestForeignToolIDs(t *testing.T) {
	history := []Message{
		{Role: RoleUser, Content: "Paris?"},
		AssistantToolCalls("", []ToolCall{{ID: "call_L7mHMq49ZSUTBHjLJfBIP2eT", Name: "get_weather", Arguments: `{"city":"Paris"}`},
			{ID: "chatcmpl-tool-b975da5af1f843e095ba7062d8e108ba", Name: "get_time", Arguments: `{}`}}),
		ToolResult(ToolCall{ID: "call_L7mHMq49ZSUTBHjLJfBIP2eT", Name: "get_weather"}, "18"),
		ToolResult(ToolCall{ID: "chatcmpl-tool-b975da5af1f843e095ba7062d8e108ba", Name: "get_time"}, "14:05"),
		{Role: RoleUser, Content: "And now?"},
	}
	for _, d := range toolDialects[:2] {
		t.Run(d.name, func(t *testing.T) {
			h := newHarness(t, d.so, Options{Model: d.model})
			var seen []string
			for range 2 {
				if _, _, err := h.run(t, Request{Messages: history, Tools: []Tool{weatherTool, timeTool}}); err != nil {
					t.Fatalf("refused: %v", err)
				}
				rec := h.srv.ChatRequests()[len(h.srv.ChatRequests())-1].Messages
				a, b := rec[1].ToolCalls[0].ID, rec[1].ToolCalls[1].ID
				if !MistralToolID(a) || !MistralToolID(b) || a == b || rec[2].ToolCallID != a || rec[3].ToolCallID != b {
					t.Fatalf("ids %q %q paired with %q %q", a, b, rec[2].ToolCallID, rec[3].ToolCallID)
				}
				seen = append(seen, a+b)
			}
			if seen[0] != seen[1] {
				t.Fatalf("the mapping changed between rounds: %v", seen)
			}
			if history[1].ToolCalls[0].ID != "call_L7mHMq49ZSUTBHjLJfBIP2eT" {
				t.Fatal("the caller's history was changed")
			}
			// The fake enforces the rule the mapping is for.
			raw := `{"model":"` + d.model + `","stream":true,"messages":[{"role":"user","content":"x"},` +
				`{"role":"assistant","content":"","tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},` +
				`{"role":"tool","content":"1","tool_call_id":"call_abc"}]}`
			status, body := postRaw(t, h.srv.URL(), raw)
			if status != 400 || !strings.Contains(body, `Tool call id was call_abc but must be a-z, A-Z, 0-9, with a length of 9.`) {
				t.Fatalf("fake accepted a bad id: %d %s", status, body)
			}
		})
	}
}

// TestToolsUnsupported: each server's refusal of tools is
// CodeToolsUnsupported after one request (llama.cpp's 500 is not
// retried, OpenRouter's 404 does not retire the model), TakesTools turns
// false, and the same question without tools is answered by the same
// model.
func TestToolsUnsupported(t *testing.T) {
	for _, d := range toolDialects {
		if d.so.Dialect == llmtest.Mistral {
			continue // Mistral's API takes tools for every model
		}
		t.Run(d.name, func(t *testing.T) {
			so := d.so
			so.NoTools = true
			h := newHarness(t, so, Options{Model: d.model, FallbackModels: []string{"other-model"}})
			if !h.c.TakesTools(d.model) {
				t.Fatal("tools refused before any request")
			}
			req := Request{Messages: []Message{{Role: RoleUser, Content: "Paris?"}}, Tools: []Tool{weatherTool}}
			_, _, err := h.run(t, req)
			if e := asError(t, err); e.Code != CodeToolsUnsupported || e.Model != d.model {
				t.Fatalf("error %+v", e)
			}
			if n := len(h.srv.ChatRequests()); n != 1 || len(h.recordedSleeps()) != 0 {
				t.Fatalf("%d requests, sleeps %v: a tools refusal is neither retried nor sent to a fallback", n, h.recordedSleeps())
			}
			if h.c.TakesTools(d.model) || !h.c.TakesTools("another") {
				t.Fatal("TakesTools did not learn the refusal for this model only")
			}
			req.Tools = nil
			text, res, err := h.run(t, req)
			if err != nil || text != "Echo: Paris?" || res.Model != d.model {
				t.Fatalf("without tools: %q %+v %v", text, res, err)
			}
		})
	}
}

// TestToolsForever: a model that asks for a tool in every round; the loop
// (the engine's, sketched here with a bound of 3 rounds) sends every
// result back and stops at its bound; every round has its own usage.
func TestToolsForever(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, Options{})
	h.srv.SetDefault(llmtest.Scenario{ToolCalls: []llmtest.ToolCall{{Name: "get_weather", Arguments: `{"city":"Paris"}`}}})
	req := Request{Messages: []Message{{Role: RoleUser, Content: "Paris?"}}, Tools: []Tool{weatherTool}}
	var total Usage
	for round := range 3 {
		_, res, err := h.run(t, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.ToolCalls) != 1 {
			t.Fatalf("round %d: %+v", round, res.ToolCalls)
		}
		checkUsage(t, res, h.srv.ChatRequests()[round])
		total.PromptTokens += res.Usage.PromptTokens
		total.CostUSD += res.Usage.CostUSD
		req.Messages = append(req.Messages, AssistantToolCalls("", res.ToolCalls), ToolResult(res.ToolCalls[0], "18"))
	}
	reqs := h.srv.ChatRequests()
	if len(reqs) != 3 || len(reqs[2].Messages) != 5 || reqs[2].Messages[4].Role != "tool" {
		t.Fatalf("%d requests, last %+v", len(reqs), reqs[len(reqs)-1].Messages)
	}
	want := 0
	for _, r := range reqs {
		want += llmtest.PromptTokens(r.Messages)
	}
	if total.PromptTokens != want || total.CostUSD <= 0 {
		t.Fatalf("usage over the rounds %+v, want %d prompt tokens", total, want)
	}
}

// TestToolRequestChecks: tools no provider would take are refused before
// any request, naming the tool.
func TestToolRequestChecks(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{})
	msgs := []Message{{Role: RoleUser, Content: "x"}}
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{Messages: msgs, Tools: []Tool{{Name: "has space"}}}, `tool name "has space"`},
		{Request{Messages: msgs, Tools: []Tool{{Name: strings.Repeat("a", 65)}}}, "want 1-64"},
		{Request{Messages: msgs, Tools: []Tool{timeTool, timeTool}}, `tool "get_time" is declared twice`},
		{Request{Messages: msgs, Tools: []Tool{{Name: "f", Parameters: json.RawMessage(`[1]`)}}}, `tool "f": parameters are not a JSON schema object`},
		{Request{Messages: msgs, Tools: []Tool{{Name: "f", Parameters: json.RawMessage(`{"type":`)}}}, `tool "f": parameters`},
		{Request{Messages: msgs, Tools: []Tool{timeTool}, ToolChoice: ToolChoice{Mode: ToolChoiceFunction, Function: "nope"}}, `tool_choice names "nope"`},
	} {
		_, err := h.c.Stream(context.Background(), tc.req)
		if e := asError(t, err); e.Code != CodeInvalid || !strings.Contains(e.Message, tc.want) {
			t.Fatalf("%+v: %v", tc.req.Tools, err)
		}
	}
	if n := len(h.srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

// TestToolChoiceShapes: every mode in every dialect.
func TestToolChoiceShapes(t *testing.T) {
	named := `{"type":"function","function":{"name":"get_time"}}`
	for _, tc := range []struct {
		d    Dialect
		c    ToolChoice
		want string
	}{
		{OpenRouter, ToolChoice{Mode: ToolChoiceAuto}, `"tool_choice":"auto"`},
		{Mistral, ToolChoice{Mode: ToolChoiceAuto}, `"tool_choice":"auto"`},
		{Mistral, ToolChoice{Mode: ToolChoiceNone}, `"tool_choice":"none"`},
		{OpenAI, ToolChoice{Mode: ToolChoiceNone}, `"tool_choice":"none"`},
		{Mistral, ToolChoice{Mode: ToolChoiceRequired}, `"tool_choice":"any"`},
		{OpenAI, ToolChoice{Mode: ToolChoiceRequired}, `"tool_choice":"required"`},
		{Mistral, ToolChoice{Mode: ToolChoiceFunction, Function: "get_time"}, `"tool_choice":` + named},
		{OpenRouter, ToolChoice{Mode: ToolChoiceFunction, Function: "get_time"}, `"tool_choice":` + named},
	} {
		no := false
		body, err := encodeRequest(tc.d, Request{Messages: []Message{{Role: RoleUser, Content: "x"}}, Tools: []Tool{timeTool}, ToolChoice: tc.c, ParallelToolCalls: &no}, "m", nil)
		if err != nil || !strings.Contains(string(body), tc.want+`,"parallel_tool_calls":false`) {
			t.Fatalf("%s %+v: %s", tc.d, tc.c, body)
		}
	}
	body, _ := encodeRequest(Mistral, Request{Messages: []Message{{Role: RoleUser, Content: "x"}}, ToolChoice: ToolChoice{Mode: ToolChoiceAuto}}, "m", nil)
	if strings.Contains(string(body), "tool") {
		t.Fatalf("tool fields without tools: %s", body)
	}
}

// postRaw sends body to the fake as is.
func postRaw(t *testing.T, base, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := readAll(t, resp.Body)
	http.DefaultClient.CloseIdleConnections()
	return resp.StatusCode, string(b)
}

// TestProbeLearnsToolSupport: a listing that says a model takes no tools
// (OpenRouter's supported_parameters without "tools", Mistral's
// capabilities.function_calling false) turns TakesTools false before any
// refusal; a listed model with tools stays true.
func TestProbeLearnsToolSupport(t *testing.T) {
	for _, d := range []llmtest.Dialect{llmtest.OpenRouter, llmtest.Mistral} {
		models := []llmtest.Model{{ID: "with-tools", ContextLength: 32000}, {ID: "no-tools", ContextLength: 32000, NoTools: true}}
		h := newHarness(t, llmtest.Options{Dialect: d, Models: models}, Options{Model: "no-tools"})
		if _, err := h.c.Probe(context.Background(), "no-tools"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.c.Probe(context.Background(), "with-tools"); err != nil {
			t.Fatal(err)
		}
		if h.c.TakesTools("no-tools") || !h.c.TakesTools("with-tools") {
			t.Fatalf("%s: TakesTools no-tools %v, with-tools %v", d, h.c.TakesTools("no-tools"), h.c.TakesTools("with-tools"))
		}
	}
}
