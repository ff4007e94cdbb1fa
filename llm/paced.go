package llm

import (
	"io"
	"time"
)

// pacedReader reads a response body at most once per interval once paced
// is set (after the first visible text): the tokens that arrived meanwhile
// are read in one call instead of one system call and one goroutine wake-up
// each. Not safe for concurrent use (the Stream's reader is not).
type pacedReader struct {
	r        io.Reader
	done     <-chan struct{} // the request's context: stop waiting
	interval time.Duration   // <= 0: never wait
	paced    bool
	last     time.Time // when the previous Read returned
	timer    *time.Timer
	full     bool // the last Read filled its buffer
	reads    int  // calls to r.Read, for tests
	waits    int  // pauses before a Read, for tests
}

// Read implements io.Reader.
func (p *pacedReader) Read(b []byte) (int, error) {
	// A read that filled the buffer left data waiting (a fast model, a
	// long line): read on without pausing, or the pace would cap the
	// stream at one buffer per interval.
	if p.paced && p.interval > 0 && !p.last.IsZero() && !p.full {
		if d := p.interval - time.Since(p.last); d > 0 {
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
	}
	n, err := p.r.Read(b)
	p.reads++
	p.last = time.Now()
	p.full = n > 0 && n == len(b)
	return n, err
}
