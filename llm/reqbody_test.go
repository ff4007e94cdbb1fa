package llm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"weak"
)

// TestRequestBodyReleasedWhileStreaming: once the response headers
// arrived, the encoded request (the prompt) is garbage while the answer
// streams, on HTTP/1.1 and HTTP/2; before, net/http's request kept it for
// the whole answer.
func TestRequestBodyReleasedWhileStreaming(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			release := make(chan struct{})
			var proto atomic.Int32
			srv, hc := startTailServer(t, h2, release, &proto)
			defer close(release) // the server ends the answer only then
			c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			s, body := openWithBody(t, c)
			defer s.Close()
			if text, err := s.Next(); err != nil || text != "a" {
				t.Fatalf("first token %q, %v", text, err)
			}
			// A few cycles: a cycle that starts while the reader is
			// mid-Read may still see the array reachable.
			for i := 0; i < 5 && body.Value() != nil; i++ {
				runtime.GC()
			}
			if body.Value() != nil {
				t.Fatal("the request body is still reachable while the answer streams")
			}
			runtime.KeepAlive(s)
		})
	}
}

// openWithBody opens a stream from a body of its own and returns a weak
// pointer to that body, so that only the stream can keep it alive.
func openWithBody(t *testing.T, c *Client) (*Stream, weak.Pointer[byte]) {
	t.Helper()
	req := userReq(strings.Repeat("a long history ", 1000))
	body, err := encodeRequest(c.opts.Dialect, req, "m", nil)
	if err != nil {
		t.Fatal(err)
	}
	wp := weak.Make(&body[0])
	s, e := c.attempt(context.Background(), req, "m", body)
	if e != nil {
		t.Fatal(e)
	}
	return s, wp
}

// BenchmarkHeldPerStream reports the heap an open stream keeps once the
// answer has started (heldB/stream), over HTTP/2 with a prompt of a 16
// KiB history: what a thousand conversations in flight cost between the
// first token and the last. The server reads the request whole, so what
// is held is the client's.
//
//	go test ./llm -run '^$' -bench BenchmarkHeldPerStream
func BenchmarkHeldPerStream(b *testing.B) {
	const streams = 100
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, token("a"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, finalChunk+doneEvent)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	req := userReq(strings.Repeat("a long history ", 16<<10/15))
	var held float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		open := make([]*Stream, 0, streams)
		for range streams {
			s, err := c.Stream(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Next(); err != nil {
				b.Fatal(err)
			}
			open = append(open, s)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held += float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / streams
		for _, s := range open {
			s.Close()
		}
	}
	close(release)
	b.ReportMetric(held/float64(b.N), "heldB/stream")
}
