package discord

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

type hookCounts struct {
	mu      sync.Mutex
	events  map[string]int
	deduped int
	limited map[string]int
	errors  map[string]int
}

var _ Hooks = (*hookCounts)(nil)

func (c *hookCounts) hooks() Hooks {
	c.events, c.limited, c.errors = map[string]int{}, map[string]int{}, map[string]int{}
	return c
}

func (c *hookCounts) Event(t string)       { c.mu.Lock(); c.events[t]++; c.mu.Unlock() }
func (c *hookCounts) Deduped()             { c.mu.Lock(); c.deduped++; c.mu.Unlock() }
func (c *hookCounts) RateLimited(r string) { c.mu.Lock(); c.limited[r]++; c.mu.Unlock() }
func (c *hookCounts) APIError(r string, code int) {
	c.mu.Lock()
	c.errors[r+" "+itoa(code)]++
	c.mu.Unlock()
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHooksReportEventsDedupesAndErrors(t *testing.T) {
	t.Parallel()
	var c hookCounts
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.Hooks = c.hooks() }})
	// The first token comes late enough for the typing indicator (whose
	// 403 is counted below) to be sent before the answer begins.
	h.llm.SetDefault(llmtest.Scenario{Reply: "Counted.", FirstDelay: 300 * time.Millisecond})
	h.dc.Force429(1, 50*time.Millisecond)
	h.dc.FailNext("POST", "/typing", 403, 50013, "Missing Permissions", 1)
	before := h.dc.Seq()
	q := h.mention("count me")
	h.waitExact(q.ID, "Counted.")
	h.dc.Disconnect(4000, before)
	h.waitFor("resume", 10*time.Second, func() bool { return h.dc.Resumes() == 1 && h.a.Ready() })
	q2 := h.mention("again")
	h.waitExact(q2.ID, "Counted.")

	// The typing call runs beside the answer: its hook may come after
	// the answer is visible.
	h.waitFor("the typing 403 reported", 10*time.Second, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.errors["POST /channels/{id}/typing 50013"] >= 1
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.events["MESSAGE_CREATE"] < 3 || c.events["READY"] != 1 || c.events["RESUMED"] != 1 {
		t.Errorf("events %v", c.events)
	}
	if c.deduped != 1 {
		t.Errorf("deduped %d, want 1 (the replayed mention)", c.deduped)
	}
	if len(c.limited) == 0 {
		t.Errorf("no 429 reported")
	}
	if c.errors["POST /channels/{id}/typing 50013"] != 1 {
		t.Errorf("errors %v", c.errors)
	}
}
