package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// The approvals of tool calls (bots.ApprovalStore): one JSON record per
// call key, found by answer through its key prefix (bolt), a scan of the
// map (memory) or a set per answer (Redis). A swap reads the state and
// writes the record in one transaction (bolt), under the lock (memory) or
// in one script (Redis), so a state moves once whoever races for it.

var (
	_ bots.ApprovalStore = (*Memory)(nil)
	_ bots.ApprovalStore = (*Bolt)(nil)
	_ bots.ApprovalStore = (*Redis)(nil)
)

// bucketApprovals holds the records by "<answer>\x00<key>" (bolt).
const bucketApprovals = "approvals"

// approvalTTL bounds how long Redis keeps a record an answer never
// dropped (a reply abandoned for good); the journal gives up on a reply
// after an hour by default.
const approvalTTL = 48 * time.Hour

func checkApproval(a bots.Approval) error {
	if a.Key == "" || a.Answer == "" || a.State == "" {
		return errors.New("approval without key, answer or state")
	}
	return nil
}

func approvalKey(answer, key string) []byte { return []byte(answer + "\x00" + key) }

func decodeApproval(raw []byte) (bots.Approval, error) {
	var a bots.Approval
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, fmt.Errorf("stored approval: %w", err)
	}
	return a, nil
}

func sortApprovals(as []bots.Approval) {
	slices.SortFunc(as, func(x, y bots.Approval) int {
		return cmp.Or(cmp.Compare(x.Round, y.Round), x.Created.Compare(y.Created), cmp.Compare(x.Key, y.Key))
	})
}

// PutApproval implements bots.ApprovalStore.
func (m *Memory) PutApproval(ctx context.Context, a bots.Approval) (bots.Approval, bool, error) {
	if err := checkApproval(a); err != nil {
		return a, false, fmt.Errorf("memory store: put approval: %w", err)
	}
	if err := m.lock("put approval"); err != nil {
		return a, false, err
	}
	defer m.mu.Unlock()
	if m.approvals == nil {
		m.approvals = map[string][]byte{}
	}
	if raw, ok := m.approvals[a.Key]; ok {
		old, err := decodeApproval(raw)
		return old, false, err
	}
	raw, _ := json.Marshal(a)
	m.approvals[a.Key] = raw
	return a, true, nil
}

// GetApproval implements bots.ApprovalStore.
func (m *Memory) GetApproval(ctx context.Context, key string) (bots.Approval, bool, error) {
	if err := m.lock("get approval"); err != nil {
		return bots.Approval{}, false, err
	}
	defer m.mu.Unlock()
	raw, ok := m.approvals[key]
	if !ok {
		return bots.Approval{}, false, nil
	}
	a, err := decodeApproval(raw)
	return a, err == nil, err
}

// SwapApproval implements bots.ApprovalStore.
func (m *Memory) SwapApproval(ctx context.Context, from bots.ApprovalState, next bots.Approval) (bool, error) {
	if err := checkApproval(next); err != nil {
		return false, fmt.Errorf("memory store: swap approval: %w", err)
	}
	if err := m.lock("swap approval"); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	raw, ok := m.approvals[next.Key]
	if !ok {
		return false, nil
	}
	cur, err := decodeApproval(raw)
	if err != nil || cur.State != from {
		return false, err
	}
	m.approvals[next.Key], _ = json.Marshal(next)
	return true, nil
}

// Approvals implements bots.ApprovalStore.
func (m *Memory) Approvals(ctx context.Context, answer string) ([]bots.Approval, error) {
	if err := m.lock("approvals"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []bots.Approval
	for _, raw := range m.approvals {
		a, err := decodeApproval(raw)
		if err != nil {
			return nil, err
		}
		if a.Answer == answer {
			out = append(out, a)
		}
	}
	sortApprovals(out)
	return out, nil
}

// DropApprovals implements bots.ApprovalStore.
func (m *Memory) DropApprovals(ctx context.Context, answer string) error {
	if err := m.lock("drop approvals"); err != nil {
		return err
	}
	defer m.mu.Unlock()
	for k, raw := range m.approvals {
		if a, err := decodeApproval(raw); err == nil && a.Answer == answer {
			delete(m.approvals, k)
		}
	}
	return nil
}

// boltFind returns the stored record of key (a cursor over the bucket:
// keys are by answer first, the call key is the suffix).
func boltFind(bk *bolt.Bucket, key string) ([]byte, []byte) {
	if bk == nil {
		return nil, nil
	}
	c := bk.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) > len(key) && string(k[len(k)-len(key)-1:]) == "\x00"+key {
			return k, v
		}
	}
	return nil, nil
}

// PutApproval implements bots.ApprovalStore.
func (b *Bolt) PutApproval(ctx context.Context, a bots.Approval) (bots.Approval, bool, error) {
	if err := checkApproval(a); err != nil {
		return a, false, fmt.Errorf("bolt store: put approval: %w", err)
	}
	raw, _ := json.Marshal(a)
	out, created := a, false
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(bucketApprovals))
		if err != nil {
			return err
		}
		k := approvalKey(a.Answer, a.Key)
		if old := bk.Get(k); old != nil {
			out, err = decodeApproval(old)
			return err
		}
		created = true
		return bk.Put(k, raw)
	})
	if err != nil {
		return a, false, fmt.Errorf("bolt store: put approval: %w", err)
	}
	return out, created, nil
}

