package bots

import (
	"testing"
	"time"
)

func TestLRU(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newLRU[string, int](2, time.Minute, clk.Now)
	c.put("a", 1)
	c.put("b", 2)
	c.get("a") // a is now the most recent
	c.put("c", 3)
	if _, ok := c.get("b"); ok {
		t.Error("b should have been evicted")
	}
	if v, ok := c.get("a"); !ok || v != 1 {
		t.Errorf("a = %d, %v", v, ok)
	}
	if !c.update("a", func(v int) int { return v + 10 }) {
		t.Error("update of a live entry failed")
	}
	if v, _ := c.get("a"); v != 11 {
		t.Errorf("a = %d after update", v)
	}
	clk.Add(time.Minute)
	if _, ok := c.get("a"); ok {
		t.Error("a should have expired")
	}
	if c.update("c", func(v int) int { return v }) {
		t.Error("update of an expired entry succeeded")
	}
	if n := c.len(); n != 0 {
		t.Errorf("len = %d after expiry", n)
	}
}

// claim takes every key or none, and a key is claimable again once its
// TTL is over; of many concurrent claims sharing a key exactly one wins.
func TestLRUClaim(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newLRU[string, struct{}](16, time.Minute, clk.Now)
	if !c.claim(struct{}{}, "ev:1", "msg:1") {
		t.Fatal("first claim refused")
	}
	if c.claim(struct{}{}, "ev:2", "msg:1") {
		t.Fatal("a claim sharing msg:1 succeeded")
	}
	if _, ok := c.get("ev:2"); ok {
		t.Fatal("a refused claim took ev:2")
	}
	clk.Add(time.Minute)
	if !c.claim(struct{}{}, "ev:2", "msg:1") {
		t.Fatal("claim after the TTL refused")
	}
	wins := make(chan bool, 8)
	for i := range 8 {
		go func() { wins <- c.claim(struct{}{}, "msg:race", string(rune('a'+i))) }()
	}
	n := 0
	for range 8 {
		if <-wins {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent claims of one key won, want 1", n)
	}
}
