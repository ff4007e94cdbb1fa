package discordtest

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bucket is a fixed-window rate limit as Discord applies it: the window
// starts with the first request after the previous one ended.
type bucket struct {
	hash      string
	limit     int
	window    time.Duration
	remaining int
	reset     time.Time
}

// take counts one request at now. It returns false when the bucket is
// exhausted, with the time until it resets.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	if !now.Before(b.reset) {
		b.remaining = b.limit
		b.reset = now.Add(b.window)
	}
	if b.remaining == 0 {
		return false, b.reset.Sub(now)
	}
	b.remaining--
	return true, b.reset.Sub(now)
}

// headers writes the X-RateLimit-* headers of b.
func (b *bucket) headers(h http.Header, now time.Time) {
	after := b.reset.Sub(now)
	if after < 0 {
		after = 0
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(b.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(b.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(after.Seconds(), 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", b.hash)
}

// bucketKey maps a request to its bucket: message writes and thread
// creation per channel, interaction webhooks per token, anything else per
// route and major parameter with a generous limit.
func bucketKey(method string, parts []string) (key string, strict bool) {
	switch {
	case len(parts) >= 3 && parts[0] == "channels" && parts[2] == "messages" && method != http.MethodGet:
		if len(parts) == 5 && parts[4] == "threads" {
			return "threads:" + parts[1], true
		}
		return "messages:" + parts[1], true
	case len(parts) >= 3 && parts[0] == "webhooks":
		return "webhook:" + parts[2], true
	case len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		return "reads:" + parts[1], false // GET: Options.ReadLimit
	}
	// Like Discord, a route's bucket is per "major parameter": the
	// channel, guild or webhook the path starts with keeps its id (the
	// typing indicator of one channel does not spend another's).
	var tpl []string
	for i, p := range parts {
		major := i == 1 && (parts[0] == "channels" || parts[0] == "guilds" || parts[0] == "webhooks")
		if !major && p != "" && p[0] >= '0' && p[0] <= '9' {
			p = "{id}"
		}
		tpl = append(tpl, p)
	}
	return "route:" + method + " " + strings.Join(tpl, "/"), false
}

// limitFor returns the bucket of key, creating it; the caller holds s.mu.
func (s *Server) limitFor(key string, strict bool) *bucket {
	b, ok := s.buckets[key]
	if !ok {
		kind, _, _ := strings.Cut(key, ":")
		h := fnv.New64a()
		h.Write([]byte(kind))
		b = &bucket{hash: fmt.Sprintf("%016x", h.Sum64()), limit: s.opts.BucketLimit, window: s.opts.BucketWindow}
		switch {
		case kind == "reads" && s.opts.ReadLimit > 0:
			b.limit, b.window = s.opts.ReadLimit, s.opts.ReadWindow
		case !strict:
			b.limit, b.window = 50, time.Second
		}
		s.buckets[key] = b
	}
	return b
}

// faults are failures a test asks for.
type faults struct {
	force429    int
	retryAfter  time.Duration
	globalBlock time.Duration // ForceGlobal429's, until the next request
	failures    []failure
}

type failure struct {
	method, contains string
	status, code     int
	message          string
	n                int
}

// Force429 makes the next n rate-limited (message write or webhook)
// requests fail with 429 and retry_after, whatever their bucket says.
func (s *Server) Force429(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.force429 = n
	s.faults.retryAfter = retryAfter
}

// FailNext makes the next n requests whose method matches (empty: any) and
// whose path contains contains fail with status and a Discord error body
// {code, message}: 403/50013 missing permissions, 404/10003 unknown
// channel, 404/10008 unknown message, and so on.
func (s *Server) FailNext(method, contains string, status, code int, message string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failures = append(s.faults.failures, failure{method, contains, status, code, message, n})
}

// failure returns the injected failure for a request; the caller holds s.mu.
func (s *Server) injected(method, path string) *failure {
	for i := range s.faults.failures {
		f := &s.faults.failures[i]
		if f.n > 0 && (f.method == "" || f.method == method) && strings.Contains(path, f.contains) {
			f.n--
			return f
		}
	}
	return nil
}
