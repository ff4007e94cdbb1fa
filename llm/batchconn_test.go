package llm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// memConn is the network edge in memory: what the peer wrote waits in buf
// until read, as in a socket's receive buffer. Only Read and Close are used.
type memConn struct {
	net.Conn
	mu     sync.Mutex
	buf    []byte
	eof    bool
	closed bool
	reads  int           // Reads that returned data or an error
	ready  chan struct{} // a write, the EOF or Close happened
}

func newMemConn() *memConn { return &memConn{ready: make(chan struct{}, 1)} }

func (m *memConn) signal() {
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

func (m *memConn) write(b []byte) {
	m.mu.Lock()
	m.buf = append(m.buf, b...)
	m.mu.Unlock()
	m.signal()
}

func (m *memConn) end() {
	m.mu.Lock()
	m.eof = true
	m.mu.Unlock()
	m.signal()
}

func (m *memConn) Read(b []byte) (int, error) {
	for {
		m.mu.Lock()
		switch {
		case m.closed:
			m.reads++
			m.mu.Unlock()
			return 0, net.ErrClosed
		case len(m.buf) > 0:
			n := copy(b, m.buf)
			m.buf = m.buf[n:]
			m.reads++
			m.mu.Unlock()
			return n, nil
		case m.eof:
			m.reads++
			m.mu.Unlock()
			return 0, io.EOF
		}
		m.mu.Unlock()
		<-m.ready
	}
}

func (m *memConn) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.signal()
	return nil
}

const testHold = 2 * time.Millisecond

// busy is a read's worth of frames that makes the next Read wait.
var busy = bytes.Repeat([]byte("b"), batchMin)

// readAt reads once and reports what and how long after start.
func readAt(t *testing.T, c net.Conn, start time.Time) ([]byte, time.Duration, error) {
	t.Helper()
	b := make([]byte, 4096)
	n, err := c.Read(b)
	return b[:n], time.Since(start), err
}

// TestBatchConnTakesWhatArrivesDuringTheHoldInOneRead: after a busy read,
// three frames sent within the hold come back together when it ends, in
// one read of the socket, and not later.
func TestBatchConnTakesWhatArrivesDuringTheHoldInOneRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemConn()
		c := newBatchConn(m, testHold)
		m.write(busy)
		start := time.Now()
		if got, d, err := readAt(t, c, start); err != nil || len(got) != len(busy) || d != 0 {
			t.Fatalf("first read: %d bytes after %v, %v; want %d at once", len(got), d, err, len(busy))
		}
		go func() {
			for _, s := range []string{"a", "b", "c"} {
				time.Sleep(testHold / 4)
				m.write([]byte(s))
			}
		}()
		got, d, err := readAt(t, c, start)
		if err != nil || string(got) != "abc" {
			t.Fatalf("second read: %q, %v; want the three frames in one read", got, err)
		}
		if d != testHold {
			t.Errorf("second read returned %v after the first, want the hold %v", d, testHold)
		}
		if m.reads != 2 {
			t.Errorf("%d reads of the socket, want 2", m.reads)
		}
	})
}

// TestBatchConnNeverHoldsDataPastTheBound: a frame arriving after the
// hold is returned the moment it arrives.
func TestBatchConnNeverHoldsDataPastTheBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemConn()
		c := newBatchConn(m, testHold)
		m.write(busy)
		start := time.Now()
		readAt(t, c, start)
		go func() {
			time.Sleep(5 * testHold / 2)
			m.write([]byte("late"))
		}()
		got, d, err := readAt(t, c, start)
		if err != nil || string(got) != "late" || d != 5*testHold/2 {
			t.Fatalf("read %q after %v, %v; want \"late\" as it arrived, at %v", got, d, err, 5*testHold/2)
		}
	})
}

// TestBatchConnDoesNotHoldAfterASmallRead: a connection carrying a frame
// at a time is read as before, every frame as it arrives.
func TestBatchConnDoesNotHoldAfterASmallRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemConn()
		c := newBatchConn(m, testHold)
		m.write(busy[:batchMin-1])
		start := time.Now()
		readAt(t, c, start)
		go func() {
			time.Sleep(testHold / 4)
			m.write([]byte("next"))
		}()
		got, d, err := readAt(t, c, start)
		if err != nil || string(got) != "next" || d != testHold/4 {
			t.Fatalf("read %q after %v, %v; want \"next\" as it arrived, at %v", got, d, err, testHold/4)
		}
	})
}

