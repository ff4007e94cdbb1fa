package llm

import (
	"slices"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

func TestOpenRouterFallbackServerSide(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Model: "a", FallbackModels: []string{"b", "c"}})
	// The primary is down; OpenRouter walks the models list itself.
	h.srv.Script(llmtest.Scenario{Model: "a", Status: 502})
	text, res, err := h.run(t, userReq("q"))
	if err != nil || text == "" {
		t.Fatal(err)
	}
	if res.Model != "b" {
		t.Fatalf("Result.Model %q, want the fallback that answered", res.Model)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 1 || reqs[0].Model != "a" || !slices.Equal(reqs[0].Models, []string{"a", "b", "c"}) {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestRetiredPrimaryFallsBackClientSide(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		t.Run(string(d), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{Retired: []string{"mistralai/mistral-small"}},
				Options{Dialect: d, Model: "mistralai/mistral-small", FallbackModels: []string{"new-small", "other"}})
			text, res, err := h.run(t, userReq("q"))
			if err != nil || text != llmtest.DefaultReply("q") {
				t.Fatalf("%q %v", text, err)
			}
			if res.Model != "new-small" {
				t.Fatalf("Result.Model %q", res.Model)
			}
			reqs := h.srv.Requests()
			if len(reqs) != 2 || reqs[0].Model != "mistralai/mistral-small" || reqs[1].Model != "new-small" {
				t.Fatalf("requests %+v", reqs)
			}
			if d == OpenRouter && !slices.Equal(reqs[1].Models, []string{"new-small", "other"}) {
				t.Fatalf("second OpenRouter request models %v", reqs[1].Models)
			}
			if d == Mistral && strings.Contains(string(reqs[1].Body), "models") {
				t.Fatalf("Mistral body has a models field: %s", reqs[1].Body)
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "retired") ||
				!strings.Contains(logs, "model=mistralai/mistral-small") || !strings.Contains(logs, "fallback=new-small") {
				t.Fatalf("no clear warning naming the retired id:\n%s", logs)
			}

			// The client remembers: the next request goes straight to the
			// fallback.
			if _, res, err := h.run(t, userReq("q2")); err != nil || res.Model != "new-small" {
				t.Fatalf("second run %v %q", err, res.Model)
			}
			if reqs := h.srv.Requests(); len(reqs) != 3 || reqs[2].Model != "new-small" {
				t.Fatalf("retired model asked again: %+v", reqs[2])
			}
		})
	}
}

func TestFallbackAfterRetriesForDirectDialects(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral, Model: "a", FallbackModels: []string{"b"}, MaxRetries: 1})
	h.srv.Script(llmtest.Scenario{Model: "a", Status: 503, Times: 5})
	_, res, err := h.run(t, userReq("q"))
	if err != nil || res.Model != "b" {
		t.Fatalf("%v %q", err, res.Model)
	}
	var models []string
	for _, r := range h.srv.Requests() {
		models = append(models, r.Model)
	}
	if !slices.Equal(models, []string{"a", "a", "b"}) {
		t.Fatalf("models asked %v, want a twice (one retry) then b", models)
	}
}

func TestNoClientFallbackForOpenRouterOutage(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Model: "a", FallbackModels: []string{"b"}, MaxRetries: 1})
	h.srv.Script(llmtest.Scenario{Status: 503, Times: 10})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); e.Code != CodeUnavailable {
		t.Fatalf("error %+v", e)
	}
	for _, r := range h.srv.Requests() {
		if r.Model != "a" {
			t.Fatalf("client-side fallback on OpenRouter after the server had walked the list: %v", r.Model)
		}
	}
}

func TestAllModelsRetired(t *testing.T) {
	h := newHarness(t, llmtest.Options{Retired: []string{"a", "b"}}, Options{Dialect: Mistral, Model: "a", FallbackModels: []string{"b", "a"}})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); e.Code != CodeNotFound || e.Model != "b" {
		t.Fatalf("error %+v", e)
	}
	if n := len(h.srv.Requests()); n != 2 {
		t.Fatalf("%d requests (duplicates must be dropped)", n)
	}
}

