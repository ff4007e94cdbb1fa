package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"mistralbot/bots"
)

var _ bots.Store = (*Memory)(nil)

// memorySweepEvery is how often a Memory drops expired claims and idle rate
// windows, checked on each write (a Memory has no goroutine).
const memorySweepEvery = time.Minute

// MemoryOptions configure a Memory store.
type MemoryOptions struct {
	// Now is the clock for claim expiry and usage records without a time;
	// nil means time.Now.
	Now func() time.Time
}

// Memory is a bots.Store in process memory, for tests and `mistralbot chat`.
// It is safe for concurrent use; nothing survives the process.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	closed    bool
	lastSweep time.Time
	settings  map[string]bots.ChannelSettings
	usage     map[usageTarget]bots.UsageTotals
	claims    map[string]time.Time // key -> expiry
	rates     map[string]memoryRate
	journal   map[string][]byte // id -> JSON entry, so callers share nothing
	votes     map[string][]byte // voteKey -> JSON vote (feedback.go)
	approvals map[string][]byte // call key -> JSON approval (approvals.go)
	leases    map[string]lease  // key -> lease or done (leases.go)
}

// memoryRate is the current window of one rate key.
type memoryRate struct {
	start    time.Time
	count    int64
	lastSeen time.Time // store clock, for the sweep
	window   time.Duration
}

// NewMemory returns an empty Memory store. It cannot fail, so unlike the
// other constructors it returns no error.
func NewMemory(opts MemoryOptions) *Memory {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Memory{
		now:       now,
		lastSweep: now(),
		settings:  map[string]bots.ChannelSettings{},
		usage:     map[usageTarget]bots.UsageTotals{},
		claims:    map[string]time.Time{},
		rates:     map[string]memoryRate{},
		journal:   map[string][]byte{},
	}
}

// lock takes the mutex unless the store is closed; on success the caller
// must unlock.
func (m *Memory) lock(op string) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return fmt.Errorf("memory store: %s: %w", op, errClosed)
	}
	return nil
}

// Settings returns the stored overrides of channel.
func (m *Memory) Settings(ctx context.Context, channel string) (bots.ChannelSettings, error) {
	if err := m.lock("settings"); err != nil {
		return bots.ChannelSettings{}, err
	}
	defer m.mu.Unlock()
	return mergeSettings(m.settings[channel], bots.ChannelSettings{}), nil
}

// UpdateSettings merges s over the stored overrides of channel.
func (m *Memory) UpdateSettings(ctx context.Context, channel string, s bots.ChannelSettings) error {
	if err := m.lock("update settings"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	merged := mergeSettings(m.settings[channel], s)
	if merged == (bots.ChannelSettings{}) {
		delete(m.settings, channel)
	} else {
		m.settings[channel] = merged
	}
	return nil
}

// AddUsage adds r to the day and month counters of its channel, user and
// the whole bot.
func (m *Memory) AddUsage(ctx context.Context, r bots.UsageRecord) error {
	if err := m.lock("add usage"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	now := m.now()
	m.sweepLocked(now)
	for _, t := range usageTargets(r, now) {
		m.usage[t] = addTotals(m.usage[t], r)
	}
	return nil
}

// Usage returns the totals of a scope for a period.
func (m *Memory) Usage(ctx context.Context, scope bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	t, err := checkUsageQuery(scope, id, p)
	if err != nil {
		return bots.UsageTotals{}, fmt.Errorf("memory store: usage: %w", err)
	}
	if err := m.lock("usage"); err != nil {
		return bots.UsageTotals{}, err
	}
	defer m.mu.Unlock()
	return m.usage[t], nil
}

// Claim records key for ttl; only the first caller gets true.
func (m *Memory) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return m.ClaimAll(ctx, []string{key}, ttl)
}

var _ bots.MultiClaimer = (*Memory)(nil)

// ClaimAll implements bots.MultiClaimer under the store's lock.
func (m *Memory) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error) {
	for _, k := range keys {
		if err := checkClaim(k, ttl); err != nil {
			return false, fmt.Errorf("memory store: claim: %w", err)
		}
	}
	if err := m.lock("claim"); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	now := m.now()
	m.sweepLocked(now)
	return m.claimLocked(keys, ttl, now), nil
}

// claimLocked claims every free key of keys for ttl and reports whether
// all were free.
func (m *Memory) claimLocked(keys []string, ttl time.Duration, now time.Time) bool {
	all := true
	for _, k := range keys {
		if exp, ok := m.claims[k]; ok && now.Before(exp) {
			all = false
			continue
		}
		m.claims[k] = now.Add(ttl)
	}
	return all
}

// Take counts one event against the fixed window now falls in.
func (m *Memory) Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	start, reset, err := rateWindow(key, limit, window, now)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("memory store: take: %w", err)
	}
	if err := m.lock("take"); err != nil {
		return false, time.Time{}, err
	}
	defer m.mu.Unlock()
	clock := m.now()
	m.sweepLocked(clock)
	return m.takeLocked(key, window, start, clock) <= int64(limit), reset, nil
}

// takeLocked counts one event of key in the window starting at start and
// returns the window's count.
func (m *Memory) takeLocked(key string, window time.Duration, start, clock time.Time) int64 {
	r := m.rates[key]
	if !r.start.Equal(start) || r.window != window {
		r = memoryRate{start: start, window: window}
	}
	r.count++
	r.lastSeen = clock
	m.rates[key] = r
	return r.count
}

// Journal stores or replaces e.
func (m *Memory) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.ID == "" {
		return errors.New("memory store: journal: empty id")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("memory store: journal %s: %w", e.ID, err)
	}
	if err := m.lock("journal"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	m.journal[e.ID] = b
	return nil
}

// Unjournal removes the entry id, if any.
func (m *Memory) Unjournal(ctx context.Context, id string) error {
	if err := m.lock("unjournal"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	delete(m.journal, id)
	return nil
}

// Journaled lists every journal entry, oldest first.
func (m *Memory) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	if err := m.lock("journaled"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	out := make([]bots.JournalEntry, 0, len(m.journal))
	for id, b := range m.journal {
		var e bots.JournalEntry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("memory store: journaled %s: %w", id, err)
		}
		out = append(out, e)
	}
	sortJournal(out)
	return out, nil
}

// Ping fails only once the store is closed.
func (m *Memory) Ping(ctx context.Context) error {
	if err := m.lock("ping"); err != nil {
		return err
	}
	m.mu.Unlock()
	return nil
}

// Close drops everything; later calls fail.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.settings, m.usage, m.claims, m.rates, m.journal = nil, nil, nil, nil, nil
	return nil
}

// sweepLocked drops expired claims, idle rate windows and usage past
// retention, at most once per memorySweepEvery.
func (m *Memory) sweepLocked(now time.Time) {
	if now.Sub(m.lastSweep) < memorySweepEvery {
		return
	}
	m.lastSweep = now
	for k, exp := range m.claims {
		if !now.Before(exp) {
			delete(m.claims, k)
		}
	}
	for k, r := range m.rates {
		if now.Sub(r.lastSeen) > r.window {
			delete(m.rates, k)
		}
	}
	for t := range m.usage {
		if expiredPeriod(t.period, now) {
			delete(m.usage, t)
		}
	}
}
