package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// Leases on one-time jobs (bots.Leaser): one record per key, holding its
// owner and expiry, or done. A lease is read and written in one
// transaction (bolt), under the lock (memory) or in one script (Redis),
// so two replicas racing for a free key never both get it. A finished
// key is kept forever: there is one per channel with a digest and day,
// a few kilobytes a year.

var (
	_ bots.Leaser = (*Memory)(nil)
	_ bots.Leaser = (*Bolt)(nil)
	_ bots.Leaser = (*Redis)(nil)
)

// bucketLeases holds the lease records by key (bolt).
const bucketLeases = "leases"

// lease is the record of one key.
type lease struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
	Done    bool      `json:"done,omitempty"`
}

// free reports whether owner may take l at now.
func (l lease) free(owner string, now time.Time) bool {
	return !l.Done && (l.Owner == "" || l.Owner == owner || !now.Before(l.Expires))
}

func checkLease(key, owner string, ttl time.Duration) error {
	if key == "" || owner == "" {
		return errors.New("empty key or owner")
	}
	if ttl <= 0 {
		return fmt.Errorf("ttl %s is not positive", ttl)
	}
	return nil
}

// Lease implements bots.Leaser.
func (m *Memory) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := checkLease(key, owner, ttl); err != nil {
		return false, fmt.Errorf("memory store: lease: %w", err)
	}
	if err := m.lock("lease"); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	now := m.now()
	if !m.leases[key].free(owner, now) {
		return false, nil
	}
	if m.leases == nil {
		m.leases = map[string]lease{}
	}
	m.leases[key] = lease{Owner: owner, Expires: now.Add(ttl)}
	return true, nil
}

// Finish implements bots.Leaser.
func (m *Memory) Finish(ctx context.Context, key, owner string) error {
	if err := checkLease(key, owner, time.Second); err != nil {
		return fmt.Errorf("memory store: finish: %w", err)
	}
	if err := m.lock("finish"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if m.leases == nil {
		m.leases = map[string]lease{}
	}
	m.leases[key] = lease{Owner: owner, Done: true}
	return nil
}

// Lease implements bots.Leaser in one transaction.
func (b *Bolt) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := checkLease(key, owner, ttl); err != nil {
		return false, fmt.Errorf("bolt store: lease: %w", err)
	}
	taken := false
	err := b.update(ctx, func(tx *bolt.Tx) error {
		taken = false // a batch may run this again
		bk, err := tx.CreateBucketIfNotExists([]byte(bucketLeases))
		if err != nil {
			return err
		}
		var l lease
		if err := getJSON(bk, []byte(key), &l); err != nil {
			return err
		}
		now := b.now()
		if !l.free(owner, now) {
			return nil
		}
		taken = true
		return putJSON(bk, []byte(key), lease{Owner: owner, Expires: now.Add(ttl)})
	})
	if err != nil {
		return false, fmt.Errorf("bolt store: lease %s: %w", key, err)
	}
	return taken, nil
}

// Finish implements bots.Leaser.
func (b *Bolt) Finish(ctx context.Context, key, owner string) error {
	if err := checkLease(key, owner, time.Second); err != nil {
		return fmt.Errorf("bolt store: finish: %w", err)
	}
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(bucketLeases))
		if err != nil {
			return err
		}
		return putJSON(bk, []byte(key), lease{Owner: owner, Done: true})
	})
	if err != nil {
		return fmt.Errorf("bolt store: finish %s: %w", key, err)
	}
	return nil
}

// leaseDone is the value of a finished key in Redis; an owner's lease is
// "o:" + owner, so no owner can be mistaken for it.
const leaseDone = "done"

// leaseScript takes KEYS[1] for owner ARGV[1] for ARGV[2] ms unless it
// is finished or held by another owner (an expired lease is gone: Redis
// expired the key). Redis runs a script atomically
// (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
var leaseScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

// Lease implements bots.Leaser (one script).
func (r *Redis) Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error) {
	if err := checkLease(key, owner, ttl); err != nil {
		return false, fmt.Errorf("redis store: lease: %w", err)
	}
	n, err := leaseScript.Run(ctx, r.client, []string{r.key("lease", key)}, "o:"+owner,
		max(ttl, time.Millisecond).Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redis store: lease %s: %w", key, r.wrap(ctx, err))
	}
	return n == 1, nil
}

// Finish implements bots.Leaser: SET without expiry.
func (r *Redis) Finish(ctx context.Context, key, owner string) error {
	if err := checkLease(key, owner, time.Second); err != nil {
		return fmt.Errorf("redis store: finish: %w", err)
	}
	if err := r.client.Set(ctx, r.key("lease", key), leaseDone, 0).Err(); err != nil {
		return fmt.Errorf("redis store: finish %s: %w", key, r.wrap(ctx, err))
	}
	return nil
}
