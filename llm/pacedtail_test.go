package llm

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The completion gap (issue 20): the reply's end is never held by the
// read pacing. The synctest tests run a Stream over an in-memory body on
// the fake clock, so "no pause" is exact; the httptest ones count the
// reader's pauses after the final chunk on real HTTP/1.1 and HTTP/2.

const (
	tokenChunk = `data: {"choices":[{"index":0,"delta":{"content":"%s"}}]}` + "\n\n"
	finalChunk = `data: {"choices":[{"index":0,"delta":{"content":" end"},"finish_reason":"stop"}]}` + "\n\n"
	usageChunk = `data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}` + "\n\n"
	doneEvent  = "data: [DONE]\n\n"
)

func token(s string) string { return strings.Replace(tokenChunk, "%s", s, 1) }

// pipeStream is a paced Stream reading what the test writes to w.
func pipeStream(t *testing.T, interval time.Duration) (*Stream, *io.PipeWriter) {
	t.Helper()
	c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	r, w := io.Pipe()
	t.Cleanup(func() { r.Close() })
	s := readerStream(c, nil)
	s.pr = &pacedReader{r: r, done: s.ctx.Done(), interval: interval}
	s.ev.reset(s.pr)
	return s, w
}

// writeAt writes each piece to w at its offset from the start (fake
// time), then closes w at end.
func writeAt(w *io.PipeWriter, pieces []string, offsets []time.Duration, end time.Duration) {
	start := time.Now()
	for i, p := range pieces {
		time.Sleep(offsets[i] - time.Since(start))
		_, _ = io.WriteString(w, p)
	}
	time.Sleep(end - time.Since(start))
	w.Close()
}

// nextAll reads s to its end and returns the text and when (fake time,
// from start) Next returned io.EOF.
func nextAll(t *testing.T, s *Stream, start time.Time) (string, time.Duration) {
	t.Helper()
	var b strings.Builder
	for {
		piece, err := s.Next()
		b.WriteString(piece)
		if err == io.EOF {
			return b.String(), time.Since(start)
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
	}
}

// TestPacedStreamTailNotHeld: after the final chunk (finish_reason) the
// usage chunk, [DONE] and the end of the body are read as they come: the
// stream ends the instant the body does, not one or two ReadIntervals
// later (the old behaviour: a pause before [DONE], another in the drain).
func TestPacedStreamTailNotHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 100 * time.Millisecond
		s, w := pipeStream(t, interval)
		pr := s.pr // the stream forgets it at its end
		start := time.Now()
		// An io.Pipe hands over one write per read: the tokens are read
		// at 0, 100 and 200 ms (one per interval once the text began);
		// the read after waits from 300 ms for the final chunk, which so
		// arrives unpaced at 350 ms, as does everything after it.
		pieces := []string{token("a"), token(" b"), token(" c"), finalChunk, usageChunk, doneEvent}
		offsets := []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond,
			350 * time.Millisecond, 360 * time.Millisecond, 370 * time.Millisecond}
		const end = 380 * time.Millisecond
		go writeAt(w, pieces, offsets, end)
		text, at := nextAll(t, s, start)
		if text != "a b c end" {
			t.Fatalf("text = %q", text)
		}
		if at != end {
			t.Errorf("the stream ended %v after the start, the body at %v: the tail was held %v", at, end, at-end)
		}
		if pr.waits == 0 {
			t.Error("no paced read at all: the test does not exercise the pacing")
		}
		if got := s.Result().Usage.CompletionTokens; got != 5 {
			t.Errorf("completion tokens = %d, want 5 (the usage chunk after the final one)", got)
		}
	})
}

// TestPacedStreamDrainNotHeld: a stream without finish_reason ends with
// [DONE]; draining the body after it (for connection reuse) does not
// pause either: Next returns io.EOF the instant the body ends.
func TestPacedStreamDrainNotHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, w := pipeStream(t, 100*time.Millisecond)
		start := time.Now()
		// The last token and [DONE] in one write: one read of the body.
		// An io.Pipe hands over one write per read: they are read at 0,
		// 100 and 200 ms (one per interval once the text began).
		pieces := []string{token("a"), token(" b"), token(" c") + doneEvent}
		offsets := []time.Duration{0, 20 * time.Millisecond, 40 * time.Millisecond}
		const end = 250 * time.Millisecond
		go writeAt(w, pieces, offsets, end)
		text, at := nextAll(t, s, start)
		if text != "a b c" {
			t.Fatalf("text = %q", text)
		}
		// [DONE] is read at 200 ms: the drain then waits for the end of
		// the body only, at 250 ms, not for another interval (300 ms).
		if at != end {
			t.Errorf("the stream ended at %v, the body at %v", at, end)
		}
	})
}

