package bots_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// stopOnClaim shuts the Engine down while a message is being dispatched,
// right after its delivery was claimed: the window between Dispatch's
// stopped check and its push into the pool.
type stopOnClaim struct {
	*store.Memory
	once sync.Once
	stop func()
}

func (s *stopOnClaim) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Memory.Claim(ctx, key, ttl)
	s.once.Do(s.stop)
	return ok, err
}

// A message claimed just before shutdown must not vanish: its delivery is
// claimed (a redelivery to another replica is a duplicate), so the asker is
// told, like every queued message at shutdown, with the interrupted notice.
func TestDispatchRacingShutdownIsNotLost(t *testing.T) {
	var h *harness
	sc := &stopOnClaim{}
	h = newHarness(t, harnessOptions{
		store: func(m *store.Memory) bots.Store { sc.Memory = m; return sc },
		noRun: true,
	})
	h.start(t)
	sc.stop = func() {
		// End Run and wait until it returned (the pool is closed).
		h.stop()
		h.stop = nil
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	d, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hello"))
	t.Logf("Dispatch = %v, %v", d, err)
	// The same delivery again (Slack retries, or another replica): deduped.
	if d2, _ := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hello")); d2 == bots.Queued {
		t.Fatalf("redelivery queued after shutdown")
	}
	r := h.conv.wait(t, 1)[0]
	if got, want := r.Final(), i18n.T("en", i18n.Interrupted); got != want {
		t.Errorf("final = %q, want %q", got, want)
	}
}

// The same window for a flag-reaction translation: claimed, then refused
// by a stopped pool, it must not vanish silently.
func TestTranslateRacingShutdownIsNotLost(t *testing.T) {
	var h *harness
	sc := &stopOnClaim{}
	h = newHarness(t, harnessOptions{
		store:  func(m *store.Memory) bots.Store { sc.Memory = m; return sc },
		engine: func(o *bots.EngineOptions) { o.TranslateReactions = true },
		noRun:  true,
	})
	h.start(t)
	sc.stop = func() {
		h.stop()
		h.stop = nil
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	err := h.eng.TranslateMessage(context.Background(), h.conv, mention("1", "hello world"), "fr")
	t.Logf("TranslateMessage = %v", err)
	r := h.conv.wait(t, 1)[0]
	if got, want := r.Final(), i18n.T("en", i18n.Interrupted); got != want {
		t.Errorf("final = %q, want %q", got, want)
	}
}
