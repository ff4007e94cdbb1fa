package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"mistralbot/bots"
)

// probeEvery is how often /readyz tries a write: at most one write per
// interval, whoever asks (probes, load balancers, a hostile client).
const probeEvery = 5 * time.Second

// storeProbe tells /readyz whether the store can serve: a Ping (a frozen
// Redis times out) and, at most every probeEvery, a small write (a bbolt
// file on a full disk still reads but no longer writes, and the usage of
// every reply would be lost while /readyz said 200). The write is a Claim
// of a fresh key that expires within a minute, so it leaves nothing behind.
// Each failure is counted in mistralbot_store_probe_failures_total.
type storeProbe struct {
	st      bots.Store
	replica string
	failed  func(kind string)

	mu      sync.Mutex
	last    time.Time
	lastErr error
}

func newStoreProbe(st bots.Store, replica string, failed func(string)) *storeProbe {
	return &storeProbe{st: st, replica: replica, failed: failed}
}

// check returns why the store cannot serve, nil when it can.
func (p *storeProbe) check(ctx context.Context) error {
	if err := p.st.Ping(ctx); err != nil {
		p.failed("ping")
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < probeEvery {
		return p.lastErr
	}
	key := "readyz-probe:" + p.replica + ":" + strconv.FormatInt(now.UnixNano(), 36)
	_, err := p.st.Claim(ctx, key, time.Minute)
	p.last, p.lastErr = now, nil
	if err != nil {
		p.failed("write")
		p.lastErr = fmt.Errorf("write probe: %w", err)
	}
	return p.lastErr
}