// TestPacedReaderNeverWaitsAfterTheTailOrAnError: once finish was
// called, or the body returned an error, Read goes straight to the body.
func TestPacedReaderNeverWaitsAfterTheTailOrAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, end := range []string{"finish", "error"} {
			r, w := io.Pipe()
			p := &pacedReader{r: r, interval: time.Second}
			p.start()
			go func() {
				_, _ = io.WriteString(w, "x")
				if end == "error" {
					w.CloseWithError(io.ErrUnexpectedEOF)
					return
				}
				_, _ = io.WriteString(w, "y")
				w.Close()
			}()
			buf := make([]byte, 8)
			if _, err := p.Read(buf); err != nil {
				t.Fatal(err)
			}
			if end == "finish" {
				p.finish()
				p.start() // text after the final chunk does not restart the pace
			} else if _, err := p.Read(buf); err == nil {
				t.Fatal("want the body's error")
			}
			start, waits := time.Now(), p.waits
			_, _ = p.Read(buf)
			if d := time.Since(start); d != 0 || p.waits != waits {
				t.Errorf("%s: the read after it waited %v (%d pauses), want none", end, d, p.waits-waits)
			}
		}
	})
}

// startTailServer serves tailServer over HTTP/2 with TLS (h2) or plain
// HTTP/1.1, and returns a client for it; both are closed at t's end.
func startTailServer(t *testing.T, h2 bool, release <-chan struct{}, proto *atomic.Int32) (*httptest.Server, *http.Client) {
	srv := httptest.NewUnstartedServer(tailServer(release, proto))
	var hc *http.Client
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		hc = srv.Client()
	} else {
		srv.Start()
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		hc = &http.Client{Transport: tr}
	}
	t.Cleanup(srv.Close)
	return srv, hc
}

// tailServer streams three tokens, then the final chunk, then waits for
// release before the usage chunk and [DONE]: the reads after the final
// chunk happen after the test looked at the reader. It records the HTTP
// major version of the request.
func tailServer(release <-chan struct{}, proto *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(int32(r.ProtoMajor))
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, p := range []string{token("a"), token(" b"), token(" c"), finalChunk} {
			_, _ = io.WriteString(w, p)
			f.Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, usageChunk)
		f.Flush()
		_, _ = io.WriteString(w, doneEvent)
		f.Flush()
	})
}

// TestStreamTailUnpacedOverHTTP: on HTTP/1.1 the body is paced when a
// ReadInterval is set, never by default, on HTTP/2 never, and read
// through a smaller buffer when unpaced; on all no read after the final
// chunk pauses. Counted, not timed: the reader's pauses before and after.
func TestStreamTailUnpacedOverHTTP(t *testing.T) {
	const interval = 300 * time.Millisecond
	for _, tc := range []struct {
		name     string
		http2    bool
		opt      time.Duration // Options.ReadInterval
		interval time.Duration // the reader's, as chosen for the protocol
		buf      int           // the SSE reader's buffer: a paced read takes a batch
	}{
		{"HTTP/1.1 paced", false, interval, interval, pacedBufBytes},
		{"HTTP/1.1 default", false, 0, 0, eventBufBytes},
		{"HTTP/2", true, interval, 0, eventBufBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			var proto atomic.Int32
			srv, hc := startTailServer(t, tc.http2, release, &proto)
			c, err := New(Options{Dialect: OpenAI, Model: "m", BaseURL: srv.URL, HTTPClient: hc, ReadInterval: tc.opt})
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.Stream(context.Background(), userReq("hi"))
			if err != nil {
				close(release)
				t.Fatal(err)
			}
			defer s.Close()
			pr := s.pr // the stream forgets it at its end
			if want := map[bool]int32{false: 1, true: 2}[tc.http2]; proto.Load() != want {
				t.Fatalf("the server got HTTP/%d, want %d", proto.Load(), want)
			}
			if pr.interval != tc.interval {
				t.Errorf("read interval %v, want %v", pr.interval, tc.interval)
			}
			if got := s.ev.r.Size(); got != tc.buf {
				t.Errorf("SSE buffer %d bytes, want %d", got, tc.buf)
			}
			var text strings.Builder
			for !strings.HasSuffix(text.String(), " end") {
				piece, err := s.Next()
				if err != nil {
					close(release)
					t.Fatalf("Next before the end: %v (text %q)", err, text.String())
				}
				text.WriteString(piece)
			}
			waits, reads := pr.waits, pr.reads
			close(release)
			if piece, err := s.Next(); piece != "" || err != io.EOF {
				t.Fatalf("after the final chunk: %q, %v; want io.EOF", piece, err)
			}
			if pr.reads == reads {
				t.Fatal("no read after the final chunk: the test does not exercise the tail")
			}
			if d := pr.waits - waits; d != 0 {
				t.Errorf("%d paced pauses after the final chunk, want 0", d)
			}
			if tc.interval == 0 && pr.waits != 0 {
				t.Errorf("%d paced pauses, want 0 (unpaced)", pr.waits)
			}
			if got := s.Result().Usage.CompletionTokens; got != 5 {
				t.Errorf("completion tokens = %d, want 5", got)
			}
		})
	}
}
