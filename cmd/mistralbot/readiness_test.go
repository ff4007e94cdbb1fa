package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/store"
)

// fullStore reads but cannot write, like a bbolt file on a full disk.
type fullStore struct {
	bots.Store
	full   atomic.Bool
	writes atomic.Int64
}

func (s *fullStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	s.writes.Add(1)
	if s.full.Load() {
		return false, errors.New("bolt store: write: no space left on device")
	}
	return s.Store.Claim(ctx, key, ttl)
}

// TestStoreProbeFailsReadinessOnAFullStore: a store that answers Ping but
// cannot write makes /readyz fail with the cause and is counted; the write
// probe runs at most every probeEvery however often /readyz is asked, and
// readiness comes back when writes do.
func TestStoreProbeFailsReadinessOnAFullStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &fullStore{Store: store.NewMemory(store.MemoryOptions{})}
		defer st.Close()
		failures := map[string]int{}
		p := newStoreProbe(st, "r1", func(kind string) { failures[kind]++ })
		ctx := t.Context()
		if err := p.check(ctx); err != nil {
			t.Fatalf("healthy store: %v", err)
		}
		st.full.Store(true)
		time.Sleep(probeEvery)
		for range 100 {
			err := p.check(ctx)
			if err == nil || !strings.Contains(err.Error(), "no space left on device") {
				t.Fatalf("full store: %v, want the write failure", err)
			}
		}
		if n := st.writes.Load(); n != 2 {
			t.Errorf("%d write probes for 101 checks in one interval, want 2", n)
		}
		if failures["write"] != 1 || failures["ping"] != 0 {
			t.Errorf("failures counted %v, want one write", failures)
		}
		st.full.Store(false)
		time.Sleep(probeEvery)
		if err := p.check(ctx); err != nil {
			t.Errorf("after the disk was freed: %v", err)
		}
	})
}
