package llm

import (
	"math"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestWebSearchCost: without usage.cost, the cost computed from the
// prices adds the web search fee, max_results x $0.004 (5 results when
// none is set); a request without web search pays none; with usage.cost
// the provider's figure is kept as it is.
func TestWebSearchCost(t *testing.T) {
	prices := Options{PriceInputPerMTok: 1, PriceOutputPerMTok: 2}
	cases := []struct {
		name    string
		ws      *WebSearch
		noUsage bool
		fee     float64
	}{
		{"default results", &WebSearch{}, true, 5 * 0.004},
		{"three results", &WebSearch{MaxResults: 3}, true, 3 * 0.004},
		{"no web search", nil, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, prices)
			h.srv.Script(llmtest.Scenario{Reply: "It rains.", NoUsage: c.noUsage})
			_, res, err := h.run(t, Request{Messages: []Message{{Role: RoleUser, Content: "Rain in Paris?"}}, WebSearch: c.ws})
			if err != nil {
				t.Fatal(err)
			}
			u := res.Usage
			tokens := (float64(u.PromptTokens)*1 + float64(u.CompletionTokens)*2) / 1e6
			if u.CostFromProvider || math.Abs(u.CostUSD-(tokens+c.fee)) > 1e-12 {
				t.Fatalf("cost %v (from provider %v), want %v for tokens + %v for the search", u.CostUSD, u.CostFromProvider, tokens, c.fee)
			}
		})
	}
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, prices)
	h.srv.Script(llmtest.Scenario{Reply: "It rains."})
	_, res, err := h.run(t, Request{Messages: []Message{{Role: RoleUser, Content: "Rain in Paris?"}}, WebSearch: &WebSearch{}})
	if err != nil {
		t.Fatal(err)
	}
	if u := res.Usage; !u.CostFromProvider || u.CostUSD <= 0 || u.CostUSD >= 0.02 {
		t.Fatalf("usage %+v: want llmtest's usage.cost as it is", u)
	}
	if (*WebSearch)(nil).Results() != 0 || (&WebSearch{MaxResults: 9}).Results() != 9 {
		t.Fatal("Results")
	}
}
