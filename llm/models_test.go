package llm

import (
	"context"
	"slices"
	"testing"

	"mistralbot/llm/llmtest"
)

func TestModelsEachDialect(t *testing.T) {
	tests := []struct {
		d       Dialect
		id      string
		ctx     int
		in, out float64
	}{
		{OpenRouter, "mistralai/mistral-small-3.2-24b-instruct", 128000, 0.075, 0.2},
		{Mistral, "mistral-small-latest", 131072, 0, 0},
		{OpenAI, "mistral-small", 32768, 0, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.d), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{APIKey: "sk-models-key"}, Options{Dialect: tt.d, APIKey: "sk-models-key"})
			models, err := h.c.Models(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(models, func(m ModelInfo) bool { return m.ID == tt.id })
			if i < 0 {
				t.Fatalf("%s not listed: %+v", tt.id, models)
			}
			if m := models[i]; m.ContextLength != tt.ctx || m.PriceInputPerMTok != tt.in || m.PriceOutputPerMTok != tt.out {
				t.Fatalf("model %+v", m)
			}
			if !slices.IsSortedFunc(models, func(a, b ModelInfo) int { return cmpString(a.ID, b.ID) }) {
				t.Fatal("not sorted")
			}
			r := h.srv.Requests()[0]
			if r.Method != "GET" || r.Path != "/v1/models" || r.Header.Get("Authorization") != "Bearer sk-models-key" {
				t.Fatalf("request %s %s %v", r.Method, r.Path, r.Header)
			}
		})
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestModelsErrors(t *testing.T) {
	h := newHarness(t, llmtest.Options{APIKey: "right-key-123"}, Options{Dialect: Mistral, APIKey: "wrong-key-456"})
	_, err := h.c.Models(context.Background())
	if e := asError(t, err); e.Code != CodeAuth || e.Status != 401 || e.Message != "Unauthorized" {
		t.Fatalf("error %+v", e)
	}
	srv := rawServer(t, 200, "application/json", `{"data":[{"id":`)
	c := newTestClient(t, Options{BaseURL: srv.URL}, nil)
	if _, err := c.Models(context.Background()); ErrorCode(err) != CodeUnavailable {
		t.Fatalf("malformed listing: %v", err)
	}
}

func TestModelsRetiredAndSuggestions(t *testing.T) {
	h := newHarness(t, llmtest.Options{Retired: []string{"mistralai/mistral-small-2603"}}, Options{Dialect: OpenRouter})
	models, err := h.c.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := SuggestSmall(models)
	if !slices.Equal(got, []string{"mistralai/mistral-small-3.2-24b-instruct"}) {
		t.Fatalf("SuggestSmall = %v", got)
	}
	got = SuggestSmall([]ModelInfo{{ID: "mistralai/mistral-small"}, {ID: "z/Mistral-Small-x"}, {ID: "mistral-small-latest"}, {ID: "mistral-small-latest"}, {ID: "mistral-large"}})
	if !slices.Equal(got, []string{"mistral-small-latest", "z/Mistral-Small-x"}) {
		t.Fatalf("SuggestSmall = %v", got)
	}
}

func TestParseModelsPrices(t *testing.T) {
	models, err := parseModels([]byte(`{"data":[
		{"id":"a","pricing":{"prompt":"0.000000075","completion":"0.0000002"},"context_length":128000},
		{"id":"b","pricing":{"prompt":"-1","completion":"x"},"top_provider":{"context_length":9}},
		{"id":"c","pricing":{"prompt":1e-7,"completion":null},"max_model_len":4096},
		{"id":"d.gguf","meta":{"n_ctx_train":131072,"n_ctx":256}},
		{"id":""}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []ModelInfo{
		{ID: "a", ContextLength: 128000, ContextSource: "context_length", PriceInputPerMTok: 0.075, PriceOutputPerMTok: 0.2},
		{ID: "b", ContextLength: 9, ContextSource: "top_provider.context_length"},
		{ID: "c", ContextLength: 4096, ContextSource: "max_model_len", PriceInputPerMTok: 0.1},
		{ID: "d.gguf", ContextLength: 256, ContextSource: "meta.n_ctx"}, // the runtime figure, not n_ctx_train
	}
	if !slices.Equal(models, want) {
		t.Fatalf("models %+v", models)
	}
}

func TestCatalog(t *testing.T) {
	for d, want := range map[Dialect][2]string{
		OpenRouter: {"https://openrouter.ai/api/v1", "mistralai/mistral-small-3.2-24b-instruct"},
		Mistral:    {"https://api.mistral.ai/v1", "mistral-small-latest"},
		OpenAI:     {"http://localhost:8000/v1", "mistral-small"},
		"other":    {"", ""},
	} {
		if DefaultBaseURL(d) != want[0] || DefaultModel(d) != want[1] {
			t.Errorf("%s: %q %q", d, DefaultBaseURL(d), DefaultModel(d))
		}
	}
	for _, id := range []string{"mistralai/mistral-small", "mistral-small-2409"} {
		if !IsRetired(id) {
			t.Errorf("%s not retired", id)
		}
	}
	for _, id := range []string{DefaultModel(OpenRouter), DefaultModel(Mistral), "mistralai/mistral-small-2603"} {
		if IsRetired(id) {
			t.Errorf("%s retired", id)
		}
		ctx, in, out, ok := KnownModel(id)
		if !ok || ctx < 128000 || in <= 0 || out <= in {
			t.Errorf("KnownModel(%s) = %d %v %v %v", id, ctx, in, out, ok)
		}
	}
	if _, _, _, ok := KnownModel("mistralai/mistral-small"); ok {
		t.Error("a retired model is known")
	}
	m := RetiredModels()
	m["x"] = "y" // a copy: callers cannot change the package's knowledge
	if IsRetired("x") {
		t.Error("RetiredModels returned shared state")
	}
	for old, repl := range RetiredModels() {
		if IsRetired(repl) {
			t.Errorf("%s is replaced by retired %s", old, repl)
		}
	}
}
