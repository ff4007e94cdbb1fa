package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitedServer serves h on loopback behind a connLimiter of max
// connections; it returns the limiter and the shed counts by state.
func limitedServer(t *testing.T, maxConns int, h http.Handler) (*connLimiter, func() map[string]int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	shed := map[string]int{}
	l := newConnLimiter(ln, maxConns, 0, func(s string) { mu.Lock(); shed[s]++; mu.Unlock() })
	srv := &http.Server{Handler: h, ConnState: l.track}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return l, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return map[string]int{"idle": shed["idle"], "new": shed["new"]}
	}
}

func dial(t *testing.T, l *connLimiter) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one keep-alive GET on c and reads its answer.
func get(t *testing.T, c net.Conn, path string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

// closedByServer reports whether the server closed c (reads, after any
// answer it wrote, end in EOF or a reset) within d.
func closedByServer(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(max(d, 100*time.Millisecond)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// TestConnLimiterShedsIdleFirst: at the limit, a new client is served by
// closing the connection idle the longest.
func TestConnLimiterShedsIdleFirst(t *testing.T) {
	l, shed := limitedServer(t, 3, okHandler)
	var idle []net.Conn
	for range 3 {
		c := dial(t, l)
		if got := get(t, c, "/"); got != "ok" {
			t.Fatalf("got %q", got)
		}
		idle = append(idle, c)
		// The server marks a connection idle just after its answer.
		waitUntil(t, 5*time.Second, "the connection to be idle", func() bool { return inState(l, http.StateIdle) == len(idle) })
	}
	c := dial(t, l)
	if got := get(t, c, "/"); got != "ok" {
		t.Fatalf("fourth client: %q", got)
	}
	if !closedByServer(idle[0], 5*time.Second) {
		t.Error("the oldest idle connection is still open")
	}
	if closedByServer(idle[2], 50*time.Millisecond) {
		t.Error("the newest idle connection was closed too")
	}
	if s := shed(); s["idle"] != 1 || s["new"] != 0 {
		t.Errorf("shed = %v, want one idle", s)
	}
	if n := l.Open(); n > 3 {
		t.Errorf("%d connections open, limit 3", n)
	}
}

// TestConnLimiterShedsSilentClients: clients that never finish their
// request headers cannot keep a real request out.
func TestConnLimiterShedsSilentClients(t *testing.T) {
	l, shed := limitedServer(t, 3, okHandler)
	var silent []net.Conn
	for range 3 {
		c := dial(t, l)
		io.WriteString(c, "POST /slack/events HTTP/1.1\r\nHost: x\r\n") // and nothing more
		silent = append(silent, c)
	}
	waitUntil(t, 5*time.Second, "3 connections open", func() bool { return l.Open() == 3 })
	if got := get(t, dial(t, l), "/"); got != "ok" {
		t.Fatalf("real client: %q", got)
	}
	if !closedByServer(silent[0], 5*time.Second) {
		t.Error("the oldest silent connection is still open")
	}
	if s := shed(); s["new"] != 1 {
		t.Errorf("shed = %v, want one new", s)
	}
}

// TestConnLimiterWaitsForActiveRequests: requests in progress are never
// cut; a new client waits for one to end, and the limit holds.
func TestConnLimiterWaitsForActiveRequests(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 3)
	l, shed := limitedServer(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	}))
	var wg sync.WaitGroup
	for range 2 {
		c := dial(t, l)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := get(t, c, "/slow"); got != "ok" {
				t.Errorf("slow: %q", got)
			}
		}()
		<-started
	}
	third := make(chan string, 1)
	c := dial(t, l)
	go func() {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		third <- line
	}()
	waitUntil(t, 5*time.Second, "Accept to wait for a slot", l.Waiting)
	select {
	case line := <-third:
		t.Fatalf("third client served while both slots were busy: %q", line)
	default:
	}
	if n := l.Open(); n != 2 {
		t.Errorf("%d connections open, want 2", n)
	}
	close(release)
	wg.Wait()
	if line := <-third; !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("third client after a slot freed: %q", line)
	}
	if s := shed(); s["idle"]+s["new"] > 1 {
		t.Errorf("shed = %v: at most one idle connection (a finished slow one) may be closed", s)
	}
}

// inState counts the connections l has in state.
func inState(l *connLimiter, state http.ConnState) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, in := range l.conns {
		if in.state == state {
			n++
		}
	}
	return n
}

// dialFrom connects to l from the loopback address src (127.0.0.0/8 is
// all loopback on Linux, so each src is a distinct peer).
func dialFrom(t *testing.T, l *connLimiter, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestConnLimiterCapsOnePeer: a peer at server.max_connections_per_ip
// gives up its own idle connection for a new one, and is refused when
// all of its connections are busy; another peer's idle connections, and
// its new ones, are untouched.
func TestConnLimiterCapsOnePeer(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	shed := map[string]int{}
	l := newConnLimiter(ln, 10, 2, func(s string) { mu.Lock(); shed[s]++; mu.Unlock() })
	srv := &http.Server{ConnState: l.track, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	})}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-done })
	defer close(release)

	other := dialFrom(t, l, "127.0.0.2")
	if got := get(t, other, "/"); got != "ok" {
		t.Fatalf("other peer: %q", got)
	}
	var idle []net.Conn
	for range 2 {
		c := dialFrom(t, l, "127.0.0.3")
		if got := get(t, c, "/"); got != "ok" {
			t.Fatalf("got %q", got)
		}
		idle = append(idle, c)
		// The server marks a connection idle just after its answer, maybe
		// after the client read it: wait, so that idle[0] is the older.
		waitUntil(t, 5*time.Second, "the connection to be idle", func() bool { return inState(l, http.StateIdle) == 1+len(idle) })
	}
	// A third connection from the capped peer closes its own oldest idle.
	third := dialFrom(t, l, "127.0.0.3")
	if got := get(t, third, "/"); got != "ok" {
		t.Fatalf("third connection of the peer: %q", got)
	}
	if !closedByServer(idle[0], 5*time.Second) {
		t.Fatal("the peer's oldest idle connection is still open")
	}
	// Both of the peer's connections busy: its next one is refused.
	for _, c := range []net.Conn{idle[1], third} {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			t.Fatal("a /slow request of the capped peer never reached the handler")
		}
	}
	refused := dialFrom(t, l, "127.0.0.3")
	if !closedByServer(refused, 5*time.Second) {
		t.Error("a connection beyond the peer's cap, all of its others busy, was kept")
	}
	// The other peer was never touched and still gets in.
	if got := get(t, other, "/"); got != "ok" {
		t.Fatalf("other peer after the cap: %q", got)
	}
	if got := get(t, dialFrom(t, l, "127.0.0.2"), "/"); got != "ok" {
		t.Fatalf("other peer, new connection: %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if shed["idle"] != 1 || shed["peer"] != 1 {
		t.Errorf("shed = %v, want one idle and one peer", shed)
	}
}
