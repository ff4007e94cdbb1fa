package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// boltUsage is the JSON form of a usage counter.
type boltUsage struct {
	Requests         int64   `json:"requests"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

// boltClaim is the JSON form of a claim.
type boltClaim struct {
	Expires time.Time `json:"expires"`
}

// boltRate is the JSON form of a rate window. LastSeen is the store clock at
// the last Take, so the sweep never drops a window in use whatever clock
// the caller passes as now.
type boltRate struct {
	Start    time.Time `json:"start"`
	Window   int64     `json:"window_ns"`
	Count    int64     `json:"count"`
	LastSeen time.Time `json:"last_seen"`
}

// Settings returns the stored overrides of channel.
func (b *Bolt) Settings(ctx context.Context, channel string) (bots.ChannelSettings, error) {
	var s bots.ChannelSettings
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket([]byte(bucketSettings)), []byte(channel), &s)
	})
	if err != nil {
		return bots.ChannelSettings{}, fmt.Errorf("bolt store: settings of %s: %w", channel, err)
	}
	return s, nil
}

// UpdateSettings merges s over the stored overrides of channel in one
// transaction.
func (b *Bolt) UpdateSettings(ctx context.Context, channel string, s bots.ChannelSettings) error {
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketSettings))
		var old bots.ChannelSettings
		if err := getJSON(bk, []byte(channel), &old); err != nil {
			return err
		}
		merged := mergeSettings(old, s)
		if merged == (bots.ChannelSettings{}) {
			return bk.Delete([]byte(channel))
		}
		return putJSON(bk, []byte(channel), merged)
	})
	if err != nil {
		return fmt.Errorf("bolt store: update settings of %s: %w", channel, err)
	}
	return nil
}

// AddUsage adds r to the day and month counters of its channel, user and
// the whole bot in one transaction.
func (b *Bolt) AddUsage(ctx context.Context, r bots.UsageRecord) error {
	targets := usageTargets(r, b.now())
	err := b.batch(ctx, func(tx *bolt.Tx) error {
		usage := tx.Bucket([]byte(bucketUsage))
		for _, t := range targets {
			bk, err := usage.CreateBucketIfNotExists([]byte(t.period))
			if err != nil {
				return err
			}
			var u boltUsage
			if err := getJSON(bk, []byte(t.name()), &u); err != nil {
				return err
			}
			tot := addTotals(bots.UsageTotals(u), r)
			if err := putJSON(bk, []byte(t.name()), boltUsage(tot)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt store: add usage: %w", err)
	}
	return nil
}

// Usage returns the totals of a scope for a period.
func (b *Bolt) Usage(ctx context.Context, scope bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	t, err := checkUsageQuery(scope, id, p)
	if err != nil {
		return bots.UsageTotals{}, fmt.Errorf("bolt store: usage: %w", err)
	}
	var u boltUsage
	err = b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketUsage)).Bucket([]byte(p))
		if bk == nil {
			return nil
		}
		return getJSON(bk, []byte(t.name()), &u)
	})
	if err != nil {
		return bots.UsageTotals{}, fmt.Errorf("bolt store: usage of %s in %s: %w", t.name(), p, err)
	}
	return bots.UsageTotals(u), nil
}

// Claim records key for ttl; only the first caller gets true. An expired
// claim is replaced here and deleted by the cleanup.
func (b *Bolt) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return b.ClaimAll(ctx, []string{key}, ttl)
}

var _ bots.MultiClaimer = (*Bolt)(nil)

// ClaimAll implements bots.MultiClaimer in one transaction.
func (b *Bolt) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error) {
	for _, k := range keys {
		if err := checkClaim(k, ttl); err != nil {
			return false, fmt.Errorf("bolt store: claim: %w", err)
		}
	}
	var all bool
	err := b.update(ctx, func(tx *bolt.Tx) (err error) {
		all, err = b.claimTx(tx, keys, ttl) // a batch may run this again
		return err
	})
	if err != nil {
		return false, fmt.Errorf("bolt store: claim %s: %w", strings.Join(keys, ", "), err)
	}
	return all, nil
}

// claimTx claims every free key of keys for ttl in tx and reports whether
// all were free.
func (b *Bolt) claimTx(tx *bolt.Tx, keys []string, ttl time.Duration) (bool, error) {
	bk := tx.Bucket([]byte(bucketClaims))
	now := b.now()
	all := true
	for _, k := range keys {
		var c boltClaim
		if err := getJSON(bk, []byte(k), &c); err != nil {
			return false, err
		}
		if now.Before(c.Expires) {
			all = false
			continue
		}
		if err := putJSON(bk, []byte(k), boltClaim{Expires: now.Add(ttl)}); err != nil {
			return false, err
		}
	}
	return all, nil
}

// Take counts one event against the fixed window now falls in.
func (b *Bolt) Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	start, reset, err := rateWindow(key, limit, window, now)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("bolt store: take: %w", err)
	}
	var count int64
	err = b.update(ctx, func(tx *bolt.Tx) (err error) {
		count, err = b.takeTx(tx, key, window, start)
		return err
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("bolt store: take %s: %w", key, err)
	}
	return count <= int64(limit), reset, nil
}

// takeTx counts one event of key in the window starting at start, in tx,
// and returns the window's count.
func (b *Bolt) takeTx(tx *bolt.Tx, key string, window time.Duration, start time.Time) (int64, error) {
	bk := tx.Bucket([]byte(bucketRates))
	var r boltRate
	if err := getJSON(bk, []byte(key), &r); err != nil {
		return 0, err
	}
	if !r.Start.Equal(start) || r.Window != int64(window) {
		r = boltRate{Start: start, Window: int64(window)}
	}
	r.Count++
	r.LastSeen = b.now()
	return r.Count, putJSON(bk, []byte(key), r)
}

// Journal stores or replaces e.
func (b *Bolt) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.ID == "" {
		return errors.New("bolt store: journal: empty id")
	}
	err := b.batch(ctx, func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket([]byte(bucketJournal)), []byte(e.ID), e)
	})
	if err != nil {
		return fmt.Errorf("bolt store: journal %s: %w", e.ID, err)
	}
	return nil
}

// Unjournal removes the entry id, if any.
func (b *Bolt) Unjournal(ctx context.Context, id string) error {
	err := b.batch(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketJournal)).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt store: unjournal %s: %w", id, err)
	}
	return nil
}

// Journaled lists every journal entry, oldest first.
func (b *Bolt) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	var out []bots.JournalEntry
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketJournal)).ForEach(func(k, v []byte) error {
			var e bots.JournalEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("entry %s: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt store: journaled: %w", err)
	}
	sortJournal(out)
	return out, nil
}

// getJSON decodes the value of k into v; a missing key leaves v unchanged.
func getJSON(bk *bolt.Bucket, k []byte, v any) error {
	raw := bk.Get(k)
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s: %w", k, err)
	}
	return nil
}

// putJSON stores v as JSON under k.
func putJSON(bk *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k, err)
	}
	return bk.Put(k, raw)
}
