// Package store implements bots.Store three ways: Memory (tests), Bolt (the
// embedded default, one process) and Redis (several replicas sharing one
// server). Every implementation is the source of truth for what it holds: it
// caches nothing, so a setting changed by one replica is read by the next
// call on any other (the Engine keeps its own short-lived cache).
package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
)

// Retention of usage counters: day counters are kept about 40 days and month
// counters about 400, enough for "today" and "this month" with margin.
const (
	dayRetention   = 40 * 24 * time.Hour
	monthRetention = 400 * 24 * time.Hour
)

// Drivers accepted by Open.
const (
	DriverMemory = "memory"
	DriverBolt   = "bolt"
	DriverRedis  = "redis"
)

// errClosed is returned by calls on a closed Memory or Bolt store.
var errClosed = errors.New("store closed")

// usageTarget is one counter AddUsage increments: a scope, its id and a
// period.
type usageTarget struct {
	scope  bots.UsageScope
	id     string
	period bots.Period
}

// usageTargets lists the counters a record increments: the day and the
// month of the channel, the user and the whole bot. A record without a
// channel or user skips that scope.
func usageTargets(r bots.UsageRecord, now time.Time) []usageTarget {
	t := r.Time
	if t.IsZero() {
		t = now
	}
	periods := [2]bots.Period{bots.Day(t), bots.Month(t)}
	out := make([]usageTarget, 0, 6)
	for _, p := range periods {
		if r.Channel != "" {
			out = append(out, usageTarget{bots.ScopeChannel, r.Channel, p})
		}
		if r.User != "" {
			out = append(out, usageTarget{bots.ScopeUser, r.User, p})
		}
		out = append(out, usageTarget{bots.ScopeGlobal, "", p})
	}
	return out
}

// name renders the target as a key: "c:slack:C1", "u:slack:U1" or "g".
func (u usageTarget) name() string {
	switch u.scope {
	case bots.ScopeChannel:
		return "c:" + u.id
	case bots.ScopeUser:
		return "u:" + u.id
	default:
		return "g"
	}
}

// checkUsageQuery validates the arguments of Usage and returns the target.
func checkUsageQuery(scope bots.UsageScope, id string, p bots.Period) (usageTarget, error) {
	if _, err := periodStart(p); err != nil {
		return usageTarget{}, err
	}
	switch scope {
	case bots.ScopeChannel, bots.ScopeUser:
		if id == "" {
			return usageTarget{}, errors.New("empty id")
		}
	case bots.ScopeGlobal:
		id = ""
	default:
		return usageTarget{}, fmt.Errorf("unknown scope %d", scope)
	}
	return usageTarget{scope, id, p}, nil
}

// periodStart parses a Day or Month period.
func periodStart(p bots.Period) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", string(p)); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01", string(p)); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("invalid period %q (want 2006-01-02 or 2006-01)", p)
}

// expiredPeriod reports whether the counters of p are past retention at now.
// Unparsable periods are kept.
func expiredPeriod(p bots.Period, now time.Time) bool {
	start, err := periodStart(p)
	if err != nil {
		return false
	}
	if len(p) == len("2006-01") {
		return now.Sub(start.AddDate(0, 1, 0)) > monthRetention
	}
	return now.Sub(start.AddDate(0, 0, 1)) > dayRetention
}

// addTotals adds one record to t.
func addTotals(t bots.UsageTotals, r bots.UsageRecord) bots.UsageTotals {
	t.Requests++
	t.PromptTokens += r.PromptTokens
	t.CompletionTokens += r.CompletionTokens
	t.CostUSD += r.CostUSD
	return t
}

// mergeSettings applies an update to stored settings: fields set in upd
// replace old ones, and a string field set to "" is cleared (nil); Enabled
// keeps false, since a disabled channel is an override worth storing. The
// result holds fresh pointers, sharing nothing with either argument.
func mergeSettings(old, upd bots.ChannelSettings) bots.ChannelSettings {
	m := old.Merge(upd)
	return bots.ChannelSettings{
		Language:     nonZero(m.Language),
		SystemPrompt: nonZero(m.SystemPrompt),
		Model:        nonZero(m.Model),
		Enabled:      clone(m.Enabled),
		Digest:       nonZero(m.Digest),
	}
}

// nonZero returns a copy of *p, or nil when p is nil or points to the zero
// value.
func nonZero[T comparable](p *T) *T {
	var zero T
	if p == nil || *p == zero {
		return nil
	}
	v := *p
	return &v
}

// clone returns a copy of *p, or nil.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// checkClaim validates the arguments of Claim.
func checkClaim(key string, ttl time.Duration) error {
	if key == "" {
		return errors.New("empty key")
	}
	if ttl <= 0 {
		return fmt.Errorf("ttl %s is not positive", ttl)
	}
	return nil
}

// rateWindow validates the arguments of Take and returns the fixed window
// now falls in.
func rateWindow(key string, limit int, window time.Duration, now time.Time) (start, reset time.Time, err error) {
	if key == "" {
		return time.Time{}, time.Time{}, errors.New("empty key")
	}
	if limit <= 0 || window <= 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("limit %d per %s is not positive", limit, window)
	}
	start = now.Truncate(window)
	return start, start.Add(window), nil
}

// sortJournal orders entries by start time, then id, so every store lists
// them the same way.
func sortJournal(es []bots.JournalEntry) {
	slices.SortFunc(es, func(a, b bots.JournalEntry) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
