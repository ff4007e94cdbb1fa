package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

type rejectLog struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *rejectLog) Rejected(route, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[route+" "+code]++
}

// TestGuardLimitsBodiesAndCountsRejections: a declared body over the
// route's limit is refused before the handler runs; an undeclared one is
// cut at the limit; every 4xx is counted by route, nothing else is.
func TestGuardLimitsBodiesAndCountsRejections(t *testing.T) {
	var read int
	var readErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		read, readErr = len(b), err
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		if r.Header.Get("X-Forged") != "" {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok")
	})
	rej := &rejectLog{}
	srv := httptest.NewServer(guard(h, rej))
	defer srv.Close()

	post := func(path string, body io.Reader, size int64, hdr string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, body)
		req.ContentLength = size
		if hdr != "" {
			req.Header.Set("X-Forged", "1")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	read = -1
	if got := post("/discord/interactions", strings.NewReader(strings.Repeat("x", discordBodyLimit+1)), discordBodyLimit+1, ""); got != http.StatusRequestEntityTooLarge {
		t.Errorf("declared body over the limit: %d, want 413", got)
	}
	if read != -1 {
		t.Errorf("the handler ran (read %d bytes) for a declared body over the limit", read)
	}
	// Chunked: no Content-Length, so the reader cuts it at the limit.
	if got := post("/metrics", strings.NewReader(strings.Repeat("x", opsBodyLimit*4)), -1, ""); got != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit: %d, want 413", got)
	}
	if readErr == nil || read > opsBodyLimit {
		t.Errorf("handler read %d bytes (err %v) of a chunked body, limit %d", read, readErr, opsBodyLimit)
	}
	if got := post("/slack/events", strings.NewReader("{}"), 2, "forged"); got != http.StatusUnauthorized {
		t.Errorf("forged: %d", got)
	}
	if got := post("/slack/events", strings.NewReader(strings.Repeat("x", discordBodyLimit+1)), discordBodyLimit+1, ""); got != http.StatusOK {
		t.Errorf("a Slack body under Slack's limit: %d, want 200", got)
	}
	if got := post("/no/such/route", strings.NewReader("{}"), 2, "forged"); got != http.StatusUnauthorized {
		t.Errorf("other route: %d", got)
	}
	want := map[string]int{"/discord/interactions 413": 1, "/metrics 413": 1, "/slack/events 401": 1, "other 401": 1}
	rej.mu.Lock()
	defer rej.mu.Unlock()
	if len(rej.n) != len(want) {
		t.Errorf("rejections = %v, want %v", rej.n, want)
	}
	for k, n := range want {
		if rej.n[k] != n {
			t.Errorf("rejections[%q] = %d, want %d (all: %v)", k, rej.n[k], n, rej.n)
		}
	}
}

// TestPprofWriteTimeoutFollowsSeconds: a profile gets the time it asks for.
func TestPprofWriteTimeoutFollowsSeconds(t *testing.T) {
	r := httptest.NewRequest("GET", "/debug/pprof/profile?seconds=45", nil)
	if got := routeOf(r.URL.Path).writeTimeout(r); got != 45e9+writeTimeout {
		t.Errorf("write timeout %s", got)
	}
	r = httptest.NewRequest("GET", "/debug/pprof/trace", nil)
	if got := routeOf(r.URL.Path).writeTimeout(r); got != 30e9+writeTimeout {
		t.Errorf("default: %s", got)
	}
	if routeOf("/slack/events").writeTimeout != nil {
		t.Error("webhooks get the default write timeout")
	}
}
