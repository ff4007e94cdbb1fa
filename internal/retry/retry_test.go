package retry

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestDelayDoublesUpToMax(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for n, w := range want {
		if got := b.Delay(n, 0); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", n, got, w*time.Millisecond)
		}
	}
	// A huge n neither overflows nor loops for long.
	if got := b.Delay(1<<30, 0); got != time.Second {
		t.Errorf("Delay(1<<30) = %v, want the cap", got)
	}
}

func TestDelayConstantWithoutMax(t *testing.T) {
	b := Backoff{Base: 200 * time.Millisecond}
	for n := range 4 {
		if got := b.Delay(n, 0); got != 200*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want the base", n, got)
		}
	}
}

func TestDelayHonoursTheServer(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 8 * time.Second, Jitter: 1}
	if got := b.Delay(3, 42*time.Second); got != 42*time.Second {
		t.Errorf("Delay with Retry-After 42s = %v, want 42s exactly", got)
	}
	b.MaxAfter = 5 * time.Second
	if got := b.Delay(0, 42*time.Second); got != 5*time.Second {
		t.Errorf("Delay with a capped Retry-After = %v, want 5s", got)
	}
	if got := b.Delay(0, 3*time.Second); got != 3*time.Second {
		t.Errorf("Delay with Retry-After under the cap = %v, want 3s", got)
	}
}

func TestJitter(t *testing.T) {
	for _, c := range []struct {
		jitter, r float64
		want      time.Duration
	}{
		{1, 0, 0},
		{1, 0.5, 2 * time.Second},
		{0.25, 0, 3 * time.Second},
		{0.25, 0.5, 3500 * time.Millisecond},
		{0.25, 0.999, 3999 * time.Millisecond},
		{2, 0.5, 2 * time.Second}, // clamped to full jitter
	} {
		b := Backoff{Base: time.Second, Max: time.Minute, Jitter: c.jitter, Rand: func() float64 { return c.r }}
		if got := b.Delay(2, 0).Round(time.Millisecond); got != c.want {
			t.Errorf("jitter %v, r %v: Delay(2) = %v, want %v", c.jitter, c.r, got, c.want)
		}
	}
	// With the real source the pause stays in its band.
	b := Backoff{Base: time.Second, Max: time.Minute, Jitter: 0.25}
	for range 1000 {
		if d := b.Delay(0, 0); d < 750*time.Millisecond || d > time.Second {
			t.Fatalf("Delay with 25%% jitter = %v, outside [750ms, 1s]", d)
		}
	}
}

var errBusy = errors.New("busy")

func TestDoRetriesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := Policy{Tries: 4, Backoff: Backoff{Base: time.Second, Max: time.Minute},
			Retry: func(error) (bool, time.Duration) { return true, 0 }}
		var at []time.Duration
		start := time.Now()
		err := p.Do(context.Background(), func(context.Context) error {
			at = append(at, time.Since(start))
			return errBusy
		})
		if !errors.Is(err, errBusy) {
			t.Fatalf("err %v, want the last failure", err)
		}
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second}
		if len(at) != len(want) {
			t.Fatalf("%d calls, want %d", len(at), len(want))
		}
		for i := range want {
			if at[i] != want[i] {
				t.Errorf("call %d at %v, want %v", i, at[i], want[i])
			}
		}
	})
}

func TestDoWaitsWhatTheServerAsks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := Policy{Tries: 3, Backoff: Backoff{Base: time.Second},
			Retry: func(error) (bool, time.Duration) { return true, 5 * time.Second }}
		calls := 0
		start := time.Now()
		err := p.Do(context.Background(), func(context.Context) error {
			if calls++; calls < 2 {
				return errBusy
			}
			return nil
		})
		if err != nil || calls != 2 {
			t.Fatalf("err %v after %d calls, want success on the second", err, calls)
		}
		if got := time.Since(start); got != 5*time.Second {
			t.Fatalf("second call after %v, want the server's 5s", got)
		}
	})
}

func TestDoStopsOnARefusedError(t *testing.T) {
	p := Policy{Tries: 5, Backoff: Backoff{Base: time.Hour},
		Retry: func(error) (bool, time.Duration) { return false, 0 }}
	calls := 0
	err := p.Do(context.Background(), func(context.Context) error { calls++; return errBusy })
	if !errors.Is(err, errBusy) || calls != 1 {
		t.Fatalf("err %v after %d calls, want errBusy after 1", err, calls)
	}
}

func TestDoEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		p := Policy{Tries: 100, Backoff: Backoff{Base: time.Minute},
			Retry: func(error) (bool, time.Duration) { return true, 0 }}
		calls := 0
		err := p.Do(ctx, func(context.Context) error { calls++; return errBusy })
		if !errors.Is(err, context.DeadlineExceeded) || calls != 1 {
			t.Fatalf("err %v after %d calls, want the deadline after 1", err, calls)
		}
	})
}

func TestDoOneTry(t *testing.T) {
	p := Policy{Tries: 0, Retry: func(error) (bool, time.Duration) { t.Fatal("Retry asked with no tries left"); return true, 0 }}
	calls := 0
	if err := p.Do(context.Background(), func(context.Context) error { calls++; return errBusy }); !errors.Is(err, errBusy) || calls != 1 {
		t.Fatalf("err %v after %d calls, want errBusy after 1", err, calls)
	}
}
