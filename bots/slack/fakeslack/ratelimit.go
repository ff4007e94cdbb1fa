package fakeslack

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Limit is the budget of one Web API method in one workspace: a token
// bucket holding Burst calls and refilled at PerMinute calls per minute.
// With PerChannel the bucket is per channel (chat.postMessage's "about one
// message per second per channel, short bursts allowed").
type Limit struct {
	PerMinute  int
	Burst      int
	PerChannel bool
}

// Slack's documented tiers (calls per minute per workspace and method).
var (
	Tier1 = Limit{PerMinute: 1, Burst: 5}
	Tier2 = Limit{PerMinute: 20, Burst: 20}
	Tier3 = Limit{PerMinute: 50, Burst: 50}
	Tier4 = Limit{PerMinute: 100, Burst: 100}
	// PostMessage is chat.postMessage's special limit.
	PostMessage = Limit{PerMinute: 60, Burst: 10, PerChannel: true}
)

// DefaultLimits returns the budgets the fake enforces unless overridden,
// after Slack's published tiers.
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		"auth.test":             Tier4,
		"apps.connections.open": Tier1,
		"chat.postMessage":      PostMessage,
		"chat.update":           Tier3,
		"chat.delete":           Tier3,
		"chat.postEphemeral":    Tier4,
		"chat.startStream":      Tier2,
		"chat.stopStream":       Tier2,
		"chat.appendStream":     Tier4,
		"conversations.replies": Tier3,
		"conversations.history": Tier3,
		"conversations.open":    Tier3,
		// "This method allows hundreds of requests per minute"
		// (https://api.slack.com/methods/chat.getPermalink).
		"chat.getPermalink":                     Tier4,
		"users.info":                            Tier4,
		"files.info":                            Tier4,
		"assistant.threads.setStatus":           Tier4,
		"assistant.threads.setSuggestedPrompts": Tier4,
		"assistant.threads.setTitle":            Tier4,
		"views.publish":                         Tier4,
	}
}

type bucket struct {
	tokens float64
	last   time.Time
}

type forced429 struct {
	method     string // "" = any
	left       int
	retryAfter time.Duration
}

// Force429 makes the next n calls of method ("" for any method) fail with
// 429 and Retry-After (rounded up to whole seconds, at least 1).
func (s *Server) Force429(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	s.forced = append(s.forced, forced429{method: method, left: n, retryAfter: retryAfter})
	s.mu.Unlock()
}

// NonMarketplaceRead is conversations.history's and .replies' budget for a
// non-Marketplace distributed app: "limited to 1 request per minute"
// (https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
var NonMarketplaceRead = Limit{PerMinute: 1, Burst: 1}

func (s *Server) limitFor(method string) (Limit, bool) {
	if l, found := s.opts.Limits[method]; found {
		return l, l.PerMinute > 0
	}
	if s.opts.NonMarketplace && (method == "conversations.history" || method == "conversations.replies") {
		return NonMarketplaceRead, true
	}
	l, found := DefaultLimits()[method]
	return l, found
}

// checkLimit applies forced 429s, then the method's budget.
func (s *Server) checkLimit(method string, p url.Values) (apiResult, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.forced {
		f := &s.forced[i]
		if f.left > 0 && (f.method == "" || f.method == method) {
			f.left--
			return tooMany(f.retryAfter), true
		}
	}
	if s.opts.NoLimits {
		return apiResult{}, false
	}
	l, found := s.limitFor(method)
	if !found {
		return apiResult{}, false
	}
	key := s.opts.TeamID + "/" + method
	if l.PerChannel {
		key += "/" + firstNonEmpty(p.Get("channel"), p.Get("channel_id"))
	}
	now := s.opts.Now()
	b := s.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.Burst), last: now}
		s.buckets[key] = b
	}
	rate := float64(l.PerMinute) / 60 // tokens per second
	b.tokens = math.Min(float64(l.Burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return apiResult{}, false
	}
	wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
	return tooMany(wait), true
}

func tooMany(retryAfter time.Duration) apiResult {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(secs))
	return apiResult{status: http.StatusTooManyRequests, header: h,
		body: map[string]any{"ok": false, "error": "ratelimited"}}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
