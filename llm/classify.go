package llm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// providerError is what an error body says, whatever its envelope:
//
//	OpenRouter / OpenAI  {"error":{"code":429,"message":"...","metadata":{...}}}
//	Mistral              {"object":"error","message":"..." or {"detail":[...]},"type":"...","code":"unknown_model"}
//	FastAPI (Mistral)    {"detail":"Unauthorized"} or {"detail":[{"loc":[...],"msg":"..."}]}
//	bare                 {"message":"..."} or {"error":"..."} (Ollama, llama.cpp)
type providerError struct {
	found   bool
	message string
	status  int    // a numeric code in the body (OpenRouter: the HTTP status)
	code    string // a textual code ("unknown_model", "1300")
	kind    string // type / metadata.error_type
	param   string
	// nCtx and nPrompt are llama.cpp's exceed_context_size_error fields.
	nCtx, nPrompt int
}

type errorEnvelope struct {
	Error   json.RawMessage `json:"error"`
	Object  string          `json:"object"`
	Message json.RawMessage `json:"message"`
	Detail  json.RawMessage `json:"detail"`
	Type    string          `json:"type"`
	Param   json.RawMessage `json:"param"`
	Code    json.RawMessage `json:"code"`
}

type errorObject struct {
	Code     json.RawMessage `json:"code"`
	Message  json.RawMessage `json:"message"`
	Type     string          `json:"type"`
	Param    json.RawMessage `json:"param"`
	Metadata struct {
		ErrorType    string `json:"error_type"`
		ProviderName string `json:"provider_name"`
	} `json:"metadata"`
	NCtx          int `json:"n_ctx"`           // llama.cpp
	NPromptTokens int `json:"n_prompt_tokens"` // llama.cpp
}

// parseProviderError reads an error body in any known envelope. found is
// false when the body is not JSON or carries no error.
func parseProviderError(body []byte) providerError {
	var env errorEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return providerError{}
	}
	var pe providerError
	if isSet(env.Error) {
		pe.found = true
		var obj errorObject
		if json.Unmarshal(env.Error, &obj) == nil {
			pe.message = messageText(obj.Message)
			pe.status, pe.code = codeOf(obj.Code)
			pe.kind = firstNonEmpty(obj.Metadata.ErrorType, obj.Type)
			pe.param = plainString(obj.Param)
			pe.nCtx, pe.nPrompt = obj.NCtx, obj.NPromptTokens
			if obj.Metadata.ProviderName != "" && pe.message != "" {
				pe.message += " (" + obj.Metadata.ProviderName + ")"
			}
		} else {
			pe.message = plainString(env.Error)
		}
		return pe
	}
	if env.Object == "error" || isSet(env.Message) || isSet(env.Detail) {
		pe.found = true
		pe.message = firstNonEmpty(messageText(env.Message), messageText(env.Detail))
		pe.status, pe.code = codeOf(env.Code)
		pe.kind = env.Type
		pe.param = plainString(env.Param)
	}
	return pe
}

