package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// Admit (bots.Admitter) in the three stores: a delivery's claims, the
// asker's rate token and the reply's journal entry in one atomic write,
// so that the reply waits for one store round trip before it is posted
// (issue 12), and a duplicate delivery takes no rate token.

var (
	_ bots.Admitter = (*Memory)(nil)
	_ bots.Admitter = (*Bolt)(nil)
	_ bots.Admitter = (*Redis)(nil)
)

// checkedAdmission is an Admission whose arguments were checked: the
// rate's window and the encoded entry.
type checkedAdmission struct {
	bots.Admission
	start, reset time.Time // the rate's window
	entry        []byte    // the encoded entry, nil if none
}

// checkAdmission validates a before anything is written.
func checkAdmission(a bots.Admission) (checkedAdmission, error) {
	c := checkedAdmission{Admission: a}
	for _, k := range a.Keys {
		if err := checkClaim(k, a.TTL); err != nil {
			return c, fmt.Errorf("claim: %w", err)
		}
	}
	if r := a.Rate; r != nil {
		var err error
		if c.start, c.reset, err = rateWindow(r.Key, r.Limit, r.Window, r.Now); err != nil {
			return c, fmt.Errorf("take: %w", err)
		}
	}
	if e := a.Entry; e != nil {
		if e.ID == "" {
			return c, errors.New("journal: empty id")
		}
		var err error
		if c.entry, err = json.Marshal(e); err != nil {
			return c, fmt.Errorf("journal %s: %w", e.ID, err)
		}
	}
	return c, nil
}

// admitted is the outcome of a won delivery whose rate window counts
// count events.
func (c checkedAdmission) admitted(count int64) bots.Admitted {
	if c.Rate != nil && count > int64(c.Rate.Limit) {
		return bots.Admitted{Won: true, Limited: true, Reset: c.reset}
	}
	return bots.Admitted{Won: true, Reset: c.reset}
}

// Admit implements bots.Admitter under the store's lock.
func (m *Memory) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	c, err := checkAdmission(a)
	if err != nil {
		return bots.Admitted{}, fmt.Errorf("memory store: admit: %w", err)
	}
	if err := m.lock("admit"); err != nil {
		return bots.Admitted{}, err
	}
	defer m.mu.Unlock()
	now := m.now()
	m.sweepLocked(now)
	if !m.claimLocked(a.Keys, a.TTL, now) {
		return bots.Admitted{}, nil
	}
	var count int64
	if r := a.Rate; r != nil {
		count = m.takeLocked(r.Key, r.Window, c.start, now)
	}
	out := c.admitted(count)
	if !out.Limited && c.entry != nil {
		m.journal[a.Entry.ID] = c.entry
	}
	return out, nil
}

// Admit implements bots.Admitter in one write transaction (one fsync: on
// update, like the claims, so that a lone delivery commits at once).
func (b *Bolt) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	c, err := checkAdmission(a)
	if err != nil {
		return bots.Admitted{}, fmt.Errorf("bolt store: admit: %w", err)
	}
	var out bots.Admitted
	err = b.update(ctx, func(tx *bolt.Tx) error {
		out = bots.Admitted{} // a batch may run this again
		won, err := b.claimTx(tx, a.Keys, a.TTL)
		if err != nil || !won {
			return err
		}
		var count int64
		if r := a.Rate; r != nil {
			if count, err = b.takeTx(tx, r.Key, r.Window, c.start); err != nil {
				return err
			}
		}
		out = c.admitted(count)
		if out.Limited || c.entry == nil {
			return nil
		}
		return tx.Bucket([]byte(bucketJournal)).Put([]byte(a.Entry.ID), c.entry)
	})
	if err != nil {
		return bots.Admitted{}, fmt.Errorf("bolt store: admit %s: %w", strings.Join(a.Keys, ", "), err)
	}
	return out, nil
}

// admitScript is Admit on the server, atomic (a script runs alone): SET
// NX PX of every claim key (KEYS[1..n]); if one was taken, nothing more
// and {0, 0}. Else INCR and PEXPIRE of the rate key (KEYS[n+1], when
// ARGV[3], the limit, is not empty), and HSET of the entry into the
// journal hash (the last key, when ARGV[5], the entry id, is not empty)
// unless the count is over the limit; it returns {1, count}. The keys are
// in KEYS, but not in one hash slot: a Redis Cluster is not supported
// (see docs/STATUS.md).
var admitScript = goredis.NewScript(`
local n = tonumber(ARGV[1])
local taken = 0
for i = 1, n do
  if not redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[2]) then taken = taken + 1 end
end
if taken > 0 then return {0, 0} end
local count = 0
local k = n + 1
if ARGV[3] ~= '' then
  count = redis.call('INCR', KEYS[k])
  redis.call('PEXPIRE', KEYS[k], ARGV[4])
  k = k + 1
  if count > tonumber(ARGV[3]) then return {1, count} end
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[k], ARGV[5], ARGV[6])
end
return {1, count}`)

// Admit implements bots.Admitter with one script call.
func (r *Redis) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	c, err := checkAdmission(a)
	if err != nil {
		return bots.Admitted{}, fmt.Errorf("redis store: admit: %w", err)
	}
	keys := make([]string, 0, len(a.Keys)+2)
	for _, k := range a.Keys {
		keys = append(keys, r.key("claim", k))
	}
	argv := []any{len(a.Keys), max(a.TTL, time.Millisecond).Milliseconds(), "", 0, "", ""}
	if rt := a.Rate; rt != nil {
		keys = append(keys, r.key("rate", rt.Key, strconv.FormatInt(c.start.UnixMilli(), 10)))
		argv[2], argv[3] = rt.Limit, max(rt.Window, time.Millisecond).Milliseconds()
	}
	if c.entry != nil {
		keys = append(keys, r.key("journal"))
		argv[4], argv[5] = a.Entry.ID, c.entry
	}
	res, err := admitScript.Run(ctx, r.client, keys, argv...).Int64Slice()
	if err != nil {
		return bots.Admitted{}, fmt.Errorf("redis store: admit %s: %w", strings.Join(a.Keys, ", "), r.wrap(ctx, err))
	}
	if len(res) != 2 {
		return bots.Admitted{}, fmt.Errorf("redis store: admit %s: script returned %v", strings.Join(a.Keys, ", "), res)
	}
	if res[0] == 0 {
		return bots.Admitted{}, nil
	}
	return c.admitted(res[1]), nil
}
