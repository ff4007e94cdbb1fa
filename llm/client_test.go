package llm

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

func TestStreamEachDialect(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		t.Run(string(d), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{}, Options{Dialect: d, APIKey: "sk-test-key-123",
				PriceInputPerMTok: 1, PriceOutputPerMTok: 2})
			req := userReq("bonjour le monde")
			text, res, err := h.run(t, req)
			if err != nil {
				t.Fatal(err)
			}
			if want := llmtest.DefaultReply("bonjour le monde"); text != want {
				t.Fatalf("text %q, want %q", text, want)
			}
			if res.Model != DefaultModel(d) || res.ID == "" || res.FinishReason != "stop" {
				t.Fatalf("result %+v", res)
			}
			u := res.Usage
			prompt := llmtest.PromptTokens([]llmtest.Message{{Role: "user", Content: "bonjour le monde"}})
			completion := len(llmtest.SplitTokens(text))
			if u.Estimated || u.PromptTokens != prompt || u.CompletionTokens != completion {
				t.Fatalf("usage %+v, want %d/%d reported", u, prompt, completion)
			}
			if d == OpenRouter {
				if !u.CostFromProvider || u.CostUSD <= 0 {
					t.Fatalf("OpenRouter cost not taken from usage.cost: %+v", u)
				}
			} else if want := (float64(prompt)*1 + float64(completion)*2) / 1e6; u.CostFromProvider || u.CostUSD != want {
				t.Fatalf("cost %v from provider %v, want %v from prices", u.CostUSD, u.CostFromProvider, want)
			}
			if d == OpenRouter && !strings.HasPrefix(res.ID, "gen-") {
				t.Fatalf("OpenRouter id %q", res.ID)
			}
			// The estimator learnt from usage.prompt_tokens.
			raw := rawMessages(req.Messages)
			if want := 1 + ewmaWeight*(float64(prompt)/float64(raw)-1); !near(h.c.Estimator().Ratio(), want) {
				t.Fatalf("estimator ratio %v, want %v", h.c.Estimator().Ratio(), want)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestRequestBody pins the exact JSON each dialect sends.
func TestRequestBody(t *testing.T) {
	temp := 0.3
	req := Request{
		Model:          "m1",
		FallbackModels: []string{"m2", "m3"},
		Messages:       []Message{{Role: RoleSystem, Content: "Be <brief> & kind"}, {Role: RoleUser, Content: "hi"}},
		Temperature:    &temp,
		MaxTokens:      100,
		User:           "slack:U1",
	}
	msgs := `"messages":[{"role":"system","content":"Be <brief> & kind"},{"role":"user","content":"hi"}]`
	tests := []struct {
		d    Dialect
		want string
	}{
		{OpenRouter, `{"model":"m1","models":["m1","m2","m3"],` + msgs + `,"stream":true,"stream_options":{"include_usage":true},"usage":{"include":true},"temperature":0.3,"max_tokens":100,"user":"slack:U1"}`},
		{Mistral, `{"model":"m1",` + msgs + `,"stream":true,"temperature":0.3,"max_tokens":100}`},
		{OpenAI, `{"model":"m1",` + msgs + `,"stream":true,"stream_options":{"include_usage":true},"temperature":0.3,"max_tokens":100,"user":"slack:U1"}`},
	}
	for _, tt := range tests {
		t.Run(string(tt.d), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{}, Options{Dialect: tt.d, APIKey: "sk-abcdefgh",
				Headers: map[string]string{"HTTP-Referer": "https://example.org", "X-OpenRouter-Title": "mistralbot", "X-Proxy-Auth": "p"}})
			if _, _, err := h.run(t, req); err != nil {
				t.Fatal(err) // the fake Mistral would answer 422 to an unknown field
			}
			reqs := h.srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if string(r.Body) != tt.want {
				t.Fatalf("body\n got %s\nwant %s", r.Body, tt.want)
			}
			if r.Path != "/v1/chat/completions" || r.Method != "POST" {
				t.Fatalf("%s %s", r.Method, r.Path)
			}
			// Attribution goes to OpenRouter only; other extra headers (a
			// proxy's) to every provider.
			referer, title := "", ""
			if tt.d == OpenRouter {
				referer, title = "https://example.org", "mistralbot"
			}
			for k, v := range map[string]string{
				"Authorization": "Bearer sk-abcdefgh", "Content-Type": "application/json",
				"Accept": "text/event-stream", "Accept-Encoding": "identity", "Http-Referer": referer, "X-Openrouter-Title": title,
				"X-Proxy-Auth": "p",
			} {
				if got := r.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.d == Mistral {
				for _, field := range []string{"stream_options", "user", "seed", "max_completion_tokens", "models", "usage"} {
					var m map[string]json.RawMessage
					_ = json.Unmarshal(r.Body, &m)
					if _, ok := m[field]; ok {
						t.Errorf("Mistral body carries %q", field)
					}
				}
			}
		})
	}
}

func TestRequestOmitsUnsetFields(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral})
	if _, _, err := h.run(t, userReq("x")); err != nil {
		t.Fatal(err)
	}
	want := `{"model":"mistral-small-latest","messages":[{"role":"user","content":"x"}],"stream":true}`
	if got := string(h.srv.Requests()[0].Body); got != want {
		t.Fatalf("body %s, want %s", got, want)
	}
	zero := 0.0
	b, err := encodeRequest(OpenAI, Request{Messages: []Message{{Role: RoleUser, Content: "x"}}, Temperature: &zero}, "m", nil)
	if err != nil || !strings.Contains(string(b), `"temperature":0`) {
		t.Fatalf("temperature 0 must be sent when set: %s %v", b, err)
	}
}

