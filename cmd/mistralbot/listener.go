package main

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// connLimiter is a net.Listener that keeps at most max connections open, so
// that hostile clients cannot take every file descriptor of the process
// ("too many open files" stops Slack deliveries, store and LLM calls
// alike). golang.org/x/net/netutil's LimitListener only blocks Accept when
// full, which lets idle keep-alive connections and clients that never send
// a request starve everyone: here, when the limit is reached, the
// connection idle the longest, else the oldest one that has not sent a
// whole request header, is closed to make room (http.Server does the same
// to idle connections on Shutdown). Connections serving a request are never
// closed; the server's read and write timeouts bound how long they hold
// their slot.
//
// With perIP > 0 one peer address holds at most perIP of the slots: a new
// connection from a peer at its cap closes that peer's own idle or silent
// connection, else it is refused, so one host cannot push out the idle
// keep-alives of everyone else (Slack's deliveries come from many
// addresses). Behind a TLS proxy every connection has the proxy's address,
// which is why server.max_connections_per_ip is off by default.
//
// Its track method must be the http.Server's ConnState hook.
type connLimiter struct {
	net.Listener
	max   int
	perIP int
	shed  func(state string) // reports a connection closed to make room
	now   func() time.Time
	freed chan struct{} // signalled (non-blocking) when a slot frees up
	done  chan struct{} // closed by Close

	mu        sync.Mutex
	conns     map[*limitedConn]connInfo
	byPeer    map[string]int // open connections per peer address
	closeOnce sync.Once
	waiting   atomic.Bool
}

// connInfo is what the limiter knows of one open connection.
type connInfo struct {
	state http.ConnState
	since time.Time
	peer  string
}

// newConnLimiter wraps ln; perIP 0 puts no cap on one peer; shed may be
// nil.
func newConnLimiter(ln net.Listener, maxConns, perIP int, shed func(string)) *connLimiter {
	if shed == nil {
		shed = func(string) {}
	}
	return &connLimiter{
		Listener: ln, max: maxConns, perIP: perIP, shed: shed, now: time.Now,
		freed: make(chan struct{}, 1), done: make(chan struct{}),
		conns: map[*limitedConn]connInfo{}, byPeer: map[string]int{},
	}
}

// Accept waits for a connection, then for a free slot: it makes one by
// closing an idle or silent connection when the limit is reached, else it
// waits until a request in progress ends. A connection from a peer at its
// own cap is refused (closed at once) unless that peer has an idle or
// silent connection to give up.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc, err := l.admit(c); lc != nil || err != nil {
			return lc, err
		}
	}
}

// admit gives c a slot, or returns nil, nil when c's peer is at its cap
// and c was refused.
func (l *connLimiter) admit(c net.Conn) (net.Conn, error) {
	peer := peerOf(c)
	for {
		l.mu.Lock()
		if l.perIP > 0 && l.byPeer[peer] >= l.perIP {
			victim, state := l.victimLocked(peer)
			l.mu.Unlock()
			if victim == nil {
				l.shed("peer")
				c.Close()
				return nil, nil
			}
			l.shed(state)
			victim.Close()
			continue
		}
		if len(l.conns) < l.max {
			lc := &limitedConn{Conn: c, l: l}
			l.conns[lc] = connInfo{state: http.StateNew, since: l.now(), peer: peer}
			l.byPeer[peer]++
			l.mu.Unlock()
			return lc, nil
		}
		victim, state := l.victimLocked("")
		l.mu.Unlock()
		if victim != nil {
			l.shed(state)
			victim.Close() // frees the slot before the next round
			continue
		}
		l.waiting.Store(true)
		select {
		case <-l.freed:
			l.waiting.Store(false)
		case <-l.done:
			l.waiting.Store(false)
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// peerOf is the IP address of c's remote end ("" when it has none).
func peerOf(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return ""
}

// victimLocked picks the connection to close: the one idle the longest,
// else the oldest that has not sent a request header yet; among peer's
// connections only when peer is not "".
func (l *connLimiter) victimLocked(peer string) (*limitedConn, string) {
	var idle, silent *limitedConn
	var idleSince, silentSince time.Time
	for c, in := range l.conns {
		if peer != "" && in.peer != peer {
			continue
		}
		switch in.state {
		case http.StateIdle:
			if idle == nil || in.since.Before(idleSince) {
				idle, idleSince = c, in.since
			}
		case http.StateNew:
			if silent == nil || in.since.Before(silentSince) {
				silent, silentSince = c, in.since
			}
		}
	}
	if idle != nil {
		return idle, "idle"
	}
	if silent != nil {
		return silent, "new"
	}
	return nil, ""
}

// track is the http.Server's ConnState hook.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	switch state {
	case http.StateHijacked, http.StateClosed:
		// Close releases the slot; a hijacked connection keeps it until
		// its new owner closes it.
		return
	}
	l.mu.Lock()
	if in, open := l.conns[lc]; open {
		l.conns[lc] = connInfo{state: state, since: l.now(), peer: in.peer}
	}
	l.mu.Unlock()
	if state == http.StateIdle {
		l.wake() // an Accept waiting for a slot may close this one now
	}
}

// release frees lc's slot.
func (l *connLimiter) release(lc *limitedConn) {
	l.mu.Lock()
	if in, open := l.conns[lc]; open {
		delete(l.conns, lc)
		if l.byPeer[in.peer]--; l.byPeer[in.peer] <= 0 {
			delete(l.byPeer, in.peer)
		}
	}
	l.mu.Unlock()
	l.wake()
}

// wake tells a waiting Accept to look again.
func (l *connLimiter) wake() {
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// Waiting reports whether Accept holds a connection until a slot frees.
func (l *connLimiter) Waiting() bool { return l.waiting.Load() }

// Open is the number of connections holding a slot.
func (l *connLimiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Close stops accepting; open connections are the server's to close.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitedConn releases its slot once, on the first Close.
type limitedConn struct {
	net.Conn
	l    *connLimiter
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
	return err
}

// defaultMaxConnections is server.max_connections when 0: half the soft
// limit on open files (the other half stays for the store, the LLM and the
// platforms' APIs), between 16 and 4096.
func defaultMaxConnections() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 512
	}
	return int(min(max(rl.Cur/2, 16), 4096))
}
