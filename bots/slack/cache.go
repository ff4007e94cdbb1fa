package slack

import (
	"container/list"
	"sync"
	"time"
)

// ttlCache is a bounded LRU map whose entries expire. Safe for concurrent
// use.
type ttlCache[V any] struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // front = most recent; values are *cacheEntry[V]
	items map[string]*list.Element
}

type cacheEntry[V any] struct {
	key     string
	val     V
	expires time.Time
}

func newTTLCache[V any](max int, ttl time.Duration, now func() time.Time) *ttlCache[V] {
	return &ttlCache[V]{max: max, ttl: ttl, now: now, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the live value of key.
func (c *ttlCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, found := c.items[key]
	if !found {
		return zero, false
	}
	e := el.Value.(*cacheEntry[V])
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.val, true
}

// put stores key, evicting the least recently used entry when full.
func (c *ttlCache[V]) put(key string, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, found := c.items[key]; found {
		c.order.Remove(el)
		delete(c.items, key)
	}
	c.insertLocked(key, val)
}

// add stores key unless a live entry exists; it reports whether it did
// (a "first seen" check for event ids).
func (c *ttlCache[V]) add(key string, val V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, found := c.items[key]; found {
		if c.now().Before(el.Value.(*cacheEntry[V]).expires) {
			return false
		}
		c.order.Remove(el)
		delete(c.items, key)
	}
	c.insertLocked(key, val)
	return true
}

func (c *ttlCache[V]) insertLocked(key string, val V) {
	c.items[key] = c.order.PushFront(&cacheEntry[V]{key: key, val: val, expires: c.now().Add(c.ttl)})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry[V]).key)
	}
}
