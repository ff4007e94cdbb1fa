package llm

import "bytes"

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// thinkFilter removes <think>...</think> blocks from streamed text, even
// when a tag is split across chunks: a chunk ending in what may be the
// start of a tag is held back until the next chunk decides. White space
// right after a closing tag is dropped too, so the reply does not start
// with the blank lines models put between reasoning and answer. A block
// opened after visible text and never closed was not reasoning but a
// literal "<think>" in the answer: flush gives it back. Not safe for
// concurrent use.
type thinkFilter struct {
	in       bool   // inside a block
	trim     bool   // drop leading white space (just after </think>)
	seen     bool   // visible text went out
	held     []byte // a possible partial tag from the previous chunk
	literal  []byte // a block opened after visible text, tag included
	buf, out []byte
}

// push returns the visible part of the next piece of text: p itself or a
// view into the filter's buffer, valid until the next push.
func (f *thinkFilter) push(p []byte) []byte {
	if !f.in && !f.trim && len(f.held) == 0 && bytes.IndexByte(p, '<') < 0 {
		f.see(p)
		return p // the common case: plain text
	}
	f.buf = append(append(f.buf[:0], f.held...), p...)
	f.held = f.held[:0]
	f.out = f.out[:0]
	rest := f.buf
	for len(rest) > 0 {
		tag := thinkOpen
		if f.in {
			tag = thinkClose
		}
		if i := bytes.Index(rest, []byte(tag)); i >= 0 {
			f.emit(rest[:i])
			rest = rest[i+len(tag):]
			f.in = !f.in
			f.trim = !f.in
			f.literal = f.literal[:0]
			if f.in && f.seen {
				f.literal = append(f.literal, thinkOpen...)
			}
			continue
		}
		// Hold back a suffix that could be the start of the tag.
		keep := partialSuffix(rest, tag)
		f.emit(rest[:len(rest)-keep])
		f.held = append(f.held, rest[len(rest)-keep:]...)
		break
	}
	return f.out
}

// emit appends visible text to out; text inside a block is dropped.
func (f *thinkFilter) emit(p []byte) {
	if f.in {
		if len(f.literal) > 0 {
			f.literal = append(f.literal, p...)
		}
		return
	}
	if f.trim {
		p = bytes.TrimLeft(p, " \t\r\n")
		if len(p) == 0 {
			return
		}
		f.trim = false
	}
	f.see(p)
	f.out = append(f.out, p...)
}

// see notes visible text (white space alone does not count).
func (f *thinkFilter) see(p []byte) {
	if !f.seen && len(bytes.TrimLeft(p, " \t\r\n")) > 0 {
		f.seen = true
	}
}

// flush returns held-back text at the end of the stream. An unclosed block
// at the start is reasoning cut short and stays hidden; one opened after
// visible text was a literal "<think>" and is given back.
func (f *thinkFilter) flush() []byte {
	if f.in && len(f.literal) > 0 {
		s := append(append([]byte(nil), f.literal...), f.held...)
		f.literal, f.held = f.literal[:0], f.held[:0]
		return s
	}
	if f.in || len(f.held) == 0 {
		f.held = f.held[:0]
		return nil
	}
	s := append([]byte(nil), f.held...)
	f.held = f.held[:0]
	if f.trim {
		s = bytes.TrimLeft(s, " \t\r\n")
	}
	return s
}

// partialSuffix returns the length of the longest suffix of p that is a
// proper prefix of tag.
func partialSuffix(p []byte, tag string) int {
	n := min(len(p), len(tag)-1)
	for ; n > 0; n-- {
		if string(p[len(p)-n:]) == tag[:n] {
			return n
		}
	}
	return 0
}
