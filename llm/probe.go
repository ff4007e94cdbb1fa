package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Probe is what the server says about one model: whether it lists it,
// and its context window.
type Probe struct {
	// Model is the id asked about.
	Model string
	// Listed is the matching entry of GET /models (see MatchModel); Found
	// is false when nothing matched. A server listing a single model
	// (llama-server names it after its GGUF path and answers to any name)
	// gives that model with Sole set.
	Listed ModelInfo
	Found  bool
	Sole   bool
	// Models is the whole listing.
	Models []ModelInfo
	// Context is the window the server states (Tokens 0: it states none).
	Context ContextWindow
	// Ollama is true when the base URL is an Ollama server (its /api/show
	// answered).
	Ollama bool
}

// Probe lists the models (GET /models) and finds model's context window:
// the listing's field (OpenRouter context_length, Mistral
// max_context_length, vLLM max_model_len, llama-server meta.n_ctx), else,
// on a generic server, Ollama's native API: /api/ps (context_length of
// the loaded model: what Ollama really runs with) or /api/show (a
// num_ctx parameter, else model_info.<arch>.context_length, the trained
// maximum; Ollama runs 4k-256k by VRAM unless OLLAMA_CONTEXT_LENGTH says,
// docs/context-length.mdx). The window found is remembered for
// ContextWindow. Errors are those of Models.
func (c *Client) Probe(ctx context.Context, model string) (Probe, error) {
	if model == "" {
		model = c.opts.Model
	}
	p := Probe{Model: model}
	models, err := c.Models(ctx)
	if err != nil {
		return p, err
	}
	p.Models = models
	p.Listed, p.Found = MatchModel(model, models)
	if !p.Found && len(models) == 1 && c.opts.Dialect == OpenAI {
		p.Listed, p.Sole = models[0], true
	}
	if p.Listed.ContextLength > 0 {
		p.Context = ContextWindow{Tokens: p.Listed.ContextLength, Source: "GET /models " + p.Listed.ContextSource}
	}
	if c.opts.Dialect == OpenAI && p.Context.Tokens == 0 {
		p.Ollama, p.Context = c.ollamaWindow(ctx, model)
	}
	c.learnWindow(model, p.Context.Tokens, p.Context.Source)
	if p.Found || p.Sole {
		c.learnImages(model, p.Listed.Images)
		if p.Listed.NoTools {
			c.learnNoTools(model)
		}
	}
	return p, nil
}

// ollamaRoot is the server root under an Ollama base URL (…/v1).
func (c *Client) ollamaRoot() string {
	return strings.TrimSuffix(c.base, "/v1")
}

// ollamaWindow asks Ollama's native API; ok is false when the server is
// not Ollama.
func (c *Client) ollamaWindow(ctx context.Context, model string) (ollama bool, w ContextWindow) {
	var show struct {
		Parameters string         `json:"parameters"`
		ModelInfo  map[string]any `json:"model_info"`
	}
	body, _ := json.Marshal(map[string]string{"model": model})
	if !c.nativeJSON(ctx, http.MethodPost, "/api/show", body, &show) || show.ModelInfo == nil {
		return false, w
	}
	var ps struct {
		Models []struct {
			Name          string `json:"name"`
			Model         string `json:"model"`
			ContextLength int    `json:"context_length"`
		} `json:"models"`
	}
	loaded := func() int {
		if c.nativeJSON(ctx, http.MethodGet, "/api/ps", nil, &ps) {
			for _, m := range ps.Models {
				if m.ContextLength > 0 && (SameModel(model, m.Name) || SameModel(model, m.Model)) {
					return m.ContextLength
				}
			}
		}
		return 0
	}
	n := loaded()
	if n == 0 {
		// Only a loaded model has a runtime context. "If an empty prompt is
		// provided, the model will be loaded into memory" (Ollama's
		// docs/api.md, Load a model): the bot needs it loaded anyway.
		var gen struct {
			Done bool `json:"done"`
		}
		load, _ := json.Marshal(map[string]string{"model": model})
		if c.nativeJSON(ctx, http.MethodPost, "/api/generate", load, &gen) {
			n = loaded()
		}
	}
	if n > 0 {
		return true, ContextWindow{Tokens: n, Source: "ollama /api/ps context_length (the loaded model)"}
	}
	// "parameters" is Modelfile text: "num_ctx 8192\ntemperature 0.15".
	for _, line := range strings.Split(show.Parameters, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "num_ctx" {
			if n, err := strconv.Atoi(f[1]); err == nil && n > 0 {
				return true, ContextWindow{Tokens: n, Source: "ollama /api/show num_ctx"}
			}
		}
	}
	arch, _ := show.ModelInfo["general.architecture"].(string)
	if n, ok := show.ModelInfo[arch+".context_length"].(float64); ok && n > 0 {
		return true, ContextWindow{Tokens: int(n), Source: "ollama /api/show model_info." + arch + ".context_length (trained maximum; the model is not loaded, so Ollama's runtime num_ctx is unknown: set OLLAMA_CONTEXT_LENGTH or llm.context_tokens)"}
	}
	return true, w
}

