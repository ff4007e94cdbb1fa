package llm

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// h2Pool is the client's RoundTripper for HTTPS: it keeps the provider's
// HTTP/2 connections itself (net/http's Transport.NewClientConn, Go 1.26)
// so that a new connection is dialed once, ahead of need, instead of by
// every request that finds the open ones full.
//
// Why: a provider's HTTP/2 connection takes a bounded number of streams
// (SETTINGS_MAX_CONCURRENT_STREAMS: 250 in Go's server, 100 at many
// proxies), and a streamed answer holds its stream for seconds. When every
// open connection is full, net/http's Transport starts a dial for each
// request that arrives until a new connection is up (the HTTP/2 pool's
// "no cached connection" sends each one to the HTTP/1 dial path, which
// dials per request with MaxConnsPerHost unset) and every one of those
// requests waits for its own TCP and TLS handshake; all but one of the new
// connections are then closed unused. Measured with cmd/loadtest (1,000
// conversations over 2 s): 17-107 connections opened for 1,000 streams
// that need 4, in bursts at the 250th, 500th and 750th stream, the
// arrivals of those moments waiting tens of milliseconds. Here a request
// never dials: it takes a free stream on an open connection, and when the
// free streams left fall to a quarter of a connection's, one dial starts
// in the background; a request that finds none free waits for that one
// dial (BENCHMARKS.md, issue 20 "the added latency's tail").
//
// A host whose server does not speak HTTP/2 (a self-hosted server behind
// a proxy without it) is left to the Transport and its HTTP/1.1 pool,
// which serves one request per connection at a time as it should.
type h2Pool struct {
	t *http.Transport

	mu    sync.Mutex
	hosts map[string]*h2Host
}

// h2Host is one provider address's connections.
type h2Host struct {
	conns   []*http.ClientConn
	dialing chan struct{} // closed when the dial in flight ended; nil if none
	err     error         // the last dial's error, for those that waited on it
	http1   bool          // the server chose HTTP/1.1: the Transport serves it
}

// h2DialTimeout bounds a pool's dial (TCP, TLS and the HTTP/2 preface):
// net/http's own dial has no bound beyond the dialer's 30 s either.
const h2DialTimeout = 30 * time.Second

func newH2Pool(t *http.Transport) *h2Pool {
	return &h2Pool{t: t, hosts: map[string]*h2Host{}}
}

// RoundTrip implements http.RoundTripper.
func (p *h2Pool) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return p.t.RoundTrip(req)
	}
	addr := canonicalAddr(req)
	for {
		cc, wait, h1 := p.take(addr)
		switch {
		case h1:
			return p.t.RoundTrip(req)
		case cc != nil:
			return cc.RoundTrip(req)
		}
		select {
		case <-wait:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		if err := p.dialError(addr); err != nil {
			return nil, err
		}
	}
}

// take reserves a stream on an open connection to addr. With none free it
// returns the channel of the dial in flight (starting one) to wait on;
// h1 is true when the host is the Transport's.
func (p *h2Pool) take(addr string) (cc *http.ClientConn, wait <-chan struct{}, h1 bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[addr]
	if h == nil {
		h = &h2Host{}
		p.hosts[addr] = h
	}
	if h.http1 {
		return nil, nil, true
	}
	free, capacity := 0, 0 // free streams on all; the most one takes
	live := h.conns[:0]
	for _, c := range h.conns {
		avail, inFlight := c.Available(), c.InFlight()
		if c.Err() != nil || avail+inFlight == 0 {
			// Closed, or gone away (GOAWAY) with nothing left on it.
			c.Close()
			continue
		}
		live = append(live, c)
		capacity = max(capacity, avail+inFlight)
		if cc == nil && c.Reserve() == nil {
			cc, avail = c, avail-1
		}
		free += avail
	}
	clear(h.conns[len(live):])
	h.conns = live
	// Dial ahead while a quarter of a connection's streams is still free:
	// the next requests then find the new connection up.
	if h.dialing == nil && (cc == nil || free < capacity/4) {
		h.dialing = make(chan struct{})
		go p.dial(addr, h, h.dialing)
	}
	if cc != nil {
		return cc, nil, false
	}
	return nil, h.dialing, false
}

// dial opens one connection to addr and adds it to h.
func (p *h2Pool) dial(addr string, h *h2Host, done chan struct{}) {
	// Not the request's context: the connection serves the requests after
	// it too, as net/http's own dials do.
	ctx, cancel := context.WithTimeout(context.Background(), h2DialTimeout)
	cc, err := p.t.NewClientConn(ctx, "https", addr)
	cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
	case cc.Available()+cc.InFlight() <= 1:
		// HTTP/1.1 (one request at a time): the Transport pools those.
		cc.Close()
		h.http1 = true
	default:
		h.conns = append(h.conns, cc)
	}
	h.err = err
	h.dialing = nil
	close(done)
}

// dialError is the error of the dial just waited for, if it failed and
// left no connection: the requests that waited for it fail with it (the
// client's retries treat it as a connection error, with their backoff)
// rather than dial again at once.
func (p *h2Pool) dialError(addr string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[addr]
	if h.err != nil && h.dialing == nil && len(h.conns) == 0 {
		return h.err
	}
	return nil
}

// CloseIdleConnections closes the pool's connections with no request in
// flight and the Transport's idle ones.
func (p *h2Pool) CloseIdleConnections() {
	p.mu.Lock()
	for _, h := range p.hosts {
		live := h.conns[:0]
		for _, c := range h.conns {
			if c.InFlight() == 0 {
				c.Close()
				continue
			}
			live = append(live, c)
		}
		clear(h.conns[len(live):])
		h.conns = live
	}
	p.mu.Unlock()
	p.t.CloseIdleConnections()
}

// canonicalAddr is the request's host:port, the port defaulted for https.
func canonicalAddr(req *http.Request) string {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(host, port)
}
