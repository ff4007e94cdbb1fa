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
