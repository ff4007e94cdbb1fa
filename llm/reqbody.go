package llm

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// errBodyReleased: net/http asked for the request body again after the
// response headers arrived, which no retry of ours or of the transport
// does.
var errBodyReleased = errors.New("llm: request body already released")

// bodySource is the encoded request as net/http sends it, held only while
// it can still be needed. net/http keeps the request alive for as long as
// the response body is open, i.e. the whole streamed answer
// (Response.Request, and the HTTP/2 stream keeps the body it wrote); with
// bytes.NewReader the encoded prompt, the conversation's history and the
// largest object of a request, stayed in the heap for the whole answer.
// The body has been sent whole once its reader reached EOF, and a new
// copy (GetBody) is asked for only before a response: by the transport
// when a stream is refused or a reused connection died, by the client on
// a 307/308. So the reader drops its bytes at EOF and attempt releases
// the source when Do returns; our own retries encode nothing again, they
// start a new attempt from streamModel's bytes.
type bodySource struct{ b atomic.Pointer[[]byte] }

// attachBody makes b the body of r, replayable until the source is released.
func attachBody(r *http.Request, b []byte) *bodySource {
	s := &bodySource{}
	s.b.Store(&b)
	r.ContentLength = int64(len(b))
	r.Body, _ = s.open()
	r.GetBody = s.open
	return s
}

// open returns a new reader of the whole body.
func (s *bodySource) open() (io.ReadCloser, error) {
	p := s.b.Load()
	if p == nil {
		return nil, errBodyReleased
	}
	return &bodyReader{b: *p}, nil
}

// release lets the bytes go once no reader needs them.
func (s *bodySource) release() { s.b.Store(nil) }

// bodyReader reads the body once and forgets it at the end.
type bodyReader struct{ b []byte }

func (r *bodyReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		// nil, not an empty reslice: r.b[len:] with no capacity left
		// still points at the array and keeps it alive.
		r.b = nil
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// Close does nothing: net/http may call it from another goroutine while
// a Read runs (an aborted stream), and the bytes go at EOF anyway.
func (r *bodyReader) Close() error { return nil }
