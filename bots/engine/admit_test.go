package engine_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/store"
)

// storeRTT is the slow store's round trip in TestAdmissionWaitsOneStoreRoundTrip.
const storeRTT = 100 * time.Millisecond

// slowStore answers every call a question makes before it is queued one
// round trip late (a remote Redis on a bad day).
type slowStore struct{ *store.Memory }

func (s slowStore) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error) {
	time.Sleep(storeRTT)
	return s.Memory.ClaimAll(ctx, keys, ttl)
}

func (s slowStore) Settings(ctx context.Context, ch string) (bots.ChannelSettings, error) {
	time.Sleep(storeRTT)
	return s.Memory.Settings(ctx, ch)
}

func (s slowStore) Usage(ctx context.Context, sc bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	time.Sleep(storeRTT)
	return s.Memory.Usage(ctx, sc, id, p)
}

func (s slowStore) Take(ctx context.Context, key string, limit int, w time.Duration, now time.Time) (bool, time.Time, error) {
	time.Sleep(storeRTT)
	return s.Memory.Take(ctx, key, limit, w, now)
}

// TestAdmissionWaitsOneStoreRoundTrip: the claim, the settings and the
// three limits go to the store side by side, so a question waits one
// round trip before it is queued, not five in a row; the journal write
// (not slowed here) is the only other. Fake time: the figure is exact.
func TestAdmissionWaitsOneStoreRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newMemHarness(t, newMemLLM(script{tokens: []string{"hi"}}), func(o *engine.Options) {
			o.Store = slowStore{store.NewMemory(store.MemoryOptions{})}
			o.DailyUSDCap, o.DailyTokensPerChannel, o.RatePerUser = 5, 100000, 10
		})
		start := time.Now()
		d, err := h.eng.Dispatch(context.Background(), h.conv, mention("q1", "hello"))
		if err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		if took := time.Since(start); took != storeRTT {
			t.Errorf("Dispatch took %v with a %v store, want one round trip", took, storeRTT)
		}
		// Still one answer, and a second delivery of it is a duplicate.
		h.conv.wait(t, 1)
		if d, _ := h.eng.Dispatch(context.Background(), h.conv, mention("q1", "hello")); d != bots.Duplicate {
			t.Errorf("redelivery = %v, want Duplicate", d)
		}
	})
}
