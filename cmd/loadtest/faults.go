package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// discordFaults stands between the bot and fake Discord's REST API and
// answers a share of thread creations and message edits itself, the way
// Discord does when it sheds load: a 429 with the headers and JSON body
// of its rate limit response, or a 502 with an HTML page from its edge.
// Everything else, and every call it lets through, goes to the fake
// unchanged. The faults never reach the fake's records: the proxy counts
// them.
//
// Discord's 429: "retry_after" (seconds, float), "global", "message" in
// the body; Retry-After, X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/
// -Bucket and, on 429s only, X-RateLimit-Scope in the headers
// (https://docs.discord.com/developers/topics/rate-limits). Its advice for
// 502 is to wait a bit and retry
// (https://docs.discord.com/developers/topics/opcodes-and-status-codes#http:
// "GATEWAY UNAVAILABLE ... Wait a bit and retry").
type discordFaults struct {
	srv   *httptest.Server
	rate  float64       // share of thread creations and edits refused
	storm time.Duration // from the first refusable call on, refuse all for this long
	after time.Duration // the Retry-After of the 429s

	mu         sync.Mutex
	rng        *rand.Rand
	stormStart time.Time

	tooMany, badGateway atomic.Int64
}

// badGatewayPage is the kind of page Discord's edge serves with a 502.
const badGatewayPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`

// newDiscordFaults proxies to target (fake Discord's base URL).
func newDiscordFaults(target string, rate float64, storm time.Duration) (*discordFaults, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("fake Discord URL %q: %w", target, err)
	}
	f := &discordFaults{rate: rate, storm: storm, after: 500 * time.Millisecond, rng: rand.New(rand.NewPCG(3, 4))}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refusable(r) {
			switch f.decide() {
			case http.StatusTooManyRequests:
				f.tooMany.Add(1)
				f.refuse429(w)
				return
			case http.StatusBadGateway:
				f.badGateway.Add(1)
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprint(w, badGatewayPage)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	return f, nil
}

// URL is the base URL the bot is given instead of the fake's.
func (f *discordFaults) URL() string { return f.srv.URL }

func (f *discordFaults) close() { f.srv.Close() }

// refusable reports whether r creates a thread from a message or edits a
// message: the calls the storm hits.
func refusable(r *http.Request) bool {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// The path may carry /api/v10 in front.
	for len(parts) > 0 && parts[0] != "channels" {
		parts = parts[1:]
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "messages" && parts[4] == "threads":
		return true
	case r.Method == http.MethodPatch && len(parts) == 4 && parts[2] == "messages":
		return true
	}
	return false
}

// decide returns the status to refuse this call with, 0 to let it through:
// every call while the storm lasts, else a share rate of them, half 429s
// and half 502s.
func (f *discordFaults) decide() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if f.storm > 0 {
		if f.stormStart.IsZero() {
			f.stormStart = now
		}
		if now.Sub(f.stormStart) < f.storm {
			if f.rng.IntN(2) == 0 {
				return http.StatusTooManyRequests
			}
			return http.StatusBadGateway
		}
	}
	if f.rate > 0 && f.rng.Float64() < f.rate {
		if f.rng.IntN(2) == 0 {
			return http.StatusTooManyRequests
		}
		return http.StatusBadGateway
	}
	return 0
}

func (f *discordFaults) refuse429(w http.ResponseWriter) {
	secs := f.after.Seconds()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", fmt.Sprintf("%.0f", max(1, secs)))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(time.Now().Add(f.after).UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secs))
	h.Set("X-RateLimit-Bucket", "loadtest-storm")
	h.Set("X-RateLimit-Scope", "shared")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, `{"message": "You are being rate limited.", "retry_after": %.3f, "global": false}`, secs)
}
