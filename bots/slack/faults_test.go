package slack

// Platform faults injected at the network edge while replies stream: Web
// API 5xx answers, Socket Mode connections dropped or refreshed in the
// middle of a reply, and a websocket that goes silent (no more pings).
// Every asker gets the whole answer exactly once.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// faultyEdge sits between the adapter and fakeslack: it forwards Web API
// calls (failing chosen methods with a 5xx first) and relays the Socket
// Mode websocket over TCP, which it can freeze: a frozen connection stays
// open but nothing crosses it any more, as when a peer hangs.
type faultyEdge struct {
	t     *testing.T
	api   *httptest.Server
	relay net.Listener
	dst   string // fakeslack's host:port

	mu    sync.Mutex
	fail  map[string][]int // method -> statuses to answer next
	conns map[*relayConn]bool
	n5xx  int
	wg    sync.WaitGroup
}

type relayConn struct {
	a, b   net.Conn
	frozen bool
}

// withFaultyEdge returns a harness option that puts a faultyEdge in front
// of the harness's fakeslack; the edge is reported through *out.
func withFaultyEdge(t *testing.T, out **faultyEdge) func(*Options) {
	return func(o *Options) {
		target, err := url.Parse(o.APIURL)
		if err != nil {
			t.Fatal(err)
		}
		e := &faultyEdge{t: t, dst: target.Host, fail: map[string][]int{}, conns: map[*relayConn]bool{}}
		if e.relay, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		e.wg.Go(e.accept)
		proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
		proxy.ModifyResponse = e.rewriteSocketURL
		e.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method := strings.TrimPrefix(r.URL.Path, "/api/")
			if status := e.nextFailure(method); status == resetConn {
				// A network blip: the connection drops, no answer.
				if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
					conn.Close()
				}
				return
			} else if status != 0 {
				// Slack's edge answers an outage with an HTML page.
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(status)
				_, _ = io.WriteString(w, "<html><body>Slack is having trouble</body></html>")
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		o.APIURL = e.api.URL + "/api/"
		t.Cleanup(e.close)
		*out = e
	}
}

// resetConn, as a status of failNext, drops the connection unanswered.
const resetConn = -1

// failNext makes the next calls of method answer statuses, in order.
func (e *faultyEdge) failNext(method string, statuses ...int) {
	e.mu.Lock()
	e.fail[method] = append(e.fail[method], statuses...)
	e.mu.Unlock()
}

func (e *faultyEdge) nextFailure(method string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.fail[method]
	if len(q) == 0 {
		return 0
	}
	e.fail[method] = q[1:]
	e.n5xx++
	return q[0]
}

// failed returns how many injected failures were served.
func (e *faultyEdge) failed() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n5xx
}

// pending returns how many injected failures are still queued.
func (e *faultyEdge) pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, q := range e.fail {
		n += len(q)
	}
	return n
}

// rewriteSocketURL points apps.connections.open's websocket URL at the
// relay.
func (e *faultyEdge) rewriteSocketURL(resp *http.Response) error {
	if !strings.HasSuffix(resp.Request.URL.Path, "/apps.connections.open") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = bytes.ReplaceAll(body, []byte("ws://"+e.dst+"/"), []byte("ws://"+e.relay.Addr().String()+"/"))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	return nil
}

func (e *faultyEdge) accept() {
	for {
		a, err := e.relay.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", e.dst)
		if err != nil {
			a.Close()
			continue
		}
		c := &relayConn{a: a, b: b}
		e.mu.Lock()
		e.conns[c] = true
		e.mu.Unlock()
		e.wg.Go(func() { e.pipe(c, a, b) })
		e.wg.Go(func() { e.pipe(c, b, a) })
	}
}

