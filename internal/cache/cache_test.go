package cache

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The least recently used entry goes first, and Get counts as a use.
func TestEvictsTheLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](2, time.Minute, nil)
	c.Put("a", 1)
	c.Put("b", 2)
	c.Get("a")
	c.Put("c", 3)
	if _, ok := c.Get("b"); ok {
		t.Error("b survived eviction")
	}
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf("a = %d, %v; want 1, true", v, ok)
	}
	if v, ok := c.Get("c"); !ok || v != 3 {
		t.Errorf("c = %d, %v; want 3, true", v, ok)
	}
	if n := c.Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
}

// Putting an existing key replaces its value, refreshes its TTL and does
// not evict anything.
func TestPutReplaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, int](2, time.Minute, nil)
		c.Put("a", 1)
		c.Put("b", 2)
		time.Sleep(30 * time.Second)
		c.Put("a", 10)
		if n := c.Len(); n != 2 {
			t.Fatalf("Len = %d after replacing, want 2", n)
		}
		time.Sleep(45 * time.Second) // b's minute is over, a's is not
		if _, ok := c.Get("b"); ok {
			t.Error("b outlived its TTL")
		}
		if v, ok := c.Get("a"); !ok || v != 10 {
			t.Errorf("a = %d, %v; want 10, true (TTL refreshed by Put)", v, ok)
		}
	})
}

// An entry is live strictly before put time + TTL and gone at that instant.
func TestExpiresAtTheTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, int](4, time.Minute, nil)
		c.Put("a", 1)
		time.Sleep(time.Minute - time.Nanosecond)
		if _, ok := c.Get("a"); !ok {
			t.Fatal("a expired before its TTL")
		}
		time.Sleep(time.Nanosecond)
		if _, ok := c.Get("a"); ok {
			t.Fatal("a live at its TTL")
		}
		if n := c.Len(); n != 0 {
			t.Fatalf("Len = %d, want the expired entry removed", n)
		}
		if c.Update("a", func(v int) int { return v }) {
			t.Error("Update of an expired entry succeeded")
		}
		if _, ok := c.Take("a"); ok {
			t.Error("Take of an expired entry succeeded")
		}
	})
}

// A TTL of zero keeps entries until evicted.
func TestZeroTTLNeverExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, int](1, 0, nil)
		c.Put("a", 1)
		time.Sleep(1000 * time.Hour)
		if _, ok := c.Get("a"); !ok {
			t.Fatal("an entry without TTL expired")
		}
		c.Put("b", 2)
		if _, ok := c.Get("a"); ok {
			t.Fatal("a survived eviction from a cache of one")
		}
	})
}

// The injected clock is the one consulted.
func TestInjectedClock(t *testing.T) {
	now := time.Unix(0, 0)
	c := New[string, int](4, time.Minute, func() time.Time { return now })
	c.Put("a", 1)
	now = now.Add(time.Minute)
	if _, ok := c.Get("a"); ok {
		t.Fatal("a live after the injected clock passed its TTL")
	}
}

// A max below one still holds one entry.
func TestMaxAtLeastOne(t *testing.T) {
	c := New[string, int](0, time.Minute, nil)
	c.Put("a", 1)
	if _, ok := c.Get("a"); !ok {
		t.Fatal("a cache built with max 0 holds nothing")
	}
}

// Update changes the value in place and keeps the expiry.
func TestUpdateKeepsExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, []int](4, time.Minute, nil)
		c.Put("a", []int{1})
		time.Sleep(30 * time.Second)
		if !c.Update("a", func(v []int) []int { return append(v, 2) }) {
			t.Fatal("Update of a live entry failed")
		}
		got, _ := c.GetCopy("a", func(v []int) []int { return append([]int(nil), v...) })
		if len(got) != 2 || got[1] != 2 {
			t.Fatalf("a = %v after Update, want [1 2]", got)
		}
		time.Sleep(30 * time.Second)
		if _, ok := c.Get("a"); ok {
			t.Fatal("Update refreshed the TTL")
		}
		if c.Update("b", func(v []int) []int { return v }) {
			t.Fatal("Update of a missing key succeeded")
		}
	})
}

// Take returns the value once.
func TestTake(t *testing.T) {
	c := New[string, int](4, time.Minute, nil)
	c.Put("a", 1)
	if v, ok := c.Take("a"); !ok || v != 1 {
		t.Fatalf("Take = %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Take("a"); ok {
		t.Fatal("a taken twice")
	}
	c.Put("b", 2)
	c.Remove("b")
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived Remove")
	}
}

// Claim takes every key or none, and a key is claimable again once its
// TTL is over; of many concurrent claims sharing a key exactly one wins.
func TestClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := New[string, struct{}](16, time.Minute, nil)
		if !c.Claim(struct{}{}, "ev:1", "msg:1") {
			t.Fatal("first claim refused")
		}
		if c.Claim(struct{}{}, "ev:2", "msg:1") {
			t.Fatal("a claim sharing msg:1 succeeded")
		}
		if _, ok := c.Get("ev:2"); ok {
			t.Fatal("a refused claim took ev:2")
		}
		time.Sleep(time.Minute)
		if !c.Claim(struct{}{}, "ev:2", "msg:1") {
			t.Fatal("claim after the TTL refused")
		}
	})
	c := New[string, struct{}](16, time.Minute, nil)
	if n := concurrentWins(8, func(i int) bool { return c.Claim(struct{}{}, "msg:race", string(rune('a'+i))) }); n != 1 {
		t.Fatalf("%d concurrent claims of one key won, want 1", n)
	}
}

// Concurrent takers of one entry: exactly one gets it.
func TestTakeConcurrent(t *testing.T) {
	c := New[int, int](4, time.Minute, nil)
	c.Put(1, 1)
	if n := concurrentWins(8, func(int) bool { _, ok := c.Take(1); return ok }); n != 1 {
		t.Fatalf("%d takers got the entry, want 1", n)
	}
}

// concurrentWins runs f(0..n-1) on n goroutines at once and counts the
// calls that returned true.
func concurrentWins(n int, f func(i int) bool) int {
	var wg sync.WaitGroup
	wins := make(chan bool, n)
	for i := range n {
		wg.Go(func() { wins <- f(i) })
	}
	wg.Wait()
	close(wins)
	won := 0
	for w := range wins {
		if w {
			won++
		}
	}
	return won
}
