package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func TestRefusableRoutes(t *testing.T) {
	cases := []struct {
		method, path string
		want         bool
	}{
		{"POST", "/api/v10/channels/1/messages/2/threads", true},
		{"POST", "/channels/1/messages/2/threads", true},
		{"PATCH", "/api/v10/channels/1/messages/2", true},
		{"POST", "/api/v10/channels/1/messages", false},
		{"POST", "/api/v10/channels/1/typing", false},
		{"GET", "/api/v10/channels/1/messages/2", false},
		{"PATCH", "/api/v10/channels/1", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.path, nil)
		if got := refusable(r); got != c.want {
			t.Errorf("%s %s: refusable %v, want %v", c.method, c.path, got, c.want)
		}
	}
}

// TestStormRefusesEverythingThenNothing: during the storm every refusable
// call is refused (429 or 502, both seen); after it, none is (rate 0).
func TestStormRefusesEverythingThenNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// No proxy server: a listener would keep the bubble's clock
		// from advancing.
		f := &discordFaults{storm: 10 * time.Second, rng: rand.New(rand.NewPCG(3, 4))}
		seen := map[int]int{}
		for range 40 {
			seen[f.decide()]++
		}
		if seen[0] != 0 || seen[http.StatusTooManyRequests] == 0 || seen[http.StatusBadGateway] == 0 {
			t.Fatalf("during the storm: %v", seen)
		}
		time.Sleep(10 * time.Second)
		for range 40 {
			if d := f.decide(); d != 0 {
				t.Fatalf("after the storm: refused with %d", d)
			}
		}
	})
}

// TestRefusalsLookLikeDiscords: the 429 carries Discord's headers and
// body; the 502 is an HTML page.
func TestRefusalsLookLikeDiscords(t *testing.T) {
	f, err := newDiscordFaults("http://127.0.0.1:1", 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	got := map[int]bool{}
	for range 20 {
		resp, err := http.Post(f.URL()+"/api/v10/channels/1/messages/2/threads", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		got[resp.StatusCode] = true
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			var body struct {
				RetryAfter *float64 `json:"retry_after"`
				Global     *bool    `json:"global"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.RetryAfter == nil || body.Global == nil {
				t.Errorf("429 body: %v %+v", err, body)
			}
			if _, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || resp.Header.Get("X-RateLimit-Scope") == "" ||
				resp.Header.Get("X-RateLimit-Reset-After") == "" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
				t.Errorf("429 headers: %v", resp.Header)
			}
		case http.StatusBadGateway:
			if ct := resp.Header.Get("Content-Type"); ct != "text/html" {
				t.Errorf("502 content type %q", ct)
			}
		default:
			t.Errorf("status %d during the storm", resp.StatusCode)
		}
		resp.Body.Close()
	}
	if !got[http.StatusTooManyRequests] || !got[http.StatusBadGateway] {
		t.Fatalf("statuses seen: %v", got)
	}
	if n := f.tooMany.Load() + f.badGateway.Load(); n != 20 {
		t.Fatalf("counted %d refusals, want 20", n)
	}
}