// TestBatchConnCloseEndsTheHold: Close during a hold wakes the Read at
// once with the socket's error.
func TestBatchConnCloseEndsTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemConn()
		c := newBatchConn(m, time.Hour)
		m.write(busy)
		start := time.Now()
		readAt(t, c, start)
		go func() {
			time.Sleep(time.Millisecond)
			c.Close()
		}()
		_, d, err := readAt(t, c, start)
		if !errors.Is(err, net.ErrClosed) || d != time.Millisecond {
			t.Fatalf("read after %v: %v; want net.ErrClosed at the Close, %v", d, err, time.Millisecond)
		}
	})
}

// TestBatchConnDeliversEOF: the data, then io.EOF within the hold, and
// every later Read at once.
func TestBatchConnDeliversEOF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemConn()
		c := newBatchConn(m, testHold)
		m.write(busy)
		m.end()
		start := time.Now()
		if got, _, err := readAt(t, c, start); err != nil || len(got) != len(busy) {
			t.Fatalf("first read: %d bytes, %v", len(got), err)
		}
		if _, d, err := readAt(t, c, start); err != io.EOF || d > testHold {
			t.Fatalf("second read after %v: %v; want io.EOF within %v", d, err, testHold)
		}
		if _, d, err := readAt(t, c, start); err != io.EOF || d > testHold {
			t.Fatalf("third read after %v: %v; want io.EOF at once", d, err)
		}
	})
}

// TestBatchConnOffIsTheSocket: a hold of zero or less wraps nothing.
func TestBatchConnOffIsTheSocket(t *testing.T) {
	m := newMemConn()
	for _, h := range []time.Duration{0, -1} {
		if c := newBatchConn(m, h); c != net.Conn(m) {
			t.Errorf("hold %v: got %T, want the connection itself", h, c)
		}
	}
}

// ownTransportClient is a Client on its own transport (the batching
// dialer), trusting srv's certificate.
func ownTransportClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	pool := c.http.Transport.(*h2Pool)
	pool.t.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	t.Cleanup(pool.CloseIdleConnections)
	return c
}

// TestBatchedHTTP2StreamEndsAndCancels: over the client's own transport,
// HTTP/2 is still negotiated through the batching dialer, a whole reply
// arrives, and a cancelled request ends the server's handler (the
// stream's reset reaches it while the connection is read in batches).
func TestBatchedHTTP2StreamEndsAndCancels(t *testing.T) {
	var proto atomic.Int32
	stalled, gone := make(chan struct{}), make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int32(r.ProtoMajor))
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		if b, _ := io.ReadAll(r.Body); strings.Contains(string(b), "stall") {
			_, _ = io.WriteString(w, token("first"))
			f.Flush()
			close(stalled)
			<-r.Context().Done()
			close(gone)
			return
		}
		for i := range 50 {
			_, _ = io.WriteString(w, token(fmt.Sprintf(" t%d", i)))
			f.Flush()
		}
		_, _ = io.WriteString(w, finalChunk+usageChunk+doneEvent)
		f.Flush()
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := ownTransportClient(t, srv)

	s, err := c.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := drain(t, s)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range 50 {
		fmt.Fprintf(&want, " t%d", i)
	}
	want.WriteString(" end") // the final chunk's text
	if text != want.String() {
		t.Errorf("text %q, want %q", text, want.String())
	}
	if proto.Load() != 2 {
		t.Fatalf("the server got HTTP/%d, want 2", proto.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err = c.Stream(ctx, userReq("stall"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if piece, err := s.Next(); err != nil || piece != "first" {
		t.Fatalf("first piece %q, %v", piece, err)
	}
	<-stalled
	cancel()
	if _, err := s.Next(); err == nil {
		t.Fatal("Next after the cancel returned no error")
	}
	<-gone
}