func TestRequestOverridesModels(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Model: "a", FallbackModels: []string{"b"}})
	req := userReq("q")
	req.Model, req.FallbackModels = "x", []string{}
	if _, _, err := h.run(t, req); err != nil {
		t.Fatal(err)
	}
	r := h.srv.Requests()[0]
	if r.Model != "x" || r.Models != nil {
		t.Fatalf("model %q models %v", r.Model, r.Models)
	}
}

func TestNoFallbackOnAuthErrors(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral, Model: "a", FallbackModels: []string{"b"}})
	h.srv.Script(llmtest.Scenario{Status: 401})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); e.Code != CodeAuth || len(h.srv.Requests()) != 1 {
		t.Fatalf("error %+v after %d requests", e, len(h.srv.Requests()))
	}
}

func TestDataPolicyRefusalIsNotRetirement(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Model: "a", FallbackModels: []string{"b"}})
	msg := "No endpoints found matching your data policy (Free model training). Configure: https://openrouter.ai/settings/privacy"
	h.srv.Script(llmtest.Scenario{Model: "a", Status: 404, Message: msg, Times: 2})
	if _, res, err := h.run(t, userReq("q")); err != nil || res.Model != "b" {
		t.Fatalf("first run %v %q", err, res.Model)
	}
	if logs := h.logs.String(); !strings.Contains(logs, "data policy") || !strings.Contains(logs, "openrouter.ai/settings/privacy") {
		t.Fatalf("no warning about the data policy:\n%s", logs)
	}
	// The model is not remembered as retired: the next request asks it first.
	if _, _, err := h.run(t, userReq("q2")); err != nil {
		t.Fatal(err)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 4 || reqs[2].Model != "a" {
		t.Fatalf("second request did not try the primary model first: %d requests, third for %q", len(reqs), reqs[2].Model)
	}
}

// TestOpenRouterModelsCap: OpenRouter takes at most 3 models per request
// (llmtest refuses more with its 400); the fallbacks beyond are tried
// client-side once the first three failed.
func TestOpenRouterModelsCap(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Model: "a", FallbackModels: []string{"b", "c", "d", "e"}, MaxRetries: -1})
	h.srv.Script(llmtest.Scenario{Model: "a", Status: 502}, llmtest.Scenario{Model: "b", Status: 502}, llmtest.Scenario{Model: "c", Status: 503})
	_, res, err := h.run(t, userReq("q"))
	if err != nil || res.Model != "d" {
		t.Fatalf("%v, answered by %q, want d", err, res.Model)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 2 || !slices.Equal(reqs[0].Models, []string{"a", "b", "c"}) || !slices.Equal(reqs[1].Models, []string{"d", "e"}) {
		t.Fatalf("requests %+v", reqs)
	}
	if !strings.Contains(h.logs.String(), "fallback=d") {
		t.Fatalf("no warning naming the client-side fallback:\n%s", h.logs.String())
	}
}

// TestLLMTestRefusesFourModels: the fake enforces the cap as OpenRouter
// does, so the test above proves something.
func TestLLMTestRefusesFourModels(t *testing.T) {
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	c := newTestClient(t, Options{BaseURL: srv.URL(), Model: "a"}, nil)
	body := []byte(`{"model":"a","models":["a","b","c","d"],"messages":[{"role":"user","content":"q"}],"stream":true}`)
	resp, err := c.http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	e := httpError(resp.StatusCode, resp.Header, readAll(t, resp.Body), c.now())
	if e.Status != 400 || e.Code != CodeInvalid || !strings.Contains(e.Message, "3 items or fewer") {
		t.Fatalf("%+v", e)
	}
}

func TestFallbackPlan(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		fb   []string
		want string
	}{
		{OpenRouter, nil, "no fallback models: a failure of a reaches the user"},
		{OpenRouter, []string{"b", " ", "a", "c"}, "OpenRouter tries [a, b, c] within one request (its models field)"},
		{OpenRouter, []string{"b", "c", "d", "e", "f", "g"}, "OpenRouter tries [a, b, c] within one request (its models field holds at most 3); if all fail, the bot sends [d, e, f], then [g] in turn"},
		{Mistral, []string{"b", "c"}, "the bot tries a, then b, then c (each after its retries)"},
	} {
		if got := FallbackPlan(tc.d, "a", tc.fb); got != tc.want {
			t.Errorf("FallbackPlan(%s, %v) = %q, want %q", tc.d, tc.fb, got, tc.want)
		}
	}
}
