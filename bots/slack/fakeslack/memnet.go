package fakeslack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
)

// memBase is the fake's URL when it is served in memory.
const memBase = "http://fakeslack.test"

// memNet serves the fake's handler over net.Pipe connections: the HTTP
// client and server are the real net/http ones, the wire is memory.
type memNet struct {
	srv  *http.Server
	l    *memListener
	done chan struct{}

	mu         sync.Mutex
	transports []*http.Transport
}

func newMemNet(h http.Handler) *memNet {
	m := &memNet{srv: &http.Server{Handler: h}, l: &memListener{conns: make(chan net.Conn), closed: make(chan struct{})},
		done: make(chan struct{})}
	go func() {
		defer close(m.done)
		_ = m.srv.Serve(m.l)
	}()
	return m
}

func (m *memNet) client() *http.Client {
	t := &http.Transport{DialContext: m.l.dial, ForceAttemptHTTP2: false}
	m.mu.Lock()
	m.transports = append(m.transports, t)
	m.mu.Unlock()
	return &http.Client{Transport: t}
}

func (m *memNet) close() {
	m.mu.Lock()
	for _, t := range m.transports {
		t.CloseIdleConnections()
	}
	m.mu.Unlock()
	_ = m.srv.Close()
	<-m.done
}

// memListener hands the server end of each dialed pipe to http.Server.
type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

var errClosed = errors.New("fakeslack: in-memory listener closed")

func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: errClosed}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, errClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "pipe" }
func (memAddr) String() string  { return "fakeslack.test:80" }
