package stream

import (
	"strings"
	"unicode/utf8"
)

// segment is one part of a split text: text[start:end] of the source, the
// fence line to re-open before it and whether a fence is still open at end.
type segment struct {
	start, end int
	// reopen is the fence line ("```go") open at start, "" when none.
	reopen string
	// open is the fence line open at end, "" when none.
	open string
}

// SplitMarkdown splits Markdown text into parts whose measure is at most
// limit. It cuts at paragraph, then line, then word boundaries (a hard cut
// only when a single word is too long), closes a code fence at the end of a
// part and re-opens it, with its language tag, at the start of the next.
// Only whitespace at the cut points is dropped. A nil measure counts runes.
func SplitMarkdown(text string, limit int, measure func(string) int) []string {
	if measure == nil {
		measure = utf8.RuneCountInString
	}
	segs := splitSegments(text, 0, "", limit, measure)
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = renderSegment(text, s)
	}
	return parts
}

// renderSegment returns the Markdown of one segment, fences balanced.
func renderSegment(text string, s segment) string {
	body := text[s.start:s.end]
	var b strings.Builder
	if s.reopen != "" {
		b.WriteString(s.reopen)
		b.WriteByte('\n')
	}
	b.WriteString(body)
	if s.open != "" {
		if !strings.HasSuffix(body, "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(fenceMarker(s.open))
	}
	return b.String()
}

// splitSegments splits text[start:] where fence is the fence line open at
// start. Every segment's rendering measures at most limit, unless limit is
// too small for a single rune. The work is about proportional to the
// text (each cut measures a window of a few parts around it), not to its
// square.
func splitSegments(text string, start int, fence string, limit int, measure func(string) int) []segment {
	var segs []segment
	for start < len(text) {
		s, last := cutSegment(text, start, fence, limit, measure)
		segs = append(segs, s)
		if last {
			break
		}
		fence, start = s.open, skipCut(text, s.end)
	}
	return segs
}

// skipCut returns where the part after a cut at end starts: the
// whitespace at the cut point is dropped.
func skipCut(text string, end int) int {
	for end < len(text) && (text[end] == '\n' || text[end] == ' ' || text[end] == '\r') {
		end++
	}
	return end
}

// cutSegment returns the segment of text that starts at start (fence open
// there): the whole rest when it fits (last), else the longest prefix
// ending at a good boundary whose rendering fits in limit. It measures
// windows of limit, 2*limit, ... bytes until one does not fit, then
// searches between the last two: a few parts' worth of text, however long
// the rest is.
func cutSegment(text string, start int, fence string, limit int, measure func(string) int) (seg segment, last bool) {
	s := segment{start: start, end: len(text), reopen: fence}
	if limit <= 0 {
		s.open = fenceAfter(fence, text[start:])
		return s, true
	}
	fits := func(end int) (segment, bool) {
		c := s
		c.end = end
		c.open = fenceAfter(s.reopen, text[s.start:end])
		return c, measure(renderSegment(text, c)) <= limit
	}
	// lo: the largest end known to fit (start: none yet); hi: the
	// largest end that may fit, once a window did not.
	lo, hi := s.start, 0
	for step := max(limit, 64); ; step *= 2 {
		e := snapRune(text, min(s.start+step, len(text)))
		if e <= lo {
			e = nextRune(text, lo)
		}
		c, ok := fits(e)
		if !ok {
			hi = snapRune(text, e-1)
			break
		}
		if e == len(text) {
			return c, true
		}
		lo = e
	}
	// Largest end that fits, by binary search over byte offsets snapped to
	// rune starts; measure is monotone enough for Markdown renderings.
	for lo < hi {
		mid := snapRune(text, (lo+hi+1)/2)
		if mid <= lo {
			mid = nextRune(text, lo)
		}
		if _, ok := fits(mid); ok {
			lo = mid
		} else {
			hi = mid - 1
			hi = snapRune(text, hi)
		}
	}
	max := lo
	if max <= s.start {
		// Not even one rune fits with the fence lines: drop the fence
		// re-opening for this part and cut one rune at least.
		c := segment{start: s.start, end: nextRune(text, s.start)}
		return c, c.end >= len(text)
	}
	end := avoidFenceLine(text, s.start, boundary(text, s.start, max))
	c, ok := fits(end)
	if !ok {
		c, _ = fits(max)
	}
	return c, false
}

// boundary returns the best cut in text[start:max]: the last paragraph break
// in its second half, else the last line break or space in its last three
// quarters, else max.
func boundary(text string, start, max int) int {
	chunk := text[start:max]
	if max == len(text) {
		return max
	}
	n := len(chunk)
	if i := strings.LastIndex(chunk, "\n\n"); i > 0 && i >= n/2 {
		return start + i
	}
	if i := strings.LastIndexByte(chunk, '\n'); i > 0 && i >= n/4 {
		return start + i
	}
	if i := strings.LastIndexByte(chunk, ' '); i > 0 && i >= n/4 {
		return start + i
	}
	return max
}

// avoidFenceLine moves a cut that falls inside a line which is, or whose
// head or tail would look like, a fence line back to the start of that line:
// a fence line cut in two, or a "```" moved to the start of a line, would
// change what is code on both sides.
func avoidFenceLine(text string, start, end int) int {
	if end >= len(text) || text[end] == '\n' {
		return end
	}
	ls := strings.LastIndexByte(text[:end], '\n') + 1
	// Only a line's start tells whether it is a fence line (and its end
	// whether a run of backticks is inline code): a line is read at most
	// fenceScan bytes past the cut, so that a cut in a very long line does
	// not read the rest of the text (past it, the line is taken as
	// possibly a fence: the cut moves to the line start, the safe side).
	le := strings.IndexByte(text[end:min(len(text), end+fenceScan)], '\n')
	if le < 0 {
		le = min(len(text), end+fenceScan)
	} else {
		le += end
	}
	full := strings.TrimLeft(text[ls:le], " ")
	head := strings.TrimLeft(text[ls:end], " ")
	tail := strings.TrimLeft(text[end:le], " ")
	if fenceMarker(full) == "" && fenceMarker(head) == "" && fenceMarker(tail) == "" {
		return end
	}
	if ls-1 > start {
		return ls - 1
	}
	// The line opens the part and does not fit whole: cut inside its run of
	// backticks or tildes, where neither half can be read as a fence.
	indent := len(text[ls:end]) - len(head)
	if cut := ls + indent + 2; cut > start && cut < end {
		return cut
	}
	return end
}

// fenceScan bounds how far past a cut avoidFenceLine reads its line.
const fenceScan = 4096

// fenceAfter returns the fence line open after text when fence was open
// before it.
func fenceAfter(fence, text string) string {
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		t := strings.TrimLeft(line, " ")
		if len(line)-len(t) > 3 {
			continue
		}
		if fence == "" {
			if m := fenceMarker(t); m != "" {
				fence = strings.TrimRight(t, " \r")
			}
		} else if m := fenceMarker(fence); strings.HasPrefix(t, m) && strings.TrimRight(t[len(m):], "`~ \r") == "" {
			fence = ""
		}
	}
	return fence
}

// fenceMarker returns the run of backticks or tildes (3 or more) that opens
// line, or "".
func fenceMarker(line string) string {
	if len(line) < 3 || (line[0] != '`' && line[0] != '~') {
		return ""
	}
	c := line[0]
	n := 0
	for n < len(line) && line[n] == c {
		n++
	}
	if n < 3 {
		return ""
	}
	if c == '`' && strings.IndexByte(line[n:], '`') >= 0 {
		return "" // an inline code span, not a fence
	}
	return line[:n]
}

func snapRune(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func nextRune(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return i + n
}
