package llmtest

import (
	"context"
	"fmt"
	"net/http"
)

// ServerKind is the OpenAI-compatible server the generic dialect imitates:
// it decides the GET /models shape, what happens to a prompt longer than
// Options.ContextTokens, and the extra endpoints (Ollama's /api/*).
type ServerKind string

// The servers the generic dialect can imitate.
const (
	// VLLM lists max_model_len in /models and refuses an overlong request
	// with 400 "This model's maximum context length is N tokens. However,
	// you requested M tokens (P in the messages, K in the completion)."
	// (quoted in llamastack/llama-stack discussion #981 and
	// vllm-project/vllm#20409). The default.
	VLLM ServerKind = "vllm"
	// LlamaCpp (llama-server) lists meta.n_ctx in /models
	// (NousResearch/hermes-agent#64904) and refuses with 400
	// exceed_context_size_error carrying n_prompt_tokens and n_ctx
	// (ggml-org/llama.cpp#15780, oobabooga/textgen#7257).
	LlamaCpp ServerKind = "llamacpp"
	// Ollama lists no context in /v1/models, serves /api/show (model_info.
	// <arch>.context_length, the trained maximum) and /api/ps
	// (context_length of the loaded model, ollama/ollama#11331), accepts
	// "name" for "name:latest", and truncates an overlong prompt from the
	// front without an error, reporting prompt_tokens equal to its context
	// (ed-donner/llm_engineering#80: "truncating input prompt" limit=2048
	// prompt=3940 new=2048).
	Ollama ServerKind = "ollama"
)

// maxOpenRouterModels is OpenRouter's cap on the models array: "'models'
// array must have 3 items or fewer." (coder/xum#2963).
const maxOpenRouterModels = 3

func (s *Server) kind() ServerKind {
	if s.opts.Dialect != OpenAI {
		return ""
	}
	if s.opts.Server == "" {
		return VLLM
	}
	return s.opts.Server
}

// tooManyModels answers OpenRouter's 400 for a models array over the cap.
func (s *Server) tooManyModels(w http.ResponseWriter, req chatRequest) bool {
	if s.opts.Dialect != OpenRouter || len(req.Models) <= maxOpenRouterModels {
		return false
	}
	writeJSON(w, http.StatusBadRequest, `{"error":{"code":400,"message":"'models' array must have 3 items or fewer.","metadata":{"error_type":"invalid_request"}},"user_id":"user_2abc"}`, "")
	return true
}

// overflow enforces Options.ContextTokens: it refuses the request in the
// server's words (true: answered), or, like Ollama, drops messages from
// the front until the prompt fits and returns the prompt_tokens to report.
func (s *Server) overflow(w http.ResponseWriter, req *chatRequest) (answered bool, reportPrompt int) {
	n := s.opts.ContextTokens
	if n <= 0 {
		return false, 0
	}
	msgs := req.messages()
	prompt := PromptTokens(msgs)
	completion := max(req.MaxTokens, 0)
	switch {
	case s.opts.Dialect == OpenRouter && prompt+completion > n:
		// Aider-AI/aider#3721 and OpenHands/OpenHands#9937 quote it.
		msg := fmt.Sprintf("This endpoint's maximum context length is %d tokens. However, you requested about %d tokens (%d of text input, %d in the output). Please reduce the length of either one, or use the \"middle-out\" transform to compress your prompt automatically.", n, prompt+completion, prompt, completion)
		writeJSON(w, http.StatusBadRequest, `{"error":{"code":400,"message":`+q(msg)+`,"metadata":{"provider_name":"Mistral"}},"user_id":"user_2abc"}`, "")
		return true, 0
	case s.opts.Dialect == Mistral && prompt > n:
		// Mistral's wording as reported by its API users; not found in
		// Mistral's docs, so llm matches it loosely.
		msg := fmt.Sprintf("Prompt contains %d tokens and 0 draft tokens, too large for model with %d maximum context length", prompt, n)
		writeJSON(w, http.StatusBadRequest, `{"object":"error","message":`+q(msg)+`,"type":"invalid_request_error","param":null,"code":null}`, "")
		return true, 0
	case s.kind() == LlamaCpp && prompt >= n:
		writeJSON(w, http.StatusBadRequest, fmt.Sprintf(`{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":%d,"n_ctx":%d}}`, prompt, n), "")
		return true, 0
	case s.kind() == VLLM && prompt+completion > n:
		msg := fmt.Sprintf("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.", n, prompt+completion, prompt, completion)
		writeJSON(w, http.StatusBadRequest, `{"object":"error","message":`+q(msg)+`,"type":"BadRequestError","param":null,"code":400}`, "")
		return true, 0
	case s.kind() == Ollama && prompt > n:
		// Silent front truncation: the system prompt goes first.
		for len(req.Messages) > 1 && PromptTokens(req.messages()) > n {
			req.Messages = req.Messages[1:]
		}
		s.mu.Lock()
		s.truncated++
		s.mu.Unlock()
		return false, n
	}
	return false, 0
}

// acquire waits for one of Options.Slots processing slots, as a server
// with that many parallel slots queues the rest before sending headers.
// It returns false when the client gave up while queued (counted in
// Stats().Abandoned) or the server closes.
func (s *Server) acquire(r *http.Request) (release func(), ok bool) {
	if s.slots == nil {
		return func() {}, true
	}
	select {
	case s.slots <- struct{}{}:
	case <-r.Context().Done():
		s.mu.Lock()
		s.abandoned++
		s.statsChanged()
		s.mu.Unlock()
		return nil, false
	case <-s.done:
		return nil, false
	}
	s.mu.Lock()
	s.busy++
	s.maxBusy = max(s.maxBusy, s.busy)
	s.statsChanged()
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.busy--
		s.mu.Unlock()
		<-s.slots
	}, true
}

// Stats are counters of what the server went through.
type Stats struct {
	// Abandoned counts chat requests whose client went away while they
	// waited for a slot (Options.Slots).
	Abandoned int
	// MaxBusy is the most requests processed at once.
	MaxBusy int
	// Truncated counts prompts cut from the front (Ollama).
	Truncated int
	// Cancelled counts chat streams whose client went away (cancelled
	// the request, closed the connection) before the stream ended.
	Cancelled int
}

// clientGone counts a stream its client left (Stats.Cancelled).
func (s *Server) clientGone() {
	s.mu.Lock()
	s.cancelled++
	s.statsChanged()
	s.mu.Unlock()
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Abandoned: s.abandoned, MaxBusy: s.maxBusy, Truncated: s.truncated, Cancelled: s.cancelled}
}

// statsChanged wakes WaitStats callers; s.mu is held.
func (s *Server) statsChanged() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// WaitStats blocks until cond holds for the counters, or ctx ends (false).
func (s *Server) WaitStats(ctx context.Context, cond func(Stats) bool) bool {
	for {
		s.mu.Lock()
		st := Stats{Abandoned: s.abandoned, MaxBusy: s.maxBusy, Truncated: s.truncated, Cancelled: s.cancelled}
		if cond(st) {
			s.mu.Unlock()
			return true
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}
