package llm

import (
	"context"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestPriceWarningAgainstLiveListing: check compares what the bot counts
// with OpenRouter's live pricing.
func TestPriceWarningAgainstLiveListing(t *testing.T) {
	models := llmtest.DefaultModels(llmtest.OpenRouter)
	models[0].PromptPrice = 0.0000001 // 3.2 got dearer: $0.10 per M in
	h := newHarness(t, llmtest.Options{Models: models}, Options{Dialect: OpenRouter})
	for _, tc := range []struct {
		model string
		warn  bool
	}{
		{"mistralai/mistral-small-3.2-24b-instruct", true},
		{"mistralai/mistral-small-2603", false},
	} {
		p, err := h.c.Probe(context.Background(), tc.model)
		if err != nil || !p.Found {
			t.Fatalf("%+v %v", p, err)
		}
		_, in, out, ok := KnownModel(tc.model)
		if !ok {
			t.Fatalf("%s not in the catalogue", tc.model)
		}
		w := PriceWarning(in, out, p.Listed)
		if (w != "") != tc.warn {
			t.Fatalf("%s: warning %q, want one: %v", tc.model, w, tc.warn)
		}
		if tc.warn && (!strings.Contains(w, "$0.1 / $0.2") || !strings.Contains(w, "llm.price_input_per_mtok")) {
			t.Fatalf("warning does not name the live price and the keys: %q", w)
		}
	}
	// Providers that list no price give no warning.
	if w := PriceWarning(0.1, 0.3, ModelInfo{ID: "mistral-small-latest"}); w != "" {
		t.Fatalf("warning without a live price: %q", w)
	}
}

// TestCatalogSmall4: the Mistral Small 4 ids carry its published window
// and price; -latest is priced as Small 4.
func TestCatalogSmall4(t *testing.T) {
	for id, want := range map[string][3]float64{
		"mistralai/mistral-small-2603": {262144, 0.15, 0.60},
		"mistral-small-2603":           {262144, 0.15, 0.60},
		"mistral-small-latest":         {128000, 0.15, 0.60},
		"mistral-small-2506":           {128000, 0.10, 0.30},
	} {
		n, in, out, ok := KnownModel(id)
		if !ok || float64(n) != want[0] || in != want[1] || out != want[2] {
			t.Errorf("%s: %d %g %g %v, want %v", id, n, in, out, ok, want)
		}
	}
}