// nativeJSON calls an Ollama endpoint and decodes a 200 answer.
func (c *Client) nativeJSON(ctx context.Context, method, path string, body []byte, out any) bool {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.ollamaRoot()+path, rd)
	if err != nil {
		return false
	}
	c.setHeaders(req)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return err == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(b, out) == nil
}

// SameModel reports whether two model ids name the same model: equal
// ignoring case, or equal once Ollama's default tag is added ("name" is
// "name:latest").
func SameModel(a, b string) bool {
	return strings.EqualFold(ollamaTag(a), ollamaTag(b))
}

// ollamaTag gives an untagged model name Ollama's default tag (Ollama
// names may have a namespace: user/model means user/model:latest).
func ollamaTag(id string) string {
	id = strings.TrimSpace(id)
	if id == "" || strings.Contains(id, ":") {
		return id
	}
	return id + ":latest"
}

// MatchModel finds want in a GET /models listing: the exact id first,
// then SameModel (Ollama lists mistral-small:latest for mistral-small).
func MatchModel(want string, models []ModelInfo) (ModelInfo, bool) {
	for _, m := range models {
		if m.ID == want {
			return m, true
		}
	}
	for _, m := range models {
		if SameModel(want, m.ID) {
			return m, true
		}
	}
	return ModelInfo{}, false
}

// DefaultContextTokens is the window assumed for a model nobody states a
// window for: small enough for any current chat model.
const DefaultContextTokens = 32768

// ResolveContext picks the context window to trim to: the configured one
// when configured is set (> 0), else the server's (p.Context), else the
// catalogue's for the model, else DefaultContextTokens; Source says which.
func ResolveContext(configured int, p Probe) ContextWindow {
	switch {
	case configured > 0:
		return ContextWindow{Tokens: configured, Source: "llm.context_tokens"}
	case p.Context.Tokens > 0:
		return p.Context
	}
	if n, _, _, ok := KnownModel(p.Model); ok {
		return ContextWindow{Tokens: n, Source: "catalog (llm/catalog.go)"}
	}
	return ContextWindow{Tokens: DefaultContextTokens, Source: "default"}
}

// ContextProblem returns a sentence for `check` when the configured window
// exceeds what the server states (the server would refuse or truncate
// what the bot thinks fits), "" otherwise.
func ContextProblem(configured int, p Probe) string {
	if configured <= 0 || p.Context.Tokens <= 0 || configured <= p.Context.Tokens {
		return ""
	}
	return "llm.context_tokens is " + strconv.Itoa(configured) + " but the server runs " + p.Model +
		" with " + strconv.Itoa(p.Context.Tokens) + " tokens (" + p.Context.Source + "): lower llm.context_tokens or leave it unset"
}
