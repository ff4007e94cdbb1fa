package llm

import (
	"context"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestProbeContextWindow: the window comes from where each server states
// it, with its source.
func TestProbeContextWindow(t *testing.T) {
	cases := []struct {
		name   string
		so     llmtest.Options
		model  string
		tokens int
		source string
		ollama bool
	}{
		{"openrouter", llmtest.Options{Dialect: llmtest.OpenRouter}, "mistralai/mistral-small-2603", 262144, "GET /models context_length", false},
		{"mistral", llmtest.Options{Dialect: llmtest.Mistral}, "mistral-small-latest", 131072, "GET /models max_context_length", false},
		{"vllm", llmtest.Options{Dialect: llmtest.OpenAI, ContextTokens: 8192}, "mistral-small", 8192, "GET /models max_model_len", false},
		{"llama.cpp", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp, ContextTokens: 256,
			Models: []llmtest.Model{{ID: "/models/Mistral-Small-3.2-24B-Q4_K_M.gguf", ContextLength: 131072}}}, "mistral-small", 256, "GET /models meta.n_ctx", false},
		{"ollama", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama, ContextTokens: 4096,
			Models: []llmtest.Model{{ID: "mistral-small", ContextLength: 131072}}}, "mistral-small", 4096, "ollama /api/ps", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.so, Options{Model: tc.model})
			p, err := h.c.Probe(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if p.Context.Tokens != tc.tokens || !strings.HasPrefix(p.Context.Source, tc.source) || p.Ollama != tc.ollama {
				t.Fatalf("probe context %+v ollama=%v, want %d from %q", p.Context, p.Ollama, tc.tokens, tc.source)
			}
			if !p.Found && !p.Sole {
				t.Fatalf("model %s not matched in %+v", tc.model, p.Models)
			}
			if w := h.c.ContextWindow(""); w != p.Context {
				t.Fatalf("ContextWindow %+v, want the probed %+v", w, p.Context)
			}
			if got := ResolveContext(0, p); got != p.Context {
				t.Fatalf("ResolveContext(unset) %+v", got)
			}
			if got := ResolveContext(1000, p); got.Tokens != 1000 || got.Source != "llm.context_tokens" {
				t.Fatalf("ResolveContext(configured) %+v", got)
			}
			if msg := ContextProblem(tc.tokens*2, p); !strings.Contains(msg, "llm.context_tokens") {
				t.Fatalf("no problem for a configured window above the server's: %q", msg)
			}
			if msg := ContextProblem(tc.tokens, p); msg != "" {
				t.Fatalf("problem for an equal window: %q", msg)
			}
		})
	}
}

// TestProbeOllamaUnloadedFallsBackToShow: an Ollama that cannot load the
// model still says its trained maximum, and the source says what it is.
func TestProbeOllamaShowNumCtx(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama,
		Models: []llmtest.Model{{ID: "mistral-small", ContextLength: 131072}}}, Options{Model: "mistral-small:latest"})
	p, err := h.c.Probe(context.Background(), "")
	if err != nil || !p.Found || p.Listed.ID != "mistral-small:latest" {
		t.Fatalf("%+v %v", p, err)
	}
	// The probe loaded the model (POST /api/generate) and read /api/ps.
	var paths []string
	for _, r := range h.srv.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
	}
	if got := strings.Join(paths, ","); got != "GET /v1/models,POST /api/show,GET /api/ps,POST /api/generate,GET /api/ps" {
		t.Fatalf("probe requests %s", got)
	}
	if p.Context.Tokens != 4096 {
		t.Fatalf("context %+v, want the runtime default 4096", p.Context)
	}
}

