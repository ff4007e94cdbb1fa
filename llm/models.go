package llm

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
)

// maxModelsBody bounds GET /models (OpenRouter's list is a few MB).
const maxModelsBody = 32 << 20

// modelList covers the shapes of GET /models: OpenRouter's
// (context_length, pricing in USD per token as decimal strings), Mistral's
// (max_context_length, no prices) and vLLM's (max_model_len).
type modelList struct {
	Data []struct {
		ID               string `json:"id"`
		Name             string `json:"name"`
		ContextLength    int    `json:"context_length"`
		MaxContextLength int    `json:"max_context_length"` // Mistral
		MaxModelLen      int    `json:"max_model_len"`      // vLLM
		Pricing          struct {
			Prompt     json.RawMessage `json:"prompt"`
			Completion json.RawMessage `json:"completion"`
		} `json:"pricing"`
		// Architecture is OpenRouter's: input_modalities lists "image"
		// for vision models (https://openrouter.ai/docs/api-reference/list-available-models).
		Architecture struct {
			InputModalities []string `json:"input_modalities"`
		} `json:"architecture"`
		// Capabilities is Mistral's: vision is true for image input
		// (GET /v1/models, https://docs.mistral.ai/api/#tag/models).
		Capabilities struct {
			Vision          *bool `json:"vision"`
			FunctionCalling *bool `json:"function_calling"`
		} `json:"capabilities"`
		// SupportedParameters is OpenRouter's: "tools" when some provider
		// of the model takes tools (same reference as Architecture).
		SupportedParameters []string `json:"supported_parameters"`
		TopProvider         struct {
			ContextLength int `json:"context_length"`
		} `json:"top_provider"`
		// Meta is llama-server's: n_ctx is the context it runs with,
		// n_ctx_train the model's own (NousResearch/hermes-agent#64904).
		Meta struct {
			NCtx      int `json:"n_ctx"`
			NCtxTrain int `json:"n_ctx_train"`
		} `json:"meta"`
	} `json:"data"`
}

// Models lists the models the provider offers (GET /models), sorted by
// id. Errors are *Error: CodeAuth for a rejected key, and so on.
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/models", nil)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Message: "build request", Err: err}
	}
	c.setHeaders(req)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxError(ctx, "", false)
		}
		return nil, &Error{Code: CodeUnavailable, Message: "list models: connection failed", Err: unwrapURL(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxModelsBody))
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Status: resp.StatusCode, Message: "list models: read body", Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := httpError(resp.StatusCode, resp.Header, body, c.now())
		e.Message = c.redact(e.Message)
		return nil, e
	}
	return parseModels(body)
}

// parseModels decodes a GET /models body.
func parseModels(body []byte) ([]ModelInfo, error) {
	var list modelList
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "list models: malformed JSON", Err: err}
	}
	out := make([]ModelInfo, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID == "" {
			continue
		}
		info := ModelInfo{
			ID:                 m.ID,
			Name:               m.Name,
			PriceInputPerMTok:  perMTok(m.Pricing.Prompt),
			PriceOutputPerMTok: perMTok(m.Pricing.Completion),
		}
		switch {
		case m.Capabilities.Vision != nil && *m.Capabilities.Vision:
			info.Images = ImagesYes
		case m.Capabilities.Vision != nil:
			info.Images = ImagesNo
		case len(m.Architecture.InputModalities) > 0:
			info.Images = ImagesNo
			for _, mod := range m.Architecture.InputModalities {
				if mod == "image" {
					info.Images = ImagesYes
				}
			}
		}
		switch {
		case m.Capabilities.FunctionCalling != nil:
			info.NoTools = !*m.Capabilities.FunctionCalling
		case len(m.SupportedParameters) > 0:
			info.NoTools = !slices.Contains(m.SupportedParameters, "tools")
		}
		// The server's runtime figure first: OpenRouter's context_length,
		// Mistral's max_context_length, vLLM's max_model_len, llama-server's
		// meta.n_ctx (never n_ctx_train: the server may run less).
		for _, f := range []struct {
			n    int
			name string
		}{
			{m.ContextLength, "context_length"}, {m.MaxContextLength, "max_context_length"},
			{m.MaxModelLen, "max_model_len"}, {m.Meta.NCtx, "meta.n_ctx"},
			{m.TopProvider.ContextLength, "top_provider.context_length"},
		} {
			if f.n > 0 {
				info.ContextLength, info.ContextSource = f.n, f.name
				break
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// perMTok converts OpenRouter's USD-per-token price ("0.000000075", or a
// number) to USD per million tokens; unknown or negative (OpenRouter's
// "-1" for variable pricing) is 0.
func perMTok(raw json.RawMessage) float64 {
	if !isSet(raw) {
		return 0
	}
	s := plainString(raw)
	if s == "" {
		s = string(raw)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0
	}
	return math.Round(f*1e15) / 1e9 // per MTok, without float noise
}
