package discordtest

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// globalExempt reports whether a request is outside the global limit:
// Discord does not count interaction endpoints (the callback and the
// webhooks on an interaction token) against a bot's global limit.
func globalExempt(parts []string) bool {
	return parts[0] == "interactions" || (parts[0] == "webhooks" && len(parts) >= 3)
}

// globalTake counts one request against the bot's global limit at now. It
// returns false, with the time until the limit lifts, when the request is
// over it: during a forced global limit, or when GlobalLimit requests were
// already made in the current one-second window. The caller holds s.mu.
func (s *Server) globalTake(now time.Time) (bool, time.Duration) {
	if d := s.faults.globalBlock; d > 0 {
		s.faults.globalBlock = 0
		s.globalUntil = now.Add(d)
	}
	if now.Before(s.globalUntil) {
		return false, s.globalUntil.Sub(now)
	}
	if s.opts.GlobalLimit <= 0 {
		return true, 0
	}
	if s.global == nil {
		s.global = &bucket{limit: s.opts.GlobalLimit, window: time.Second}
	}
	return s.global.take(now)
}

// ForceGlobal429 opens a global rate limit of retryAfter at the next
// request the global limit applies to: that request and every such
// request until the limit lifts get the global 429, whatever GlobalLimit
// says.
func (s *Server) ForceGlobal429(retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.globalBlock = retryAfter
}

// RateLimited returns how many requests were refused with 429 by a route's
// bucket (Force429 included) and by the global limit.
func (s *Server) RateLimited() (bucket, global int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited.bucket, s.limited.global
}

// tooManyGlobal answers a request over the global limit as Discord does:
// no route headers, X-RateLimit-Global and X-RateLimit-Scope: global, and
// "global": true in the body.
func tooManyGlobal(w http.ResponseWriter, after time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
	w.Header().Set("X-RateLimit-Global", "true")
	w.Header().Set("X-RateLimit-Scope", "global")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": after.Seconds(), "global": true,
	})
}
