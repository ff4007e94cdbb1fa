package discordtest

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// DialContext connects to the fake in memory instead of over loopback:
// give it to a websocket or HTTP client (gorilla's Dialer.NetDialContext,
// http.Transport.DialContext) and every address reaches this server. A
// test run in a testing/synctest bubble needs it: a goroutine blocked on a
// real socket is not durably blocked, so the bubble's clock would never
// move, while net.Pipe blocks on channels created in the bubble. Call it
// from inside the bubble: the goroutines serving the connection belong to
// the caller's bubble and end when the connection is closed.
func (s *Server) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client, server := net.Pipe()
	l := &oneConn{conn: &closeNotify{Conn: server, closed: make(chan struct{})}, addr: server.LocalAddr()}
	srv := &http.Server{Handler: s.srv.Config.Handler}
	go func() { _ = srv.Serve(l) }()
	return client, nil
}

// oneConn is a net.Listener that accepts one connection, then blocks until
// that connection is closed.
type oneConn struct {
	conn *closeNotify
	addr net.Addr
	once sync.Once
}

func (l *oneConn) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.conn.closed
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error   { return nil }
func (l *oneConn) Addr() net.Addr { return l.addr }

// closeNotify closes closed when the connection is closed.
type closeNotify struct {
	net.Conn
	once   sync.Once
	closed chan struct{}
}

func (c *closeNotify) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.closed) })
	return err
}