func TestStreamRejectsEmptyRequest(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{})
	_, err := h.c.Stream(context.Background(), Request{})
	if e := asError(t, err); e.Code != CodeInvalid {
		t.Fatalf("code %s", e.Code)
	}
	if n := len(h.srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for an empty request", n)
	}
}

func TestReasoningIsHidden(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		for _, think := range []bool{false, true} {
			name := string(d) + "/reasoning field"
			if think {
				name = string(d) + "/think tags"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, llmtest.Options{}, Options{Dialect: d})
				h.srv.Script(llmtest.Scenario{Reply: "The answer is 42.", Reasoning: "Let me think about <this> carefully...", Think: think})
				text, _, err := h.run(t, userReq("q"))
				if err != nil {
					t.Fatal(err)
				}
				if text != "The answer is 42." {
					t.Fatalf("visible text %q", text)
				}
			})
		}
	}
}

func TestJSONAnswerIsReplayed(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenAI})
	h.srv.Script(llmtest.Scenario{JSON: true, Reply: "Whole answer."})
	text, res, err := h.run(t, userReq("q"))
	if err != nil || text != "Whole answer." {
		t.Fatalf("%q %v", text, err)
	}
	if res.Usage.Estimated || res.Usage.CompletionTokens != 2 || res.FinishReason != "stop" {
		t.Fatalf("result %+v", res)
	}
}

func TestUsageEstimatedWhenMissing(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, PriceInputPerMTok: 0.1, PriceOutputPerMTok: 0.3})
	h.srv.Script(llmtest.Scenario{NoUsage: true, Reply: "Une réponse sans usage."})
	req := userReq("Combien de tokens ?")
	text, res, err := h.run(t, req)
	if err != nil {
		t.Fatal(err)
	}
	u := res.Usage
	wantPrompt, wantCompletion := rawMessages(req.Messages), EstimateTokens(text)
	if !u.Estimated || u.PromptTokens != wantPrompt || u.CompletionTokens != wantCompletion || u.CostFromProvider {
		t.Fatalf("usage %+v, want estimated %d/%d", u, wantPrompt, wantCompletion)
	}
	if want := (float64(wantPrompt)*0.1 + float64(wantCompletion)*0.3) / 1e6; !near(u.CostUSD, want) {
		t.Fatalf("cost %v, want %v", u.CostUSD, want)
	}
	if h.c.Estimator().Ratio() != 1 {
		t.Fatal("an estimate was fed back into the estimator")
	}
}

func TestUsageEmptyChoicesForm(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(llmtest.Scenario{UsageEmptyChoices: true, Reply: "ok"})
	_, res, err := h.run(t, userReq("q"))
	if err != nil || res.Usage.Estimated || !res.Usage.CostFromProvider {
		t.Fatalf("usage %+v err %v", res.Usage, err)
	}
}

func TestLongLineThroughClient(t *testing.T) {
	big := strings.Repeat("é", 600_000) // a 1.2 MB content string, one line
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral})
	h.srv.Script(llmtest.Scenario{Tokens: []string{big, "!"}})
	text, _, err := h.run(t, userReq("q"))
	if err != nil || text != big+"!" {
		t.Fatalf("len %d err %v", len(text), err)
	}
}

func TestClientAccessors(t *testing.T) {
	c := newTestClient(t, Options{Dialect: Mistral}, nil)
	if c.Model() != "mistral-small-latest" || c.Dialect() != Mistral || c.base != "https://api.mistral.ai/v1" {
		t.Fatalf("defaults: %q %q %q", c.Model(), c.Dialect(), c.base)
	}
	// Values config owns are not invented here: zero stays zero (none).
	if c.opts.IdleTimeout != 0 || c.opts.FirstByteTimeout != 0 || c.opts.MaxRetries != 0 {
		t.Fatalf("New filled in config's values: %+v", c.opts)
	}
	for _, bad := range []Options{{Dialect: "gemini"}, {BaseURL: "ftp://x"}, {BaseURL: "not a url"}, {PriceInputPerMTok: -1},
		{IdleTimeout: -time.Second}, {FirstByteTimeout: -time.Second}, {Timeout: -time.Second}} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
	if c, _ := New(Options{MaxRetries: -1}); c.opts.MaxRetries != 0 {
		t.Errorf("MaxRetries -1 gives %d retries", c.opts.MaxRetries)
	}
}
