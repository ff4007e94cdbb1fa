package llm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// TestSingleSlotServerQueue: a local server with one slot holds queued
// requests before their headers. With the wait for headers bounded by
// FirstByteTimeout (default 120s) and only the gaps of a started body by
// IdleTimeout, four questions at once all get their answer and no attempt
// is abandoned in the server's queue. (Before, IdleTimeout also counted the
// queue: every queued request timed out and was retried behind itself.)
func TestSingleSlotServerQueue(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp, Slots: 1, Delay: 10 * time.Millisecond},
		Options{Dialect: OpenAI, IdleTimeout: 500 * time.Millisecond})
	reply := strings.Repeat("tok ", 30) // ~300ms per answer: the 4th waits ~900ms
	h.srv.SetDefault(llmtest.Scenario{Reply: reply})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := h.c.Stream(context.Background(), userReq(fmt.Sprint("q", i)))
			if err == nil {
				var text string
				text, err = drain(t, s)
				if err == nil && text != reply {
					err = fmt.Errorf("text %q", text)
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("question %d: %v", i, err)
		}
	}
	st := h.srv.Stats()
	if st.Abandoned != 0 || st.MaxBusy != 1 || len(h.srv.Requests()) != 4 {
		t.Fatalf("server %+v after %d requests, want 4 requests, none abandoned, one at a time", st, len(h.srv.Requests()))
	}
}

// TestAcceptedTimeoutRetriedOnce: a request the server took but answered
// no header to within FirstByteTimeout is retried once, with a warning,
// not MaxRetries times: each copy would queue behind the last.
func TestAcceptedTimeoutRetriedOnce(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Slots: 1},
		Options{Dialect: OpenAI, FirstByteTimeout: 80 * time.Millisecond, IdleTimeout: time.Minute, MaxRetries: 3})
	// A first request holds the only slot: its answer never starts.
	h.srv.Script(llmtest.Scenario{Fault: llmtest.Stall})
	hold, cancel := context.WithCancel(context.Background())
	held := make(chan struct{})
	go func() {
		defer close(held)
		if s, err := h.c.Stream(hold, userReq("holder")); err == nil {
			s.Close()
		}
	}()
	defer func() { cancel(); <-held }()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if !h.srv.WaitStats(wait, func(st llmtest.Stats) bool { return st.MaxBusy == 1 }) {
		t.Fatal("the holder never got the slot")
	}

	_, _, err := h.run(t, userReq("queued"))
	e := asError(t, err)
	if e.Code != CodeTimeout || !strings.Contains(e.Message, "no response headers within 80ms") {
		t.Fatalf("%+v", e)
	}
	if n := len(h.srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want the holder and 2 attempts (one retry)", n)
	}
	if !strings.Contains(h.logs.String(), "accepted it; it may still be processed and billed") {
		t.Fatalf("the retry is silent:\n%s", h.logs.String())
	}
	// Both queued attempts were given up by the client.
	h.srv.WaitStats(wait, func(st llmtest.Stats) bool { return st.Abandoned == 2 })
	if st := h.srv.Stats(); st.Abandoned != 2 || st.MaxBusy != 1 {
		t.Fatalf("stats %+v", st)
	}
}
