package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
)

// discordHost is where discordgo's Endpoint* variables point; they are
// computed at init, so a REST proxy or a test server is reached by
// rewriting requests in the transport.
const discordHost = "discord.com"

// apiPrefix is the path prefix of discordgo's REST endpoints ("/api/v9").
var apiPrefix = "/api/v" + discordgo.APIVersion

// transport rewrites Discord REST requests to api_url, answers the gateway
// discovery request when gateway_url is set, lets every request bound by
// Discord's global limit through the global budget (a global 429 pauses
// it), feeds the rate-limit headers of every response to the budgets and
// reports 429s and API errors to Hooks.
type transport struct {
	base    http.RoundTripper
	api     *url.URL // nil: talk to discord.com
	gateway string   // "": ask Discord
	budgets *budgets
	global  *globalBudget // nil: no global pacing
	// timeout bounds one exchange with Discord, from the moment the
	// global budget lets it through (the client's own timeout would count
	// the wait for the budget too).
	timeout time.Duration
	hooks   Hooks
	now     func() time.Time
}

// parseAPIURL accepts "http://host:port", "https://proxy/prefix" or the
// same with a trailing /api or /api/vN; it returns the URL whose scheme, host and
// path prefix replace https://discord.com.
func parseAPIURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("discord: api_url %q: want an http(s) URL with a host", s)
	}
	p := strings.TrimSuffix(u.Path, "/")
	if i := strings.LastIndex(p, "/api"); i >= 0 && (p[i:] == "/api" || strings.HasPrefix(p[i:], "/api/v")) {
		p = p[:i]
	}
	u.Path = p
	return u, nil
}

// RoundTrip implements http.RoundTripper. It blocks while the global
// budget has no room for the request (unless the request carries a ticket
// taken for it), and returns the request context's error if it ends first.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != discordHost || !strings.HasPrefix(req.URL.Path, apiPrefix+"/") {
		return t.send(req)
	}
	path := strings.TrimPrefix(req.URL.Path, apiPrefix)
	if t.gateway != "" && req.Method == http.MethodGet && (path == "/gateway" || path == "/gateway/bot") {
		return gatewayResponse(req, t.gateway), nil
	}
	out := req
	if t.api != nil {
		out = req.Clone(req.Context())
		out.URL.Scheme = t.api.Scheme
		out.URL.Host = t.api.Host
		out.URL.Path = t.api.Path + req.URL.Path
		out.URL.RawPath = ""
		out.Host = t.api.Host
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	paced := t.global != nil && !globalExempt(parts)
	if paced && !ticketOf(req.Context()).use() {
		if err := t.global.acquire(req.Context()); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
	}
	resp, err := t.send(out)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests && t.global != nil {
		// Paused before the slot is given back: no call goes meanwhile.
		if after, global := rateLimitOf(resp); global {
			t.global.pause(after)
		}
	}
	if paced {
		// Even a failed request may have reached Discord.
		t.global.release(true)
	}
	if err != nil {
		return nil, err
	}
	if key := budgetKey(req.Method, parts); key != "" {
		if b := t.budgets.peek(key); b != nil {
			b.observe(resp.Header, t.now())
		}
	}
	if resp.StatusCode >= 400 {
		route := routeOf(req.Method, parts)
		if resp.StatusCode == http.StatusTooManyRequests {
			t.hooks.RateLimited(route)
		} else {
			t.hooks.APIError(route, errorCode(resp))
		}
	}
	return resp, nil
}

// send makes one exchange with the base transport, bounded by t.timeout
// until the response body is closed.
func (t *transport) send(req *http.Request) (*http.Response, error) {
	if t.timeout <= 0 {
		return t.base.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends a request's context when its response body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and ends the context.
func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// globalExempt reports whether a request is outside Discord's global
// limit: the interaction endpoints (the callback and the webhooks on an
// interaction token) are not bound to it.
func globalExempt(parts []string) bool {
	return parts[0] == "interactions" || (parts[0] == "webhooks" && len(parts) >= 3)
}

// rateLimitOf reads how long a 429 asks to wait (retry_after in the body,
// to the millisecond, else the Retry-After header, else a second) and
// whether it is the global limit; it puts the body back.
func rateLimitOf(resp *http.Response) (after time.Duration, global bool) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var b struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	if err == nil {
		_ = json.Unmarshal(body, &b)
	}
	h := resp.Header
	global = b.Global || strings.EqualFold(h.Get("X-RateLimit-Global"), "true") || h.Get("X-RateLimit-Scope") == "global"
	secs := b.RetryAfter
	if secs <= 0 {
		secs, _ = strconv.ParseFloat(h.Get("Retry-After"), 64)
	}
	if secs <= 0 {
		return time.Second, global
	}
	return time.Duration(secs * float64(time.Second)), global
}

// gatewayResponse answers GET /gateway[/bot] with the configured URL.
func gatewayResponse(req *http.Request, gw string) *http.Response {
	body, _ := json.Marshal(map[string]any{"url": gw, "shards": 1,
		"session_start_limit": map[string]int{"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}
}

// errorCode reads Discord's JSON error code from an error response (and
// puts the body back); it falls back to the HTTP status.
func errorCode(resp *http.Response) int {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp.StatusCode
	}
	var e struct {
		Code int `json:"code"`
	}
	if json.Unmarshal(body, &e) == nil && e.Code != 0 {
		return e.Code
	}
	return resp.StatusCode
}

// budgetKey names the rate-limit bucket a request counts against: message
// writes per channel, thread creation per parent channel, interaction
// webhooks per token. Other requests are left to discordgo's limiter.
func budgetKey(method string, parts []string) string {
	switch {
	case len(parts) >= 3 && parts[0] == "channels" && parts[2] == "messages" && method != http.MethodGet:
		if len(parts) == 5 && parts[4] == "threads" {
			return "threads:" + parts[1]
		}
		return "messages:" + parts[1]
	case len(parts) >= 3 && parts[0] == "webhooks":
		return "webhook:" + parts[2]
	}
	return ""
}

// routeOf is a request's route with ids and tokens replaced, safe to log
// and to use as a metric label: "PATCH /webhooks/{id}/{token}/messages/{id}".
func routeOf(method string, parts []string) string {
	tpl := make([]string, len(parts))
	for i, p := range parts {
		switch {
		case i == 2 && (parts[0] == "webhooks" || parts[0] == "interactions"):
			p = "{token}"
		case p != "" && p[0] >= '0' && p[0] <= '9':
			if _, err := strconv.ParseUint(p, 10, 64); err == nil {
				p = "{id}"
			}
		}
		tpl[i] = p
	}
	return method + " /" + strings.Join(tpl, "/")
}
