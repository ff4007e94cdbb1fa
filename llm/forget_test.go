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

// TestEndedStreamForgetsTheConnection: once Next returned io.EOF, a
// Stream the caller still holds (for Result, then Close, as the Engine
// does while it delivers the final text) keeps neither the response body
// (and through it net/http's stream, response and request) nor the SSE
// reader; Result, Next and Close still answer as before.
func TestEndedStreamForgetsTheConnection(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			release := make(chan struct{})
			close(release) // the server sends the whole answer
			var proto atomic.Int32
			srv, hc := startTailServer(t, h2, release, &proto)
			c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: hc})
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.Stream(context.Background(), userReq("hi"))
			if err != nil {
				t.Fatal(err)
			}
			body, sse := weak.Make(s.pr), weak.Make(s.ev.r)
			var text strings.Builder
			for {
				piece, err := s.Next()
				text.WriteString(piece)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 5 && (body.Value() != nil || sse.Value() != nil); i++ {
				runtime.GC()
			}
			if body.Value() != nil {
				t.Error("the ended stream still holds the response body")
			}
			if sse.Value() != nil {
				t.Error("the ended stream still holds its SSE reader")
			}
			if text.String() != "a b c end" {
				t.Errorf("text %q", text.String())
			}
			if piece, err := s.Next(); piece != "" || err != io.EOF {
				t.Errorf("Next after the end: %q, %v; want io.EOF", piece, err)
			}
			if r := s.Result(); r.FinishReason != "stop" || r.Usage.CompletionTokens != 5 {
				t.Errorf("result %+v", r)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			runtime.KeepAlive(s)
		})
	}
}

// TestFailedStreamForgetsTheConnection: a stream that ended in an error
// (here the body ending before [DONE]) forgets its reader too, and
// keeps its error.
func TestFailedStreamForgetsTheConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, token("a"))
	}))
	defer srv.Close()
	c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	sse := weak.Make(s.ev.r)
	var last error
	for last == nil {
		_, last = s.Next()
	}
	for i := 0; i < 5 && sse.Value() != nil; i++ {
		runtime.GC()
	}
	if sse.Value() != nil {
		t.Error("the failed stream still holds its SSE reader")
	}
	if _, err := s.Next(); err != last {
		t.Errorf("Next after the failure: %v, want %v again", err, last)
	}
	runtime.KeepAlive(s)
}

// BenchmarkHeldAfterEnd reports the heap an ended stream keeps while its
// caller still holds it (heldB/stream): 100 streams over HTTP/2 read to
// io.EOF and not closed, as the Engine holds them while it records the
// usage and delivers the final text (seconds when the platform's budget
// is spent). The server's share is included.
//
//	go test ./llm -run '^$' -bench BenchmarkHeldAfterEnd -benchtime 10x
func BenchmarkHeldAfterEnd(b *testing.B) {
	const streams = 100
	release := make(chan struct{})
	close(release)
	var proto atomic.Int32
	srv := httptest.NewUnstartedServer(tailServer(release, &proto))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		b.Fatal(err)
	}
	var held float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ended := make([]*Stream, 0, streams)
		for range streams {
			s, err := c.Stream(context.Background(), userReq("hi"))
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := s.Next(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
			ended = append(ended, s)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held += float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / streams
		for _, s := range ended {
			s.Close()
		}
	}
	b.ReportMetric(held/float64(b.N), "heldB/stream")
}
