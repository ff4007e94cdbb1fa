package bots

import (
	"container/list"
	"sync"
	"time"
)

// lru is a small bounded map with a time to live, safe for concurrent use.
// The Engine keeps four of them: joined threads, thread histories,
// resolved settings and its own dedupe claims. Entries past their TTL are treated as absent and
// removed lazily; the least recently used entry is evicted when full.
type lru[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front = most recently used; values are *lruEntry
	items map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

func newLRU[K comparable, V any](max int, ttl time.Duration, now func() time.Time) *lru[K, V] {
	if max < 1 {
		max = 1
	}
	return &lru[K, V]{max: max, ttl: ttl, now: now, order: list.New(), items: make(map[K]*list.Element)}
}

// get returns the live value of k.
func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(k)
}

// getCopy is get with the value passed through cp under the lock, for
// values (slices) that update may modify in place.
func (c *lru[K, V]) getCopy(k K, cp func(V) V) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.getLocked(k)
	if ok {
		v = cp(v)
	}
	return v, ok
}

func (c *lru[K, V]) getLocked(k K) (V, bool) {
	var zero V
	el, ok := c.items[k]
	if !ok {
		return zero, false
	}
	ent := el.Value.(*lruEntry[K, V])
	if c.ttl > 0 && !c.now().Before(ent.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return zero, false
	}
	c.order.MoveToFront(el)
	return ent.val, true
}

// put stores v under k with a fresh TTL.
func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *lru[K, V]) putLocked(k K, v V) {
	exp := c.now().Add(c.ttl)
	if el, ok := c.items[k]; ok {
		ent := el.Value.(*lruEntry[K, V])
		ent.val, ent.expires = v, exp
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&lruEntry[K, V]{key: k, val: v, expires: exp})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry[K, V]).key)
	}
}

// claim puts v under every key, with a fresh TTL, when none of them is
// live, and reports whether it did; otherwise it changes nothing. Check
// and insert are one step under the lock, so of two concurrent claims
// sharing a key exactly one succeeds.
func (c *lru[K, V]) claim(v V, keys ...K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if _, ok := c.getLocked(k); ok {
			return false
		}
	}
	for _, k := range keys {
		c.putLocked(k, v)
	}
	return true
}

// update applies fn to the live value of k (if any) under the lock, keeping
// the entry's expiry. fn may modify the value in place.
func (c *lru[K, V]) update(k K, fn func(V) V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.getLocked(k)
	if !ok {
		return false
	}
	c.items[k].Value.(*lruEntry[K, V]).val = fn(v)
	return true
}

// remove deletes k.
func (c *lru[K, V]) remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
	}
}

// len returns the number of entries, expired ones included.
func (c *lru[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