// GetApproval implements bots.ApprovalStore.
func (b *Bolt) GetApproval(ctx context.Context, key string) (bots.Approval, bool, error) {
	var out bots.Approval
	found := false
	err := b.view(ctx, func(tx *bolt.Tx) error {
		_, v := boltFind(tx.Bucket([]byte(bucketApprovals)), key)
		if v == nil {
			return nil
		}
		var err error
		out, err = decodeApproval(v)
		found = err == nil
		return err
	})
	if err != nil {
		return out, false, fmt.Errorf("bolt store: get approval: %w", err)
	}
	return out, found, nil
}

// SwapApproval implements bots.ApprovalStore in one transaction.
func (b *Bolt) SwapApproval(ctx context.Context, from bots.ApprovalState, next bots.Approval) (bool, error) {
	if err := checkApproval(next); err != nil {
		return false, fmt.Errorf("bolt store: swap approval: %w", err)
	}
	raw, _ := json.Marshal(next)
	swapped := false
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketApprovals))
		if bk == nil {
			return nil
		}
		k := approvalKey(next.Answer, next.Key)
		v := bk.Get(k)
		if v == nil {
			return nil
		}
		cur, err := decodeApproval(v)
		if err != nil || cur.State != from {
			return err
		}
		swapped = true
		return bk.Put(k, raw)
	})
	if err != nil {
		return false, fmt.Errorf("bolt store: swap approval: %w", err)
	}
	return swapped, nil
}

// Approvals implements bots.ApprovalStore (a prefix scan).
func (b *Bolt) Approvals(ctx context.Context, answer string) ([]bots.Approval, error) {
	var out []bots.Approval
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketApprovals))
		if bk == nil {
			return nil
		}
		prefix := approvalKey(answer, "")
		c := bk.Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			a, err := decodeApproval(v)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt store: approvals: %w", err)
	}
	sortApprovals(out)
	return out, nil
}

// DropApprovals implements bots.ApprovalStore.
func (b *Bolt) DropApprovals(ctx context.Context, answer string) error {
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketApprovals))
		if bk == nil {
			return nil
		}
		prefix := approvalKey(answer, "")
		var keys [][]byte
		c := bk.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			keys = append(keys, slices.Clone(k))
		}
		for _, k := range keys {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt store: drop approvals: %w", err)
	}
	return nil
}

// putApprovalScript stores a record unless one exists (returning it),
// and adds its key to the answer's set.
var putApprovalScript = goredis.NewScript(`
local old = redis.call('GET', KEYS[1])
if old then return old end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return false`)

// swapApprovalScript replaces a record whose state is ARGV[1].
var swapApprovalScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v)['state'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`)

// PutApproval implements bots.ApprovalStore (one script).
func (r *Redis) PutApproval(ctx context.Context, a bots.Approval) (bots.Approval, bool, error) {
	if err := checkApproval(a); err != nil {
		return a, false, fmt.Errorf("redis store: put approval: %w", err)
	}
	raw, _ := json.Marshal(a)
	old, err := putApprovalScript.Run(ctx, r.client, []string{r.key("approval", a.Key), r.key("approvals", a.Answer)},
		string(raw), approvalTTL.Milliseconds()).Text()
	switch {
	case errors.Is(err, goredis.Nil):
		return a, true, nil
	case err != nil:
		return a, false, fmt.Errorf("redis store: put approval: %w", r.wrap(ctx, err))
	}
	stored, err := decodeApproval([]byte(old))
	return stored, false, err
}

// GetApproval implements bots.ApprovalStore.
func (r *Redis) GetApproval(ctx context.Context, key string) (bots.Approval, bool, error) {
	raw, err := r.client.Get(ctx, r.key("approval", key)).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return bots.Approval{}, false, nil
	case err != nil:
		return bots.Approval{}, false, fmt.Errorf("redis store: get approval: %w", r.wrap(ctx, err))
	}
	a, err := decodeApproval(raw)
	return a, err == nil, err
}

// SwapApproval implements bots.ApprovalStore (one script).
func (r *Redis) SwapApproval(ctx context.Context, from bots.ApprovalState, next bots.Approval) (bool, error) {
	if err := checkApproval(next); err != nil {
		return false, fmt.Errorf("redis store: swap approval: %w", err)
	}
	raw, _ := json.Marshal(next)
	n, err := swapApprovalScript.Run(ctx, r.client, []string{r.key("approval", next.Key)}, string(from), string(raw)).Int()
	if err != nil {
		return false, fmt.Errorf("redis store: swap approval: %w", r.wrap(ctx, err))
	}
	return n == 1, nil
}

// Approvals implements bots.ApprovalStore (the answer's set, then one
// MGET).
func (r *Redis) Approvals(ctx context.Context, answer string) ([]bots.Approval, error) {
	keys, err := r.client.SMembers(ctx, r.key("approvals", answer)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: approvals: %w", r.wrap(ctx, err))
	}
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := r.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: approvals: %w", r.wrap(ctx, err))
	}
	var out []bots.Approval
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // expired since
		}
		a, err := decodeApproval([]byte(s))
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sortApprovals(out)
	return out, nil
}

// DropApprovals implements bots.ApprovalStore.
func (r *Redis) DropApprovals(ctx context.Context, answer string) error {
	set := r.key("approvals", answer)
	keys, err := r.client.SMembers(ctx, set).Result()
	if err != nil {
		return fmt.Errorf("redis store: drop approvals: %w", r.wrap(ctx, err))
	}
	if err := r.client.Del(ctx, append(keys, set)...).Err(); err != nil {
		return fmt.Errorf("redis store: drop approvals: %w", r.wrap(ctx, err))
	}
	return nil
}
