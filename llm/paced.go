package llm

import (
	"io"
	"time"
)

// pacedReader reads a response body at most once per interval while
// paced: from the first visible text (start) until the stream's tail
// (finish). The tokens that arrived meanwhile are read in one call instead
// of one system call and one goroutine wake-up each. The tail is never
// held: once the final chunk (finish_reason), [DONE] or the end of the
// body was seen, or a read failed, every Read goes straight to the body,
// so the final text reaches the caller as soon as it arrives. Not safe for
// concurrent use (the Stream's reader is not).
type pacedReader struct {
	r        io.Reader
	done     <-chan struct{} // the request's context: stop waiting
	interval time.Duration   // <= 0: never wait (see pacing)
	paced    bool            // after the first text
	tail     bool            // the stream is ending: never wait again
	ended    bool            // r returned an error: nothing left to wait for
	last     time.Time       // when the previous Read returned
	timer    *time.Timer
	full     bool // the last Read filled its buffer
	reads    int  // calls to r.Read, for tests
	waits    int  // pauses before a Read, for tests
}

// pacing returns the read interval for a response of HTTP major version
// proto. Pacing can pay on HTTP/1.1 only: there every token is its own
// TCP segment and its own read system call, and reading every 100 ms
// batches them (measured in issue 20: 44 -> 29 ms of bot CPU per
// 300-token reply, 2-5 ms once sysmon is kept awake: off by default,
// see Options.ReadInterval). On HTTP/2 the transport's read loop takes
// every DATA frame off the connection as it arrives whatever we do, so
// a paced Read batches nothing and only delays the text, the last token
// included.
func pacing(interval time.Duration, proto int) time.Duration {
	if proto != 1 {
		return 0
	}
	return interval
}

// start begins pacing (the first text arrived), unless the tail did.
// A nil reader (a stream replayed from memory) has nothing to pace.
func (p *pacedReader) start() {
	if p != nil {
		p.paced = !p.tail
	}
}

// finish stops pacing for good: what follows is the stream's tail.
func (p *pacedReader) finish() {
	if p != nil {
		p.tail, p.paced = true, false
	}
}

// Read implements io.Reader.
func (p *pacedReader) Read(b []byte) (int, error) {
	// A read that filled the buffer left data waiting (a fast model, a
	// long line): read on without pausing, or the pace would cap the
	// stream at one buffer per interval.
	if p.paced && !p.ended && p.interval > 0 && !p.last.IsZero() && !p.full {
		if d := p.interval - time.Since(p.last); d > 0 {
			p.wait(d)
		}
	}
	n, err := p.r.Read(b)
	p.reads++
	p.last = time.Now()
	p.full = n > 0 && n == len(b)
	if err != nil {
		p.ended = true
	}
	return n, err
}

// wait pauses for d or until the request ends.
func (p *pacedReader) wait(d time.Duration) {
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	p.waits++
	select {
	case <-p.timer.C:
	case <-p.done:
		p.timer.Stop()
	}
}
