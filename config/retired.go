package config

import (
	"fmt"
	"slices"
)

// ReplaceRetired swaps every retired model id (llm.model, llm.fallback_models,
// channels.*.model) for the provider's current Mistral Small and returns one
// warning per replacement, naming the key, the retired id and what is used
// instead. The bot keeps running on the current model; callers log the
// warnings as errors and `check` reports them as failures, so the operator
// fixes the file.
func (c *Config) ReplaceRetired() []string {
	current := DefaultModel(c.LLM.Provider)
	if current == "" {
		current = DefaultModel(ProviderOpenRouter)
	}
	var warnings []string
	replace := func(key string, model *string) {
		if IsRetired(*model) {
			warnings = append(warnings, fmt.Sprintf("%s: %q is retired; using %q (the current Mistral Small) instead: set %s to it", key, *model, current, key))
			*model = current
		}
	}
	replace("llm.model", &c.LLM.Model)
	for i := range c.LLM.FallbackModels {
		replace(fmt.Sprintf("llm.fallback_models[%d]", i), &c.LLM.FallbackModels[i])
	}
	// A fallback equal to the model after replacement is no fallback.
	c.LLM.FallbackModels = slices.DeleteFunc(c.LLM.FallbackModels, func(m string) bool { return m == c.LLM.Model })
	for _, id := range sortedKeys(c.Channels) {
		ch := c.Channels[id]
		replace("channels."+id+".model", &ch.Model)
		c.Channels[id] = ch
	}
	return warnings
}
