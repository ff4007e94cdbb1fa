package llm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"mistralbot/internal/wait"
	"mistralbot/llm/llmtest"
)

func TestRetryHonoursRetryAfterSeconds(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(
		llmtest.Scenario{Status: 429, RetryAfter: "2"},
		llmtest.Scenario{Status: 503, RetryAfter: "0.5"},
	)
	text, _, err := h.run(t, userReq("again"))
	if err != nil || text != llmtest.DefaultReply("again") {
		t.Fatalf("%q %v", text, err)
	}
	if n := len(h.srv.Requests()); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	if got, want := h.recordedSleeps(), []time.Duration{2 * time.Second, 500 * time.Millisecond}; !slices.Equal(got, want) {
		t.Fatalf("sleeps %v, want %v", got, want)
	}
}

func TestRetryHonoursRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral})
	h.c.now = func() time.Time { return now }
	h.srv.Script(
		llmtest.Scenario{Status: 429, RetryAfter: now.Add(7 * time.Second).Format(http.TimeFormat)},
		llmtest.Scenario{Status: 503, RetryAfter: now.Add(-time.Minute).Format(http.TimeFormat)}, // in the past: retry now
	)
	if _, _, err := h.run(t, userReq("q")); err != nil {
		t.Fatal(err)
	}
	// A date in the past means "now": no Retry-After delay, so backoff.
	want := []time.Duration{7 * time.Second, DefaultBackoffBase << 1 / 2}
	if got := h.recordedSleeps(); !slices.Equal(got, want) {
		t.Fatalf("sleeps %v, want %v", got, want)
	}
}

func TestRetryBackoffIsBoundedAndJittered(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenAI, MaxRetries: 6,
		BackoffBase: 100 * time.Millisecond, BackoffMax: 1 * time.Second})
	h.srv.Script(llmtest.Scenario{Status: 502, Times: 10})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); e.Code != CodeUnavailable || e.Status != 502 {
		t.Fatalf("error %+v", e)
	}
	if n := len(h.srv.Requests()); n != 7 {
		t.Fatalf("%d attempts, want 1 + MaxRetries = 7", n)
	}
	// Full jitter (fixed at 0.5 here) of min(max, base*2^n).
	want := []time.Duration{50, 100, 200, 400, 500, 500}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if got := h.recordedSleeps(); !slices.Equal(got, want) {
		t.Fatalf("sleeps %v, want %v", got, want)
	}
	// The jitter spans [0, ceiling).
	h.c.jitter = func() float64 { return 0.999 }
	if d, _ := h.c.retryDelay(2, &Error{}); d < 399*time.Millisecond || d >= 400*time.Millisecond {
		t.Fatalf("delay %v outside the jitter window", d)
	}
	h.c.jitter = func() float64 { return 0 }
	if d, _ := h.c.retryDelay(40, &Error{}); d != 0 {
		t.Fatalf("delay %v", d)
	}
}

func TestRetryableStatuses(t *testing.T) {
	for _, status := range []int{408, 429, 500, 502, 503, 504, 524, 529} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenAI})
			h.srv.Script(llmtest.Scenario{Status: status})
			if _, _, err := h.run(t, userReq("q")); err != nil {
				t.Fatalf("not retried: %v", err)
			}
			if n := len(h.srv.Requests()); n != 2 {
				t.Fatalf("%d attempts", n)
			}
		})
	}
}

func TestNeverRetried(t *testing.T) {
	for _, status := range []int{400, 401, 402, 403, 404, 422} {
		for _, d := range []Dialect{OpenRouter, Mistral} {
			t.Run(fmt.Sprintf("%s/%d", d, status), func(t *testing.T) {
				h := newHarness(t, llmtest.Options{}, Options{Dialect: d})
				h.srv.Script(llmtest.Scenario{Status: status, Times: 5})
				_, _, err := h.run(t, userReq("q"))
				if e := asError(t, err); e.Status != status {
					t.Fatalf("error %+v", e)
				}
				if n := len(h.srv.Requests()); n != 1 {
					t.Fatalf("%d attempts for %d", n, status)
				}
				if s := h.recordedSleeps(); len(s) != 0 {
					t.Fatalf("slept %v", s)
				}
			})
		}
	}
}

func TestRetryAfterTooLongIsNotWaited(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, MaxRetryAfter: 10 * time.Second})
	h.srv.Script(llmtest.Scenario{Status: 429, RetryAfter: "3600"})
	_, _, err := h.run(t, userReq("q"))
	e := asError(t, err)
	if e.Code != CodeRateLimited || e.RetryAfter != time.Hour {
		t.Fatalf("error %+v", e)
	}
	if n := len(h.srv.Requests()); n != 1 || len(h.recordedSleeps()) != 0 {
		t.Fatalf("%d attempts, sleeps %v", n, h.recordedSleeps())
	}
}

func TestMidStreamErrorsAreNotRetried(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(llmtest.Scenario{Reply: "a b c", Fault: llmtest.Disconnect, FailAfter: 1})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); !e.Partial {
		t.Fatalf("error %+v", e)
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Fatalf("a stream that had started was retried: %d requests", n)
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	c := newTestClient(t, Options{Dialect: OpenAI, BaseURL: "http://" + addr + "/v1", MaxRetries: 2}, nil)
	var sleeps []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
	_, err = c.Stream(context.Background(), userReq("q"))
	e := asError(t, err)
	if e.Code != CodeUnavailable || e.Err == nil || len(sleeps) != 2 {
		t.Fatalf("error %+v after %d sleeps", e, len(sleeps))
	}
	if strings.Contains(e.Error(), "Post \"") {
		t.Fatalf("url.Error wrapper kept: %v", e)
	}

	// A connection torn down before the first byte is retried too.
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(llmtest.Scenario{Fault: llmtest.Reset})
	if _, _, err := h.run(t, userReq("q")); err != nil {
		t.Fatalf("reset before the first byte not retried: %v", err)
	}
}

func TestRetrySleepStopsOnCancel(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(llmtest.Scenario{Status: 503, Times: 5})
	ctx, cancel := context.WithCancel(context.Background())
	h.c.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return wait.Sleep(ctx, time.Hour) }
	_, err := h.c.Stream(ctx, userReq("q"))
	if e := asError(t, err); e.Code != CodeUnavailable || e.Err != context.Canceled {
		t.Fatalf("error %+v", e)
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Fatalf("%d attempts after cancel", n)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{http.Header{"Retry-After": {"3"}}, 3 * time.Second, true},
		{http.Header{"Retry-After": {" 1.5 "}}, 1500 * time.Millisecond, true},
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, true},
		{http.Header{"Retry-After": {"soon"}}, 0, false},
		{http.Header{"Retry-After": {"-1"}}, 0, false},
		{http.Header{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.header, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%v) = %v %v, want %v %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}
