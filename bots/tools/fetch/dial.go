package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// ErrForbidden is matched by the error of a fetch refused because the
// host's address is not public.
var ErrForbidden = errors.New("address not public")

// dial connects to address ("host:port") through the resolved addresses
// that pass the allow check. The check runs here, on each connection the
// transport opens (the first request and every redirect), on the very
// address dialed: a name that resolves to a public address for one
// lookup and a private one for the next (DNS rebinding) cannot pass,
// because the address checked is the address connected to.
func (f *Fetcher) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("bad port %q", portStr)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = f.lookup(ctx, host); err != nil {
		return nil, err
	}
	var lastErr error = fmt.Errorf("%s: no address", host)
	for _, a := range addrs {
		if !f.allow(a) {
			lastErr = fmt.Errorf("%w: %s", ErrForbidden, host)
			continue
		}
		conn, err := f.opts.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// control re-checks the address the socket connects to, so that no
// dial path of the default dialer can reach a refused address.
func (f *Fetcher) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !f.allow(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbidden, address)
	}
	return nil
}

func (f *Fetcher) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if f.opts.LookupIP != nil {
		return f.opts.LookupIP(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

func (f *Fetcher) allow(a netip.Addr) bool {
	if f.opts.Allow != nil {
		return f.opts.Allow(a)
	}
	return Public(a)
}
