package llm

import "strings"

// CodeToolsUnsupported: the server refused the request because of its
// tools (the model or the server takes none). The same request without
// Tools (and ToolChoice) will be answered: the engine asks again without
// them and says the tools were not available. Never retried as is, never
// a reason to mark the model retired or to fall back.
const CodeToolsUnsupported Code = "tools_unsupported"

// toolsRefused recognises a refusal of the tools in each server's words:
//
//	OpenRouter 404 "No endpoints found that support tool use." (pydantic/pydantic-ai#2896,
//	           bobrware/bobrchat#60) and "No endpoints found that support the provided
//	           'tool_choice' value." (zed-industries/zed#36094): no retired model
//	Ollama     400 "<model> does not support tools" (ollama/ollama#5793, cline/cline#460)
//	vLLM       400 "\"auto\" tool choice requires --enable-auto-tool-choice and
//	           --tool-call-parser to be set" (ogx-ai/ogx#1185)
//	llama.cpp  500 "Unsupported param: tools" (ggml-org/llama.cpp#10920) and 500
//	           "Cannot use tools with stream" (simonw/llm-llama-server#3): a 500 that
//	           retrying cannot cure
//
// Only asked when the request carried tools.
func toolsRefused(status int, msg string) bool {
	if status < 400 || status > 599 {
		return false
	}
	m := strings.ToLower(msg)
	for _, p := range []string{
		"support tool use", "provided 'tool_choice' value", "does not support tools",
		"enable-auto-tool-choice", "unsupported param: tools", "cannot use tools with stream",
		"tools are not supported", "does not support function calling",
	} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// toolModels are the catalogue's ids that take tools: Mistral Small 3.2
// (2506) and Small 4 (2603) support function calling
// (https://docs.mistral.ai/capabilities/function_calling/ lists the
// Small models), as does every current Mistral model behind these ids.
var toolModels = []string{
	"mistral-small-3.2", "mistral-small-2506", "mistral-small-2603", "mistral-small-latest",
	"mistral-small3.2", // Ollama's name
}

// KnownToolModel reports whether the catalogue knows id to take tools
// (for `check` and the docs; TakesTools also tries unknown models).
func KnownToolModel(id string) bool {
	id = catalogID(id)
	for _, v := range toolModels {
		if strings.Contains(id, v) {
			return true
		}
	}
	return false
}

// TakesTools reports whether the engine should send tools for model:
// false once the server refused them (CodeToolsUnsupported) in this
// process or its listing said so (Probe: OpenRouter's
// supported_parameters, Mistral's capabilities.function_calling), true
// otherwise. The catalogue's Small 3.2 and Small 4 take
// them; a model nobody knows is tried (a refusal costs one round trip
// and is remembered).
func (c *Client) TakesTools(model string) bool {
	if model == "" {
		model = c.opts.Model
	}
	c.mu.Lock()
	no := c.noTools[model]
	c.mu.Unlock()
	return !no
}

// learnNoTools remembers that the server refused tools for model.
func (c *Client) learnNoTools(model string) {
	c.mu.Lock()
	c.noTools[model] = true
	c.mu.Unlock()
}

// WebSearchAvailable reports whether Request.WebSearch works with this
// client's provider. Only OpenRouter offers web search on chat
// completions (its web plugin). Mistral's web_search and
// web_search_premium connectors exist only in its Agents and
// Conversations APIs (https://docs.mistral.ai/agents/connectors/websearch:
// tools=[{"type":"web_search"}] on client.beta.agents.create or
// conversations.start), which this client does not speak; generic
// servers have none.
func (c *Client) WebSearchAvailable() bool { return c.opts.Dialect == OpenRouter }
