package llm

import (
	"regexp"
	"strconv"
	"strings"
)

// CodeContextLength: the provider refused the prompt as longer than the
// model's context window. Error.ContextTokens holds the window when the
// provider named it, Error.PromptTokens the prompt size it counted. The
// same request fails again: it is neither retried nor sent to a fallback.
const CodeContextLength Code = "context_length"

// Context-length refusals, by dialect:
//
//	llama.cpp  400 {"error":{"type":"exceed_context_size_error","n_prompt_tokens":1407,"n_ctx":256,...}}
//	           (ggml-org/llama.cpp#15780; the status was 500 before, oobabooga/textgen#7257)
//	OpenAI     400 code "context_length_exceeded", "This model's maximum context length is N tokens..."
//	vLLM       400 BadRequestError "This model's maximum context length is N tokens. However, you
//	           requested M tokens (P in the messages, K in the completion)." (vllm-project/vllm#20409)
//	OpenRouter 400 "This endpoint's maximum context length is N tokens. However, you requested about
//	           M tokens (...)" (Aider-AI/aider#3721, OpenHands/OpenHands#9937)
//	Mistral    400 "Prompt contains M tokens and 0 draft tokens, too large for model with N maximum
//	           context length" (as its API users report it; not in Mistral's docs, hence the loose match)
var (
	reMaxContext  = regexp.MustCompile(`(?i)maximum context length is (\d+)`)
	reTooLargeFor = regexp.MustCompile(`(?i)too large for model with (\d+) maximum context`)
	// The prompt's share of a request that also counted max_tokens:
	// OpenRouter "(7884 of text input, 131072 in the output)", vLLM and
	// OpenAI "(P in the messages, K in the completion)" / "(P in your
	// prompt; K for the completion)"; else the whole request.
	rePromptPart   = regexp.MustCompile(`(?i)\((\d+) (?:of text input|in the messages|in your prompt)`)
	reRequested    = regexp.MustCompile(`(?i)you requested (?:about )?(\d+) tokens`)
	rePromptHolds  = regexp.MustCompile(`(?i)prompt contains (\d+) tokens`)
	reExceedsLimit = regexp.MustCompile(`(?i)(\d+) tokens?\)? (?:is too long and )?exceeds? (?:the )?limit of (\d+)`)
)

// overflowFacts is what a refusal says about the window.
type overflowFacts struct {
	window, prompt int
}

// contextOverflow recognises a context-length refusal in any dialect's
// shape; nCtx and nPrompt are llama.cpp's fields (0 when absent).
func contextOverflow(status int, pe providerError, nCtx, nPrompt int) (overflowFacts, bool) {
	if status != 400 && status != 413 && status != 422 && status != 500 {
		return overflowFacts{}, false
	}
	m := pe.message
	lm := strings.ToLower(m)
	switch {
	case pe.kind == "exceed_context_size_error":
		return overflowFacts{window: nCtx, prompt: nPrompt}, true
	case status == 500:
		return overflowFacts{}, false // only llama.cpp's typed 500 is an overflow
	case pe.code == "context_length_exceeded",
		reMaxContext.MatchString(m),
		reTooLargeFor.MatchString(m),
		strings.Contains(lm, "exceeds the available context size"),
		strings.Contains(lm, "context length exceeded"),
		strings.Contains(lm, "exceeds the context window"),
		reExceedsLimit.MatchString(m):
	default:
		return overflowFacts{}, false
	}
	f := overflowFacts{window: firstInt(m, reMaxContext, reTooLargeFor), prompt: firstInt(m, rePromptPart, reRequested, rePromptHolds)}
	if sm := reExceedsLimit.FindStringSubmatch(m); sm != nil {
		f.prompt, _ = strconv.Atoi(sm[1])
		f.window, _ = strconv.Atoi(sm[2])
	}
	return f, true
}

// firstInt returns the first group of the first pattern that matches s.
func firstInt(s string, res ...*regexp.Regexp) int {
	for _, re := range res {
		if sm := re.FindStringSubmatch(s); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			return n
		}
	}
	return 0
}

// learnWindow remembers a model's context window as the server stated it,
// keeping the smallest figure seen (a refusal outranks a listing).
func (c *Client) learnWindow(model string, tokens int, source string) {
	if model == "" || tokens <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.windows[model]; ok && w.Tokens <= tokens {
		return
	}
	c.windows[model] = ContextWindow{Tokens: tokens, Source: source}
}

// ContextWindow is a model's context window and where the figure came
// from.
type ContextWindow struct {
	Tokens int
	// Source says where Tokens came from: "llm.context_tokens", "GET
	// /models context_length" (or max_model_len, meta.n_ctx, ...), "ollama
	// /api/ps", "ollama /api/show ...", "the provider's refusal",
	// "catalog", "default".
	Source string
}

// ContextWindow returns what the client knows of model's window ("" means
// the default model): learned from the server (Probe, a context-length
// refusal) or configured (Options.ContextTokens); Tokens is 0 when
// neither says. A learned figure smaller than the configured one wins:
// the server enforces it.
func (c *Client) ContextWindow(model string) ContextWindow {
	if model == "" {
		model = c.opts.Model
	}
	c.mu.Lock()
	w, ok := c.windows[model]
	c.mu.Unlock()
	conf := c.opts.ContextTokens
	switch {
	case ok && (conf <= 0 || w.Tokens < conf):
		return w
	case conf > 0:
		return ContextWindow{Tokens: conf, Source: "llm.context_tokens"}
	}
	return ContextWindow{}
}
