package store

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

func ptr[T any](v T) *T { return &v }

func wantSettings(t *testing.T, s bots.Store, ch, lang, prompt, model string, enabled *bool) {
	t.Helper()
	got, err := s.Settings(context.Background(), ch)
	if err != nil {
		t.Fatalf("Settings(%s): %v", ch, err)
	}
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	want := func(v string) string {
		if v == "" {
			return "<nil>"
		}
		return v
	}
	if str(got.Language) != want(lang) || str(got.SystemPrompt) != want(prompt) || str(got.Model) != want(model) {
		t.Errorf("Settings(%s) = language %s, prompt %s, model %s; want %s, %s, %s",
			ch, str(got.Language), str(got.SystemPrompt), str(got.Model), want(lang), want(prompt), want(model))
	}
	if (got.Enabled == nil) != (enabled == nil) || (enabled != nil && *got.Enabled != *enabled) {
		t.Errorf("Settings(%s).Enabled = %v; want %v", ch, got.Enabled, enabled)
	}
}

// tot builds expected totals.
func tot(requests, prompt, completion int64, usd float64) bots.UsageTotals {
	return bots.UsageTotals{Requests: requests, PromptTokens: prompt, CompletionTokens: completion, CostUSD: usd}
}

func sameTotals(a, b bots.UsageTotals) bool {
	return a.Requests == b.Requests && a.PromptTokens == b.PromptTokens &&
		a.CompletionTokens == b.CompletionTokens && math.Abs(a.CostUSD-b.CostUSD) < 1e-9
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 10 ms until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
