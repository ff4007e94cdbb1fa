package llm

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxEventBytes bounds one SSE line and one event's data. Providers send a
// chunk per line, a few hundred bytes each; a single chunk of 1 MB (a long
// tool call, a huge usage block) must still pass, a runaway body must not
// exhaust memory.
const maxEventBytes = 8 << 20

// The SSE reader's buffer (see resetSize): unpaced, and paced.
const (
	eventBufBytes = 1 << 10
	pacedBufBytes = 4 << 10
)

// errEventTooLong is returned when a line or an event exceeds maxEventBytes.
var errEventTooLong = errors.New("sse event longer than 8 MiB")

// eventReader decodes a Server-Sent Events stream as chat-completions
// providers send it: it returns the data of each event and skips comment
// lines (OpenRouter's ": OPENROUTER PROCESSING"), events without data and
// fields other than data. It accepts "data:" with or without the space,
// joins multi-line data with "\n", accepts LF and CRLF line ends and lines
// far beyond bufio.Scanner's 64 KiB default. It reuses its buffers, so the
// slice next returns is valid until the following call. Not safe for
// concurrent use.
type eventReader struct {
	r    *bufio.Reader
	line []byte // long lines that span several bufio buffers
	data []byte // the current event's data
	eof  bool
	// touch, when set, is called for every line read, comments included:
	// the idle timer counts any byte as a sign of life.
	touch func()
}

// reset makes the reader read r from the start, keeping its buffers.
func (d *eventReader) reset(r io.Reader) { d.resetSize(r, pacedBufBytes) }

// resetSize is reset with the buffer's size when it is made. Chunks are a
// few hundred bytes (the longest recorded in testdata, 749); longer lines
// are joined in d.line. The buffer lives as long as the reply: where
// reads are not paced (HTTP/2, see pacing) a Read takes what arrived, one
// chunk or a few, so 1 KiB (eventBufBytes) serves and keeps a thousand
// streams 3 MB (twice that with the GC's headroom) cheaper; a paced read
// (HTTP/1.1) takes a whole interval's chunks at once, so pacedBufBytes.
func (d *eventReader) resetSize(r io.Reader, size int) {
	if d.r == nil {
		d.r = bufio.NewReaderSize(r, size)
	} else {
		d.r.Reset(r)
	}
	d.line = d.line[:0]
	d.data = d.data[:0]
	d.eof = false
}

// next returns the data of the next event that carries data. At the end of
// the input it returns io.EOF; a final event not followed by a blank line
// is still returned first. Other errors come from the underlying reader.
func (d *eventReader) next() ([]byte, error) {
	d.data = d.data[:0]
	hasData := false
	for {
		line, err := d.readLine()
		if err != nil {
			if err == io.EOF && hasData {
				return d.data, nil
			}
			return nil, err
		}
		if d.touch != nil {
			d.touch()
		}
		if len(line) == 0 {
			if hasData {
				return d.data, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // comment / keep-alive
		}
		field, value := line, line[len(line):]
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(field) != "data" {
			continue // event, id, retry: nothing to do for chat completions
		}
		if hasData {
			d.data = append(d.data, '\n')
		}
		if len(d.data)+len(value) > maxEventBytes {
			return nil, errEventTooLong
		}
		d.data = append(d.data, value...)
		hasData = true
	}
}

// readLine returns the next line without its LF or CRLF. An unterminated
// last line is returned as a line; io.EOF follows.
func (d *eventReader) readLine() ([]byte, error) {
	if d.eof {
		return nil, io.EOF
	}
	line, err := d.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		d.line = append(d.line[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = d.r.ReadSlice('\n')
			if len(d.line)+len(line) > maxEventBytes {
				return nil, errEventTooLong
			}
			d.line = append(d.line, line...)
		}
		line = d.line
	}
	switch {
	case err == io.EOF:
		d.eof = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, err
	default:
		line = line[:len(line)-1] // the '\n'
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}
