package stream

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// splitter is splitSegments for the Streamer, whose text grows by a few
// bytes per token: the segments whose cut is decided are kept from one
// call to the next, and only the text after the last of them (the tail)
// is looked at again. With an additive measure (no Render: the
// platform's length of a text is the sum of its runes' lengths) the
// tail's measure and fence state are kept too and extended by the new
// bytes, so that splitting a streamed answer token by token costs about
// what splitting it once does (BenchmarkSplitIncremental). With a Render
// (Slack's mrkdwn: not additive) the tail is measured again on each call,
// a window of about one part; the Streamer then splits only when an edit
// is due or the text grew by a quarter part (see sync), not per token.
type splitter struct {
	limit   int
	measure func(string) int // of a rendered segment
	raw     func(string) int // the additive measure of Markdown; nil: none

	prev  string    // the text of the last call
	start int       // where splitting starts
	fence string    // the fence open at start
	done  []segment // complete segments from start: their cut is decided

	// The tail: text[tailStart:], after the last complete segment, with
	// tailFence open at its start. Additive measure only: lineFence is
	// the fence open at lineStart, the start of the tail's last line
	// (not ended yet), and body the measure of text[tailStart:measured].
	tailStart, lineStart, measured, body int
	tailFence, lineFence                 string
}

func newSplitter(limit int, measure, raw func(string) int) *splitter {
	return &splitter{limit: limit, measure: measure, raw: raw}
}

// reset forgets everything: splitting starts again at start.
func (sp *splitter) reset(start int, fence string) {
	sp.start, sp.fence, sp.done = start, fence, sp.done[:0]
	sp.tail(start, fence)
}

// tail starts the tail at start.
func (sp *splitter) tail(start int, fence string) {
	sp.tailStart, sp.tailFence = start, fence
	sp.lineStart, sp.lineFence, sp.measured, sp.body = start, fence, start, 0
}

// segments returns splitSegments(text, start, fence, ...). It is cheap
// when text extends the text of the previous call and start is where that
// call started or one of the segments it returned starts (the Streamer
// moves start past the parts it has delivered).
func (sp *splitter) segments(text string, start int, fence string) []segment {
	switch {
	case !extends(text, sp.prev, sp.start):
		sp.reset(start, fence)
	case start == sp.start && fence == sp.fence:
	default:
		sp.advance(start, fence)
	}
	sp.prev = text
	for {
		if sp.tailStart >= len(text) {
			return sp.result(nil)
		}
		if sp.raw != nil && sp.tailFits(text) {
			s := segment{start: sp.tailStart, end: len(text), reopen: sp.tailFence, open: sp.openAtEnd(text)}
			return sp.result(&s)
		}
		s, last := cutSegment(text, sp.tailStart, sp.tailFence, sp.limit, sp.measure)
		if last {
			return sp.result(&s)
		}
		next := skipCut(text, s.end)
		if !decided(text, s.end, next) {
			// The text after the cut could still change it: computed
			// again next time.
			out := sp.result(&s)
			return append(out, splitSegments(text, next, s.open, sp.limit, sp.measure)...)
		}
		sp.done = append(sp.done, s)
		sp.tail(next, s.open)
	}
}

// result is the complete segments, then s when not nil.
func (sp *splitter) result(s *segment) []segment {
	out := make([]segment, len(sp.done), len(sp.done)+1)
	copy(out, sp.done)
	if s != nil {
		out = append(out, *s)
	}
	return out
}

// advance moves the start to start, which should be where a segment
// returned before starts; anything else starts afresh.
func (sp *splitter) advance(start int, fence string) {
	for i, s := range sp.done {
		if s.start == start && s.reopen == fence {
			sp.done = append(sp.done[:0], sp.done[i:]...)
			sp.start, sp.fence = start, fence
			return
		}
	}
	if start == sp.tailStart && fence == sp.tailFence {
		sp.done = sp.done[:0]
		sp.start, sp.fence = start, fence
		return
	}
	sp.reset(start, fence)
}

// extends reports whether text begins with prev from start on (what the
// splitter's state depends on). Strings are immutable: when text and prev
// share their first byte in memory (a strings.Builder's successive
// String()s between two growths) the prefix is the same without
// comparing it; after a growth it is compared once.
func extends(text, prev string, start int) bool {
	if len(text) < len(prev) || start > len(prev) {
		return false
	}
	if len(prev) == 0 || unsafe.StringData(text) == unsafe.StringData(prev) {
		return true
	}
	return text[start:len(prev)] == prev[start:]
}

// decided reports whether a cut at end (the next part starting at next)
// can no longer change as text grows: the text goes on past the
// whitespace after it, and past the end of the line avoidFenceLine reads.
func decided(text string, end, next int) bool {
	if next >= len(text) {
		return false
	}
	return strings.IndexByte(text[end:min(len(text), end+fenceScan)], '\n') >= 0 || len(text) >= end+fenceScan
}

// tailFits extends the additive state of the tail to text and reports
// whether the tail's rendering fits in limit.
func (sp *splitter) tailFits(text string) bool {
	// Whole lines change the fence state; the last line is read again
	// while it grows (see openAtEnd).
	for {
		i := strings.IndexByte(text[sp.measured:], '\n')
		if i < 0 {
			break
		}
		nl := sp.measured + i + 1
		sp.lineFence = fenceAfter(sp.lineFence, text[sp.lineStart:nl])
		sp.body += sp.raw(text[sp.measured:nl])
		sp.lineStart, sp.measured = nl, nl
	}
	// The bytes of the last line, but not a rune cut by the end of text
	// (it would count as several).
	end := len(text)
	for k := 1; k <= utf8.UTFMax && end-k >= sp.measured; k++ {
		if utf8.RuneStart(text[end-k]) {
			if !utf8.FullRuneInString(text[end-k:]) {
				end -= k
			}
			break
		}
	}
	if end > sp.measured {
		sp.body += sp.raw(text[sp.measured:end])
		sp.measured = end
	}
	n := sp.body
	if sp.tailFence != "" {
		n += sp.raw(sp.tailFence) + sp.raw("\n")
	}
	if open := sp.openAtEnd(text); open != "" {
		if !strings.HasSuffix(text, "\n") {
			n += sp.raw("\n")
		}
		n += sp.raw(fenceMarker(open))
	}
	if sp.measured < len(text) {
		n += sp.raw(text[sp.measured:]) // the cut rune, counted as it is
	}
	return n <= sp.limit
}

// openAtEnd is the fence open at the end of text, from the state at the
// start of its last line: only a line starting with a backtick or a tilde
// (after at most three spaces) can open or close one, so a long line of
// prose is not read again.
func (sp *splitter) openAtEnd(text string) string {
	line := text[sp.lineStart:]
	t := strings.TrimLeft(line[:min(len(line), 4)], " ")
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return sp.lineFence
	}
	return fenceAfter(sp.lineFence, line)
}
