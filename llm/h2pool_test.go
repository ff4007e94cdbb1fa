package llm

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the connections a test server accepted.
type countingListener struct {
	net.Listener
	n        atomic.Int32
	accepted chan struct{} // one send per connection, if not nil
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
		if l.accepted != nil {
			l.accepted <- struct{}{}
		}
	}
	return c, err
}

// heldServer is an HTTPS server whose requests stay open (as streamed
// answers do) until done is called; arrived gets each request.
type heldServer struct {
	srv     *httptest.Server
	ln      *countingListener
	arrived chan arrival
	release chan struct{}
	once    sync.Once
}

// arrival is a request as the server saw it.
type arrival struct {
	proto int    // HTTP major version
	conn  string // the client's address: one per connection
	at    time.Time
}

// startHeld starts a heldServer speaking HTTP/2 with at most maxStreams
// streams per connection (Go's default, 250, when negative), or HTTP/1.1
// only when maxStreams is 0.
func startHeld(t testing.TB, maxStreams int) *heldServer {
	t.Helper()
	h := &heldServer{arrived: make(chan arrival, 1000), release: make(chan struct{})}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.arrived <- arrival{proto: r.ProtoMajor, conn: r.RemoteAddr, at: time.Now()}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Listener.Close()
	h.ln = &countingListener{Listener: ln, accepted: make(chan struct{}, 1000)}
	h.srv.Listener = h.ln
	if maxStreams != 0 {
		h.srv.EnableHTTP2 = true
	}
	if maxStreams > 0 {
		h.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	}
	h.srv.StartTLS()
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.done)
	return h
}

// done ends the requests held.
func (h *heldServer) done() { h.once.Do(func() { close(h.release) }) }

// pool is an h2Pool over a transport trusting the server, closed at the
// test's end.
func (h *heldServer) pool(t testing.TB) *h2Pool {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = h.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	p := newH2Pool(tr)
	t.Cleanup(p.CloseIdleConnections)
	return p
}

// send starts n requests through rt at once; the returned wait waits for
// their ends (after done) and reports their errors.
func (h *heldServer) send(t testing.TB, rt http.RoundTripper, n int) (wait func()) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/chat/completions", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	return func() {
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// await waits for n requests to reach the server.
func (h *heldServer) await(t testing.TB, n int) []arrival {
	t.Helper()
	var got []arrival
	deadline := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case a := <-h.arrived:
			got = append(got, a)
		case <-deadline:
			t.Fatalf("%d of %d requests reached the server", len(got), n)
		}
	}
	return got
}

// TestH2PoolBurstDialsOnce: 150 requests at once to a server taking 100
// streams per connection open exactly the two connections they need, on
// HTTP/2, no connection past the server's limit. (net/http's Transport
// alone dials for every request that finds the connections full: the
// same burst through it opens a connection per waiting request, closing
// all but one unused.)
func TestH2PoolBurstDialsOnce(t *testing.T) {
	h := startHeld(t, 100)
	wait := h.send(t, h.pool(t), 150)
	perConn := map[string]int{}
	for i, a := range h.await(t, 150) {
		if a.proto != 2 {
			t.Fatalf("request %d on HTTP/%d, want HTTP/2", i, a.proto)
		}
		perConn[a.conn]++
	}
	h.done()
	wait()
	if n := h.ln.n.Load(); n != 2 || len(perConn) != 2 {
		t.Errorf("the pool opened %d connections (%d carried requests) for 150 streams of at most 100 each, want 2", n, len(perConn))
	}
	for c, n := range perConn {
		if n > 100 {
			t.Errorf("%d streams on connection %s, over the server's 100", n, c)
		}
	}
}

// TestH2PoolDialsAheadOfNeed: the next connection is opened while a
// quarter of the open one's streams are still free, before a request
// finds it full: requests added one at a time never wait for a dial.
func TestH2PoolDialsAheadOfNeed(t *testing.T) {
	h := startHeld(t, 100)
	p := h.pool(t)
	var waits []func()
	one := func() {
		waits = append(waits, h.send(t, p, 1))
		h.await(t, 1)
	}
	// 75 in flight leave 25 free, a quarter of 100: no second connection.
	for range 75 {
		one()
	}
	<-h.ln.accepted
	if n := h.ln.n.Load(); n != 1 {
		t.Fatalf("%d connections with 75 of 100 streams taken, want 1", n)
	}
	// The 76th leaves 24 free: the pool dials now, not at the 101st.
	one()
	select {
	case <-h.ln.accepted:
	case <-time.After(30 * time.Second):
		t.Fatal("no second connection after the 76th of 100 streams")
	}
	// Up to 150 streams, both connections serve; no third one.
	for range 74 {
		one()
	}
	h.done()
	for _, w := range waits {
		w()
	}
	if n := h.ln.n.Load(); n != 2 {
		t.Fatalf("%d connections for 150 streams, want 2", n)
	}
}

// TestH2PoolLeavesHTTP1ToTheTransport: a server without HTTP/2 is served
// by the Transport's HTTP/1.1 pool: requests succeed on HTTP/1.1 and, one
// after another, reuse one connection (plus the pool's first one, which
// found HTTP/1.1 and was closed).
func TestH2PoolLeavesHTTP1ToTheTransport(t *testing.T) {
	h := startHeld(t, 0)
	h.done() // answer at once
	p := h.pool(t)
	for i := range 4 {
		h.send(t, p, 1)()
		if a := h.await(t, 1)[0]; a.proto != 1 {
			t.Fatalf("request %d on HTTP/%d, want HTTP/1.1", i, a.proto)
		}
	}
	if n := h.ln.n.Load(); n != 2 {
		t.Errorf("%d connections for 4 requests in turn over HTTP/1.1, want 2 (the probe and one reused)", n)
	}
}

// TestH2PoolDialFailure: a provider that cannot be reached fails the
// request with the dial's error, and the next request dials again.
func TestH2PoolDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := newH2Pool(http.DefaultTransport.(*http.Transport).Clone())
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/chat/completions", nil)
		resp, err := p.RoundTrip(req)
		var op *net.OpError
		if err == nil {
			resp.Body.Close()
		}
		if !errors.As(err, &op) {
			t.Fatalf("err = %v, want the dial's *net.OpError", err)
		}
	}
}

// TestH2PoolWaitEndsWithTheRequest: a request waiting for a dial that does
// not end (a server that accepts and never answers the TLS handshake)
// returns when its context ends.
func TestH2PoolWaitEndsWithTheRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	p := newH2Pool(http.DefaultTransport.(*http.Transport).Clone())
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+ln.Addr().String()+"/chat/completions", nil)
	done := make(chan error, 1)
	go func() {
		_, err := p.RoundTrip(req)
		done <- err
	}()
	c := <-accepted
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// The dial's own end: the server goes away.
	c.Close()
	ln.Close()
	p.mu.Lock()
	wait := p.hosts[ln.Addr().String()].dialing
	p.mu.Unlock()
	if wait != nil {
		<-wait
	}
}