// pipe copies from src to dst until either side closes; data read while
// the connection is frozen is dropped.
func (e *faultyEdge) pipe(c *relayConn, src, dst net.Conn) {
	defer func() {
		src.Close()
		dst.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			e.mu.Lock()
			frozen := c.frozen
			e.mu.Unlock()
			if !frozen {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze silences every websocket open now: it stays connected, but no
// ping, envelope or ack crosses it any more.
func (e *faultyEdge) freeze() {
	e.mu.Lock()
	for c := range e.conns {
		c.frozen = true
	}
	e.mu.Unlock()
}

func (e *faultyEdge) close() {
	e.api.Close()
	e.relay.Close()
	e.mu.Lock()
	for c := range e.conns {
		c.a.Close()
		c.b.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

func TestFaultWebAPI5xxDuringReply(t *testing.T) {
	answer := "A reply that survives a Slack outage, word by word, to the very last word."
	for _, tc := range []struct {
		name   string
		inject func(e *faultyEdge)
	}{
		// The first post of the reply fails twice: the text is posted once
		// Slack answers again, never twice.
		{"chat.postMessage 500 then 503", func(e *faultyEdge) { e.failNext("chat.postMessage", 500, 503) }},
		// The edits fail, the final one included (the answer is short, so
		// the final edit is among the first two).
		{"chat.update 502 then 503", func(e *faultyEdge) { e.failNext("chat.update", 502, 503) }},
		// The connection drops under the post, then under an edit.
		{"connection reset", func(e *faultyEdge) {
			e.failNext("chat.postMessage", resetConn)
			e.failNext("chat.update", resetConn)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var edge *faultyEdge
			h := newHarness(t, harnessOptions{mode: ModeHTTP, adapt: withFaultyEdge(t, &edge),
				llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 10 * time.Millisecond}})
			tc.inject(edge)
			m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> tell me, despite the outage")
			got := h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer))
			if len(got) != 1 {
				t.Errorf("%d bot messages, want 1", len(got))
			}
			if edge.pending() != 0 || edge.failed() != 2 {
				t.Errorf("injected failures served %d, still queued %d; want 2 and 0", edge.failed(), edge.pending())
			}
			if n := len(h.llm.Requests()); n != 1 {
				t.Errorf("LLM requests = %d, want 1", n)
			}
		})
	}
}

// The websocket drops (or Slack asks for a refresh) while a reply
// streams; Slack redelivers the unacknowledged envelope on the new
// connection. The reply in flight finishes once, the redelivery is
// dropped, and a question asked after the reconnect is answered.
func TestFaultSocketDisconnectMidReplyNoDuplicate(t *testing.T) {
	answer := words(40)
	for _, how := range []string{"drop", "refresh_requested"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 25 * time.Millisecond}})
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			m := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "<@U0BOT> first question")
			mention := h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention))
			h.deliverEvent(mention, 0)
			h.waitFor("the first text of the reply", func() bool { return len(h.replies("C0GENERAL", m.TS)) == 1 })

			midStream(t, h, m.TS, answer)
			if how == "drop" {
				h.fake.DropSocket()
			} else if err := h.fake.RequestDisconnect(ctx); err != nil {
				t.Fatal(err)
			}
			if err := h.fake.WaitConnected(ctx, 2); err != nil {
				t.Fatal(err)
			}
			// Slack did not count the ack: it redelivers on the new socket.
			h.deliverEvent(mention, 1)
			h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer))

			after := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> after the reconnect")
			h.waitReplyText("C0GENERAL", after.TS, Mrkdwn(answer))
			if got := h.replies("C0GENERAL", m.TS); len(got) != 1 {
				t.Errorf("first question: %d bot messages, want 1", len(got))
			}
			if n := len(h.llm.Requests()); n != 2 {
				t.Errorf("LLM requests = %d, want 2 (one per question)", n)
			}
		})
	}
}

