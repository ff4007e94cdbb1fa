// Package cache holds the bot's one in-process cache: a bounded map whose
// entries expire, evicting the least recently used entry when full. The
// Engine (threads joined, histories, settings, dedupe claims), the Slack
// adapter (users, files, event ids) and the Discord adapter (channels,
// roles, pending threads) all keep their short-lived facts in it, so a fix
// to expiry or eviction reaches every one of them.
package cache

import (
	"container/list"
	"sync"
	"time"
)

// Cache is a bounded LRU map with a time to live, safe for concurrent use.
// An entry is live until its TTL has fully passed (it is gone at the
// instant now reaches put time + TTL); expired entries count as absent and
// are removed when met. The zero value is not usable: build one with New.
//
// Callers decide what is worth caching: a failed lookup that may succeed
// on the next try is simply not put (no negative caching unless the caller
// puts a definitive "no" as a value).
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front = most recently used; values are *entry[K, V]
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key     K
	val     V
	expires time.Time
}

// New returns a cache holding at most max entries (at least one) for ttl
// each; a ttl of zero or less means entries never expire and leave only
// by eviction or Remove. now is the clock; nil means time.Now, which
// testing/synctest fakes inside a bubble.
func New[K comparable, V any](max int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	if max < 1 {
		max = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Cache[K, V]{max: max, ttl: ttl, now: now, order: list.New(), items: make(map[K]*list.Element)}
}

// Get returns the live value of k and marks it most recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(k)
}

// GetCopy is Get with the value passed through cp under the lock, for
// values (slices) that Update may modify in place while the caller reads.
func (c *Cache[K, V]) GetCopy(k K, cp func(V) V) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.getLocked(k)
	if ok {
		v = cp(v)
	}
	return v, ok
}

func (c *Cache[K, V]) getLocked(k K) (V, bool) {
	var zero V
	el, ok := c.items[k]
	if !ok {
		return zero, false
	}
	ent := el.Value.(*entry[K, V])
	if c.ttl > 0 && !c.now().Before(ent.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return zero, false
	}
	c.order.MoveToFront(el)
	return ent.val, true
}

// Put stores v under k with a fresh TTL, evicting the least recently used
// entry when the cache is full.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *Cache[K, V]) putLocked(k K, v V) {
	exp := c.now().Add(c.ttl)
	if el, ok := c.items[k]; ok {
		ent := el.Value.(*entry[K, V])
		ent.val, ent.expires = v, exp
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&entry[K, V]{key: k, val: v, expires: exp})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*entry[K, V]).key)
	}
}

// Claim puts v under every key, with a fresh TTL, when none of them is
// live, and reports whether it did; otherwise it changes nothing. Check
// and insert are one step under the lock, so of two concurrent claims
// sharing a key exactly one succeeds (a "first seen" check for event ids).
func (c *Cache[K, V]) Claim(v V, keys ...K) bool {
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

// Update applies fn to the live value of k (if any) under the lock, keeping
// the entry's expiry, and reports whether there was one. fn may modify the
// value in place.
func (c *Cache[K, V]) Update(k K, fn func(V) V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.getLocked(k)
	if !ok {
		return false
	}
	c.items[k].Value.(*entry[K, V]).val = fn(v)
	return true
}

// Take returns the live value of k and removes it, in one step, so of two
// concurrent takers only one gets the value.
func (c *Cache[K, V]) Take(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.getLocked(k)
	if ok {
		c.order.Remove(c.items[k])
		delete(c.items, k)
	}
	return v, ok
}

// Remove deletes k.
func (c *Cache[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.order.Remove(el)
		delete(c.items, k)
	}
}

// Len returns the number of entries held, expired ones not yet met
// included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
