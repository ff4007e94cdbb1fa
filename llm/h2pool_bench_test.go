package llm

import (
	"io"
	"log"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkH2Burst: 600 requests at once, each held open (a streamed
// answer), to an HTTP/2 server of Go's default 250 streams per
// connection, through net/http's Transport alone and through the pool.
// Reported: connections opened and the slowest 1% of the requests' time
// to reach the server (the added latency's tail of issue 20):
//
//	go test ./llm -run '^$' -bench BenchmarkH2Burst -benchtime 5x
func BenchmarkH2Burst(b *testing.B) {
	for _, name := range []string{"transport", "pool"} {
		b.Run(name, func(b *testing.B) {
			var conns, p99 float64
			for range b.N {
				c, d := h2Burst(b, name == "pool", 600)
				conns += float64(c)
				p99 += float64(d.Microseconds()) / 1000
			}
			b.ReportMetric(conns/float64(b.N), "conns/op")
			b.ReportMetric(p99/float64(b.N), "p99-ms/op")
		})
	}
}

// h2Burst runs one burst on a new server; it returns the connections the
// server accepted and the 99th percentile of the requests' time to it.
func h2Burst(b *testing.B, pooled bool, n int) (int, time.Duration) {
	b.StopTimer()
	h := startHeld(b, -1)
	// The Transport's surplus handshakes end in errors the server logs.
	h.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	p := h.pool(b)
	var rt http.RoundTripper = p
	if !pooled {
		rt = p.t
	}
	b.StartTimer()
	start := time.Now()
	wait := h.send(b, rt, n)
	got := h.await(b, n)
	var ds []time.Duration
	for _, a := range got {
		ds = append(ds, a.at.Sub(start))
	}
	b.StopTimer()
	h.done()
	wait()
	p.CloseIdleConnections()
	// The Transport's surplus dials may still be handshaking: end them
	// from the server's side too.
	h.srv.CloseClientConnections()
	h.srv.Close()
	slices.Sort(ds)
	return int(h.ln.n.Load()), ds[len(ds)*99/100-1]
}