// The websocket stops carrying anything (no ping from Slack, no ack from
// the app) in the middle of a reply. The app notices the missing pings,
// reconnects, and the envelope Slack could not deliver on the dead socket
// is answered once when redelivered; the reply in flight ends whole.
func TestFaultSocketStopsPinging(t *testing.T) {
	answer := words(40)
	var edge *faultyEdge
	h := newHarness(t, harnessOptions{
		fake:  fakeslack.Options{PingInterval: 50 * time.Millisecond},
		llm:   llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 25 * time.Millisecond},
		adapt: func(o *Options) { withFaultyEdge(t, &edge)(o); o.PingTimeout = 300 * time.Millisecond },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> first question")
	h.waitFor("the first text of the reply", func() bool { return len(h.replies("C0GENERAL", m.TS)) == 1 })

	midStream(t, h, m.TS, answer)
	edge.freeze()
	lost := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "<@U0BOT> asked while the socket hangs")
	lostBody := h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(lost, fakeslack.AppMention))
	id, err := h.fake.Send(ctx, fakeslack.Envelope{Type: "events_api", Payload: lostBody})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := h.fake.WaitConnected(ctx, 2); err != nil {
		t.Fatalf("no reconnect after the socket went silent: %v", err)
	}
	t.Logf("reconnected %s after the socket went silent", time.Since(began).Round(time.Millisecond))
	for _, a := range h.fake.Acks() {
		if a.EnvelopeID == id {
			t.Fatal("an envelope sent on the frozen socket was acknowledged")
		}
	}
	// Slack redelivers the unacknowledged envelope on the live socket.
	h.deliverEvent(lostBody, 1)
	h.waitReplyText("C0GENERAL", lost.TS, Mrkdwn(answer))
	h.waitReplyText("C0GENERAL", m.TS, Mrkdwn(answer))
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("LLM requests = %d, want 2", n)
	}
}

// midStream fails the test when the reply in the thread of ts is already
// whole: the fault would not hit a reply in flight.
func midStream(t *testing.T, h *harness, ts, answer string) {
	t.Helper()
	if got := h.replies("C0GENERAL", ts); len(got) == 1 && got[0].Text == Mrkdwn(answer) {
		t.Fatal("the reply was complete before the fault; the test needs a slower stream")
	}
}

// words returns an answer of n short words.
func words(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "word%d ", i)
	}
	return strings.TrimSpace(b.String()) + "."
}

// A transient 5xx on chat.appendStream or chat.stopStream is retried: the answer stays one
// streamed message that is stopped, not a stream left open plus a second
// message with the rest.
func TestFaultAppendStream5xxKeepsOneStreamedMessage(t *testing.T) {
	for _, method := range []string{"chat.appendStream", "chat.stopStream"} {
		t.Run(method, func(t *testing.T) { testStream5xx(t, method) })
	}
}

func testStream5xx(t *testing.T, method string) {
	answer := longAnswer(300)
	var edge *faultyEdge
	faulty := withFaultyEdge(t, &edge)
	adapt := func(o *Options) { faulty(o); o.EditInterval = 50 * time.Millisecond }
	h := newHarness(t, harnessOptions{mode: ModeHTTP, native: true, adapt: adapt,
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 8 * time.Millisecond}})
	edge.failNext(method, 500)
	m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> stream through the outage")
	deadline := time.Now().Add(15 * time.Second)
	var got []fakeslack.Message
	for {
		got = h.replies("C0GENERAL", m.TS)
		if len(got) > 0 && joinBodies(got) == neutralizeMarkdown(answer) && !streaming(got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a %s 500: %d messages, streaming %v, %d bytes of text",
				method, len(got), streaming(got), len(joinBodies(got)))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(got) != 1 || edge.failed() != 1 {
		t.Errorf("%d bot messages (want 1), %d injected failures served (want 1)", len(got), edge.failed())
	}
}

// A transient 5xx on chat.startStream is not a refusal: that reply uses
// post+update, and the next one streams natively again.
func TestFaultStartStream5xxIsNotARefusal(t *testing.T) {
	var edge *faultyEdge
	h := newHarness(t, harnessOptions{mode: ModeHTTP, native: true, adapt: withFaultyEdge(t, &edge),
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Streamed answer."}, Delay: 5 * time.Millisecond}})
	edge.failNext("chat.startStream", 500)
	m := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> first")
	h.waitReplyText("C0GENERAL", m.TS, "Streamed answer.")
	m2 := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> second")
	got := h.waitReplyText("C0GENERAL", m2.TS, neutralizeMarkdown("Streamed answer."))
	if got[0].Markdown == "" {
		t.Errorf("native streaming still off after one 5xx: startStream called %d times", h.fake.Count("chat.startStream", 0))
	}
}