func isSet(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// messageText flattens a message that is a string, an object with a
// detail list (Mistral's 422), or a detail list itself.
func messageText(raw json.RawMessage) string {
	if !isSet(raw) {
		return ""
	}
	if s := plainString(raw); s != "" {
		return s
	}
	var obj struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(raw, &obj) == nil && isSet(obj.Detail) {
		return messageText(obj.Detail)
	}
	var list []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		parts := make([]string, 0, len(list))
		for _, d := range list {
			loc := make([]string, 0, len(d.Loc))
			for _, l := range d.Loc {
				loc = append(loc, strings.Trim(strconv.Quote(toString(l)), `"`))
			}
			if len(loc) > 0 {
				parts = append(parts, strings.Join(loc, ".")+": "+d.Msg)
			} else {
				parts = append(parts, d.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return string(bytes.TrimSpace(raw))
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func plainString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// codeOf splits a "code" that is a number or a string.
func codeOf(raw json.RawMessage) (int, string) {
	if !isSet(raw) {
		return 0, ""
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil {
		return int(n), ""
	}
	return 0, plainString(raw)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// codeForStatus maps an HTTP status (or the status-like code of an error
// inside a stream) to a domain code.
func codeForStatus(status int, pe providerError) Code {
	switch {
	case modelNotFound(status, pe):
		return CodeNotFound
	case status == 401 || status == 403:
		return CodeAuth
	case status == 402:
		return CodeBudget
	case status == 404:
		return CodeInvalid // a path, not a model: most likely a wrong base URL
	case status == 408:
		return CodeTimeout
	case status == 429:
		return CodeRateLimited
	case status >= 500 && status <= 599:
		return CodeUnavailable
	case status >= 400 && status <= 499:
		return CodeInvalid
	}
	return CodeInternal
}

// modelNotFound recognises "this model id is unknown or retired" in every
// provider's wording: OpenRouter's 400 "is not a valid model ID" and 404
// "No endpoints found for", Mistral's 400 code unknown_model / "Invalid
// model", vLLM's and Ollama's "model ... does not exist / not found".
func modelNotFound(status int, pe providerError) bool {
	if status != 400 && status != 404 && status != 422 {
		return false
	}
	if pe.code == "unknown_model" || pe.code == "model_not_found" {
		return true
	}
	m := strings.ToLower(pe.message)
	switch {
	case strings.Contains(m, "not a valid model"),
		strings.Contains(m, "invalid model"),
		strings.Contains(m, "unknown model"),
		strings.Contains(m, "no endpoints found"),
		strings.Contains(m, "model not found"),
		strings.Contains(m, "model") && (strings.Contains(m, "does not exist") || strings.Contains(m, "not found")):
		return true
	}
	return false
}

// retryable reports whether a failure before the first byte may be
// retried: connection errors, 408, 429, 5xx (incl. Cloudflare's 524 and
// 529). Never 400, 401, 402, 403, 404, 422.
func retryable(e *Error) bool {
	switch e.Code {
	case CodeUnavailable, CodeRateLimited, CodeTimeout:
		return true
	}
	return false
}

// httpError builds the *Error for a non-2xx answer.
func httpError(status int, h http.Header, body []byte, now time.Time) *Error {
	pe := parseProviderError(body)
	msg := pe.message
	if !pe.found || msg == "" {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 300 || strings.HasPrefix(msg, "<") {
			msg = http.StatusText(status)
		}
	}
	e := &Error{Code: codeForStatus(status, pe), Status: status, Message: msg}
	if imagesRefused(status, msg) {
		// "No endpoints found that support image input" is no retired
		// model: never mark the model dead for it.
		e.Code, e.ImagesRefused = CodeInvalid, true
	}
	if f, ok := contextOverflow(status, pe, pe.nCtx, pe.nPrompt); ok {
		e.Code, e.ContextTokens, e.PromptTokens = CodeContextLength, f.window, f.prompt
	}
	e.RetryAfter, _ = retryAfter(h, now)
	return e
}

// retryAfter reads Retry-After (seconds or an HTTP date) or OpenAI's
// retry-after-ms.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// streamError builds the *Error for an error reported inside a 200 body or
// stream, from the error object's JSON (nil when only finish_reason said
// "error").
func streamError(raw []byte) *Error {
	pe := providerError{found: true}
	if len(raw) > 0 {
		var obj errorObject
		if json.Unmarshal(raw, &obj) == nil {
			pe.message = messageText(obj.Message)
			pe.status, pe.code = codeOf(obj.Code)
			pe.kind = firstNonEmpty(obj.Metadata.ErrorType, obj.Type)
		} else {
			pe.message = plainString(raw)
		}
	}
	if pe.message == "" {
		pe.message = "the provider ended the reply with an error"
	}
	status := pe.status
	if status < 400 || status > 599 {
		status = 502 // no usable code: an upstream failure
	}
	e := &Error{Code: codeForStatus(status, pe), Status: pe.status, Message: pe.message}
	if f, ok := contextOverflow(status, pe, pe.nCtx, pe.nPrompt); ok {
		e.Code, e.ContextTokens, e.PromptTokens = CodeContextLength, f.window, f.prompt
	}
	return e
}
