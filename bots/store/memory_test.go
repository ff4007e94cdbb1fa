package store

import (
	"context"
	"testing"
	"time"

	"mistralbot/bots"
)

func TestMemoryContract(t *testing.T) {
	runContract(t, func(t *testing.T) bots.Store { return NewMemory(MemoryOptions{}) })
}

// clockedStore is a store on a fake clock, with a way to sweep now.
type clockedStore struct {
	bots.Store
	sweep func() // nil when the store sweeps lazily only
}

// runClocked checks the time-dependent rules exactly, on an injected clock.
func runClocked(t *testing.T, open func(t *testing.T, now func() time.Time) clockedStore) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	t.Run("claim expires exactly at ttl", func(t *testing.T) {
		clock := &fakeClock{t: start}
		s := open(t, clock.Now)
		ok, err := s.Claim(ctx, "ev", 10*time.Second)
		if err != nil || !ok {
			t.Fatalf("Claim = %v, %v; want true", ok, err)
		}
		clock.Add(10*time.Second - time.Nanosecond)
		if ok, _ := s.Claim(ctx, "ev", 10*time.Second); ok {
			t.Fatal("Claim 1 ns before expiry = true; want false")
		}
		clock.Add(time.Nanosecond)
		if ok, _ := s.Claim(ctx, "ev", 10*time.Second); !ok {
			t.Fatal("Claim at expiry = false; want true")
		}
		if ok, _ := s.Claim(ctx, "ev", 10*time.Second); ok {
			t.Fatal("Claim right after re-claiming = true; want false")
		}
	})

	t.Run("usage without time uses the clock", func(t *testing.T) {
		clock := &fakeClock{t: time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)}
		s := open(t, clock.Now)
		must(t, s.AddUsage(ctx, bots.UsageRecord{Channel: "c", User: "u", PromptTokens: 5}))
		clock.Add(time.Second) // December
		must(t, s.AddUsage(ctx, bots.UsageRecord{Channel: "c", User: "u", PromptTokens: 7}))
		for p, want := range map[bots.Period]int64{"2026-11-30": 5, "2026-11": 5, "2026-12-01": 7, "2026-12": 7} {
			got, err := s.Usage(ctx, bots.ScopeChannel, "c", p)
			must(t, err)
			if got.PromptTokens != want || got.Requests != 1 {
				t.Errorf("Usage(c, %s) = %+v; want 1 request, %d prompt tokens", p, got, want)
			}
		}
	})

	t.Run("sweep drops what expired and keeps the rest", func(t *testing.T) {
		clock := &fakeClock{t: start}
		s := open(t, clock.Now)
		if s.sweep == nil {
			s.sweep = func() {}
		}
		must(t, s.AddUsage(ctx, bots.UsageRecord{Channel: "c", PromptTokens: 1, Time: start.AddDate(0, 0, -45)}))
		must(t, s.AddUsage(ctx, bots.UsageRecord{Channel: "c", PromptTokens: 1, Time: start.AddDate(0, 0, -5)}))
		must(t, s.AddUsage(ctx, bots.UsageRecord{Channel: "c", PromptTokens: 1, Time: start.AddDate(-2, 0, 0)}))
		if _, err := s.Claim(ctx, "old", time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Claim(ctx, "young", time.Hour); err != nil {
			t.Fatal(err)
		}
		clock.Add(2 * time.Minute) // past the Memory's lazy sweep period
		s.sweep()
		if _, err := s.Claim(ctx, "trigger-lazy-sweep", time.Hour); err != nil {
			t.Fatal(err)
		}
		gone := []bots.Period{bots.Day(start.AddDate(0, 0, -45)), bots.Day(start.AddDate(-2, 0, 0)), bots.Month(start.AddDate(-2, 0, 0))}
		kept := []bots.Period{bots.Day(start.AddDate(0, 0, -5)), bots.Month(start.AddDate(0, 0, -45))}
		for _, p := range gone {
			if got, _ := s.Usage(ctx, bots.ScopeChannel, "c", p); got.Requests != 0 {
				t.Errorf("usage of %s survived the sweep: %+v", p, got)
			}
		}
		for _, p := range kept {
			if got, _ := s.Usage(ctx, bots.ScopeChannel, "c", p); got.Requests == 0 {
				t.Errorf("usage of %s was swept; want kept", p)
			}
		}
		if ok, _ := s.Claim(ctx, "young", time.Hour); ok {
			t.Error("an unexpired claim was swept")
		}
		if ok, _ := s.Claim(ctx, "old", time.Hour); !ok {
			t.Error("an expired claim still blocks")
		}
	})

	t.Run("rate window in use survives a skewed caller clock", func(t *testing.T) {
		clock := &fakeClock{t: start}
		s := open(t, clock.Now)
		if s.sweep == nil {
			s.sweep = func() {}
		}
		callerNow := start.AddDate(-1, 0, 0) // the caller's clock lags a year
		for range 2 {
			if _, _, err := s.Take(ctx, "k", 2, time.Hour, callerNow); err != nil {
				t.Fatal(err)
			}
		}
		clock.Add(30 * time.Minute)
		s.sweep()
		if ok, _, _ := s.Take(ctx, "k", 2, time.Hour, callerNow); ok {
			t.Fatal("third Take in a window of 2 allowed: the sweep dropped a window in use")
		}
	})
}

func TestMemoryClocked(t *testing.T) {
	runClocked(t, func(t *testing.T, now func() time.Time) clockedStore {
		m := NewMemory(MemoryOptions{Now: now})
		t.Cleanup(func() { _ = m.Close() })
		c := clockedStore{Store: m}
		c.sweep = func() {
			m.mu.Lock()
			m.sweepLocked(now())
			m.mu.Unlock()
		}
		return c
	})
}
