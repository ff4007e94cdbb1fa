package llm

import (
	"context"
	"net"
	"sync"
	"time"
)

// batchConn is the provider connection, under TLS and HTTP/2, read in
// batches: a Read that follows a busy one (at least batchMin bytes) first
// waits until hold has passed since that Read returned, so the frames
// and TLS records the model sends meanwhile (a token each, for every
// reply sharing the connection) are taken in one system call and one
// wake-up of the transport's read loop instead of one each (issue 20:
// most of the bot's CPU per token was that chain of wake-ups). A byte is
// never held longer than hold: one that arrives during the wait is read
// when it ends, one that arrives later finds the Read already blocked on
// the socket and is read at once; so the last token is late by at most
// hold. Only a busy Read is followed by a wait: on a connection carrying
// a frame at a time (10 replies) a timer wake-up costs what the socket's
// did, and waiting after every Read measured 1.7x the context switches
// and more CPU; at 200 replies a wait takes many frames (BENCHMARKS.md,
// issue 20 session 7). Close ends a wait at once. Reads are not
// concurrent (tls.Conn serialises them); Close may come from any
// goroutine.
type batchConn struct {
	net.Conn
	hold   time.Duration
	last   time.Time // when the previous busy Read returned; zero: it was not busy
	timer  *time.Timer
	closed chan struct{}
	once   sync.Once
}

// batchMin is about two HTTP/2 DATA frames of a streamed token in TLS
// records (a chunk's JSON of 150-250 bytes, a 9-byte frame header, 22
// bytes of TLS record): a Read returning less had one frame to give.
const batchMin = 512

// newBatchConn wraps c; hold <= 0 returns c itself (no batching).
func newBatchConn(c net.Conn, hold time.Duration) net.Conn {
	if hold <= 0 {
		return c
	}
	return &batchConn{Conn: c, hold: hold, closed: make(chan struct{})}
}

// Read implements net.Conn.
func (c *batchConn) Read(b []byte) (int, error) {
	if !c.last.IsZero() {
		if d := c.hold - time.Since(c.last); d > 0 {
			c.wait(d)
		}
	}
	n, err := c.Conn.Read(b)
	c.last = time.Time{}
	if n >= batchMin && err == nil {
		c.last = time.Now()
	}
	return n, err
}

// wait pauses for d or until the connection is closed.
func (c *batchConn) wait(d time.Duration) {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
	case <-c.closed:
		c.timer.Stop()
	}
}

// Close implements net.Conn: it also ends a Read's wait.
func (c *batchConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// batchDialer returns a DialContext for http.Transport that wraps every
// connection it dials in a batchConn. It dials as http.DefaultTransport
// does (30 s timeout and keep-alive); TLS, when the URL is https, is done
// by the transport over the wrapped connection, so HTTP/2 is still
// negotiated (ALPN) and the batching is below TLS, where the system
// calls are.
func batchDialer(hold time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return newBatchConn(c, hold), nil
	}
}