// TestContextOverflowEachDialect: every server's refusal of an overlong
// prompt becomes CodeContextLength with the window it named; it is not
// retried, and the client remembers the window.
func TestContextOverflowEachDialect(t *testing.T) {
	long := strings.Repeat("word ", 400) // 2000 bytes: 504 tokens for llmtest
	cases := []struct {
		name   string
		so     llmtest.Options
		window int
	}{
		{"llama.cpp", llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp, ContextTokens: 256}, 256},
		{"vllm", llmtest.Options{Dialect: llmtest.OpenAI, ContextTokens: 300}, 300},
		{"openrouter", llmtest.Options{Dialect: llmtest.OpenRouter, ContextTokens: 320}, 320},
		{"mistral", llmtest.Options{Dialect: llmtest.Mistral, ContextTokens: 400}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.so, Options{Model: "m", FallbackModels: []string{"f"}})
			_, _, err := h.run(t, userReq(long))
			e := asError(t, err)
			if e.Code != CodeContextLength || e.ContextTokens != tc.window || e.PromptTokens < 500 {
				t.Fatalf("error %+v, want context_length naming %d", e, tc.window)
			}
			if n := len(h.srv.Requests()); n != 1 {
				t.Fatalf("%d requests: an overflow must be neither retried nor sent to a fallback", n)
			}
			if w := h.c.ContextWindow("m"); w.Tokens != tc.window || w.Source != "the provider's refusal" {
				t.Fatalf("window learned %+v", w)
			}
			// A short prompt still goes through.
			if _, _, err := h.run(t, userReq("hi")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenAIContextLengthExceededCode: OpenAI's typed code with no
// numbers in the message is still an overflow.
func TestOpenAIContextLengthExceededCode(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI}, Options{})
	h.srv.Script(llmtest.Scenario{Status: 400, Body: `{"error":{"message":"Input too long.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); e.Code != CodeContextLength || e.ContextTokens != 0 {
		t.Fatalf("%+v", e)
	}
}

// TestOllamaTruncationIsFlagged: Ollama cuts an overlong prompt from the
// front and reports prompt_tokens equal to its window: the result says
// so, and the estimator is not calibrated from it.
func TestOllamaTruncationIsFlagged(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama, ContextTokens: 128,
		Models: []llmtest.Model{{ID: "mistral-small", ContextLength: 131072}}}, Options{Model: "mistral-small"})
	if _, err := h.c.Probe(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	req := Request{Messages: []Message{
		{Role: RoleSystem, Content: "You are mistralbot. " + strings.Repeat("rule ", 100)},
		{Role: RoleUser, Content: strings.Repeat("older ", 100)},
		{Role: RoleUser, Content: "the question"},
	}}
	_, res, err := h.run(t, req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || res.ContextTokens != 128 || res.Usage.PromptTokens != 128 {
		t.Fatalf("result %+v, want Truncated at 128", res)
	}
	if r := h.c.Estimator().Ratio(); r != 1 {
		t.Fatalf("estimator calibrated from a truncated count: ratio %v", r)
	}
	if h.srv.Stats().Truncated != 1 {
		t.Fatalf("server stats %+v", h.srv.Stats())
	}
	// The system prompt is what Ollama dropped.
	if _, res, err := h.run(t, userReq("a short question with more words in it")); err != nil || res.Truncated {
		t.Fatalf("a prompt that fits is not truncated: %+v %v", res, err)
	}
	if r := h.c.Estimator().Ratio(); r == 1 {
		t.Fatal("a complete count calibrates the estimator")
	}
}

// TestModelTags: Ollama's default tag matches the bare name, for check's
// matching and the retired-model table.
func TestModelTags(t *testing.T) {
	listed := []ModelInfo{{ID: "mistral-small:latest"}, {ID: "mistral-small:24b"}, {ID: "mistralai/mistral-small-2603"}}
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"mistral-small", "mistral-small:latest", true},
		{"mistral-small:latest", "mistral-small:latest", true},
		{"Mistral-Small", "mistral-small:latest", true},
		{"mistral-small:24b", "mistral-small:24b", true},
		{"mistral-small:22b", "", false},
		{"mistralai/mistral-small-2603", "mistralai/mistral-small-2603", true},
		{"mistralai/mistral-small-2603:latest", "mistralai/mistral-small-2603", true},
		{"mistralai/mistral-small-2603:free", "", false},
	} {
		m, ok := MatchModel(tc.want, listed)
		if ok != tc.ok || m.ID != tc.got {
			t.Errorf("MatchModel(%q) = %q %v, want %q %v", tc.want, m.ID, ok, tc.got, tc.ok)
		}
	}
	if !IsRetired("mistral-small-2409:latest") || !IsRetired("mistralai/mistral-small") || IsRetired("mistral-small:latest") {
		t.Fatal("retired table ignores Ollama's default tag")
	}
	if n, _, _, ok := KnownModel("mistral-small-2603:latest"); !ok || n == 0 {
		t.Fatal("catalog ignores Ollama's default tag")
	}
}

// TestOverflowPromptShare: a refusal that counted max_tokens too names
// the prompt's share, which is what trimming must act on.
func TestOverflowPromptShare(t *testing.T) {
	for msg, want := range map[string][2]int{
		`This endpoint's maximum context length is 131072 tokens. However, you requested about 138956 tokens (7884 of text input, 131072 in the output). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt automatically.`: {131072, 7884},
		`This model's maximum context length is 6048 tokens. However, you requested 6616 tokens (568 in the messages, 6048 in the completion). Please reduce the length of the messages or completion.`:                                                                    {6048, 568},
		`Prompt contains 40384 tokens and 0 draft tokens, too large for model with 32768 maximum context length`:                                                                                                                                                           {32768, 40384},
	} {
		f, ok := contextOverflow(400, providerError{found: true, message: msg}, 0, 0)
		if !ok || f.window != want[0] || f.prompt != want[1] {
			t.Errorf("%q: %+v %v, want window %d prompt %d", msg, f, ok, want[0], want[1])
		}
	}
	if _, ok := contextOverflow(400, providerError{found: true, message: "max_tokens must be at least 1, got -186."}, 0, 0); ok {
		t.Error("an unrelated 400 taken for an overflow")
	}
	if _, ok := contextOverflow(500, providerError{found: true, message: "maximum context length is 10 tokens"}, 0, 0); ok {
		t.Error("an untyped 500 taken for an overflow")
	}
}
