package config

import (
	"strings"
	"testing"
)

func TestReplaceRetired(t *testing.T) {
	t.Parallel()
	c := &Config{LLM: LLM{Provider: ProviderOpenRouter, Model: "mistralai/mistral-small",
		FallbackModels: []string{"mistralai/mistral-small-2603", "mistral-small-2409"}},
		Channels: map[string]Channel{"slack:C1": {Model: "mistralai/mistral-small"}, "slack:C2": {Model: "x"}}}
	w := c.ReplaceRetired()
	if len(w) != 3 {
		t.Fatalf("warnings = %q, want 3", w)
	}
	if !strings.Contains(w[0], `llm.model: "mistralai/mistral-small" is retired; using "mistralai/mistral-small-3.2-24b-instruct"`) {
		t.Errorf("warning = %q", w[0])
	}
	if c.LLM.Model != "mistralai/mistral-small-3.2-24b-instruct" {
		t.Errorf("model = %q", c.LLM.Model)
	}
	if len(c.LLM.FallbackModels) != 1 || c.LLM.FallbackModels[0] != "mistralai/mistral-small-2603" {
		t.Errorf("fallbacks = %q", c.LLM.FallbackModels)
	}
	if c.Channels["slack:C1"].Model != "mistralai/mistral-small-3.2-24b-instruct" || c.Channels["slack:C2"].Model != "x" {
		t.Errorf("channels = %+v", c.Channels)
	}
	m := &Config{LLM: LLM{Provider: ProviderMistral, Model: "mistral-small-2409"}}
	if w := m.ReplaceRetired(); len(w) != 1 || m.LLM.Model != "mistral-small-latest" {
		t.Errorf("mistral: %q -> %q", w, m.LLM.Model)
	}
	ok := &Config{LLM: LLM{Provider: ProviderOpenRouter, Model: "mistralai/mistral-small-3.2-24b-instruct"}}
	if w := ok.ReplaceRetired(); len(w) != 0 {
		t.Errorf("current model warned: %q", w)
	}
}
