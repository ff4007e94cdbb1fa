package discord

// Platform faults injected through the fake Discord while an answer
// streams: REST 5xx answers, a gateway connection dropped and resumed with
// a replay, and a gateway that stops acknowledging heartbeats. Every asker
// gets the whole answer exactly once.

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// slowAnswer is n words, streamed one per chunk.
func slowAnswer(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "word%d ", i)
	}
	return strings.TrimSpace(b.String()) + "."
}

// statusCount counts recorded requests of method whose path contains sub
// and that were answered status.
func statusCount(h *harness, method, sub string, status int) int {
	n := 0
	for _, r := range h.dc.Requests() {
		if r.Method == method && strings.Contains(r.Path, sub) && r.Status == status {
			n++
		}
	}
	return n
}

// waitStreaming waits until the answer in thread has its first text and
// fails when it is already whole (the fault would miss the reply in
// flight).
func waitStreaming(h *harness, thread, answer string) {
	h.t.Helper()
	h.waitFor("the first text of the answer", 10*time.Second, func() bool { return len(h.botMessages(thread)) > 0 })
	if joined(h.botMessages(thread)) == answer {
		h.t.Fatal("the answer was complete before the fault; the test needs a slower stream")
	}
}

func TestFaultREST5xxDuringReply(t *testing.T) {
	t.Parallel()
	answer := "An answer that outlives a Discord outage, down to its last word."
	for _, tc := range []struct {
		name   string
		method string
		path   func(thread string) string
		status []int
	}{
		// The answer's first message cannot be created.
		{"create 500 then 503", "POST", func(th string) string { return "/channels/" + th + "/messages" }, []int{500, 503}},
		// Its final edit fails, and the next try too.
		{"edit 500 then 504", "PATCH", func(th string) string { return "/channels/" + th + "/messages/" }, []int{500, 504}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Edits of one message 1.5s apart: the short answer streams
			// within that, so the first edit is the final one.
			h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 10 * time.Millisecond},
				adapter: func(o *Options) { o.MinEditInterval = 1500 * time.Millisecond }})
			thread := nextID(h) // the thread started from the mention has its id
			for _, st := range tc.status {
				h.dc.FailNext(tc.method, tc.path(thread), st, 0, "Internal Server Error", 1)
			}
			q := h.mention("answer despite the outage")
			if q.ID != thread {
				t.Fatalf("mention id %s, expected %s", q.ID, thread)
			}
			msgs := h.waitExact(thread, answer)
			if len(msgs) != 1 {
				t.Errorf("%d bot messages, want 1", len(msgs))
			}
			for _, st := range tc.status {
				if statusCount(h, tc.method, tc.path(thread), st) != 1 {
					t.Errorf("the injected %d was not served", st)
				}
			}
			if n := len(h.llm.Requests()); n != 1 {
				t.Errorf("LLM requests = %d, want 1", n)
			}
			h.checkNoMentions()
		})
	}
}

// The gateway connection drops while an answer streams; on RESUME Discord
// replays the mention. The answer finishes once and the replay is dropped.
func TestFaultGatewayDisconnectMidReply(t *testing.T) {
	t.Parallel()
	answer := slowAnswer(40)
	h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 25 * time.Millisecond}})
	before := h.dc.Seq()
	q := h.mention("a question answered across a reconnect")
	waitStreaming(h, q.ID, answer)

	h.dc.Disconnect(4000, before)
	h.waitFor("resume", 10*time.Second, func() bool { return h.dc.Resumes() == 1 && h.a.Ready() })
	h.waitExact(q.ID, answer)
	// A later mention runs after the replayed one: once answered, the
	// replay was handled too.
	q2 := h.mention("and after it")
	h.waitExact(q2.ID, answer)
	if msgs := h.botMessages(q.ID); len(msgs) != 1 {
		t.Errorf("%d answers to the replayed mention, want 1", len(msgs))
	}
	if n := len(h.dc.Identifies()); n != 1 {
		t.Errorf("%d IDENTIFYs: the session was not resumed", n)
	}
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("LLM requests = %d, want 2", n)
	}
}

// The gateway stops acknowledging heartbeats while an answer streams and
// a second question arrives on the dying connection. The adapter drops the
// zombie connection and resumes; both askers get one whole answer.
func TestFaultHeartbeatAcksStopMidReply(t *testing.T) {
	t.Parallel()
	answer := slowAnswer(40)
	h := newHarness(t, harnessConfig{
		fake: discordtest.Options{HeartbeatInterval: 50 * time.Millisecond},
		llm:  llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 25 * time.Millisecond},
	})
	q := h.mention("first question")
	waitStreaming(h, q.ID, answer)

	h.dc.PauseHeartbeatAcks(true)
	q2 := h.mention("asked while the gateway is a zombie")
	h.waitFor("the adapter to notice the missing acks", 10*time.Second, func() bool { return !h.a.Ready() })
	h.dc.PauseHeartbeatAcks(false)
	h.waitFor("resume", 10*time.Second, func() bool { return h.dc.Resumes() >= 1 && h.a.Ready() })

	h.waitExact(q.ID, answer)
	h.waitExact(q2.ID, answer)
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("LLM requests = %d, want 2", n)
	}
}

// resetTransport fails the first n requests of method whose path contains
// part with a connection reset, as a network blip would.
type resetTransport struct {
	base   http.RoundTripper
	method string
	part   string
	left   atomic.Int32
	served atomic.Int32
}

func (rt *resetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == rt.method && strings.Contains(r.URL.Path, rt.part) && rt.left.Add(-1) >= 0 {
		rt.served.Add(1)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	return rt.base.RoundTrip(r)
}

// A connection reset on the answer's post or its final edit is retried
// like a 5xx: the answer still arrives whole, once.
func TestFaultNetworkResetDuringReply(t *testing.T) {
	t.Parallel()
	answer := "An answer that outlives a network blip, down to its last word."
	for _, method := range []string{"POST", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			base := &http.Transport{}
			t.Cleanup(base.CloseIdleConnections)
			rt := &resetTransport{base: base, method: method, part: "/messages"}
			rt.left.Store(2)
			h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 10 * time.Millisecond},
				adapter: func(o *Options) {
					o.MinEditInterval = 1500 * time.Millisecond
					o.HTTPClient = &http.Client{Transport: rt, Timeout: 10 * time.Second}
				}})
			q := h.mention("answer despite the blip")
			msgs := h.waitExact(q.ID, answer)
			if len(msgs) != 1 {
				t.Errorf("%d bot messages, want 1", len(msgs))
			}
			if n := rt.served.Load(); n != 2 {
				t.Errorf("%d resets served, want 2", n)
			}
		})
	}
}
