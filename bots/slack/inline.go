package slack

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxInlineDepth bounds the nesting of emphasis the converter follows.
const maxInlineDepth = 6

// inline converts the inline Markdown of one line to mrkdwn, escaping
// text. It runs in time linear in the line (times the nesting depth): a
// failed search for a closing delimiter is remembered so that a line of
// ten thousand "*" costs no more than one.
func inline(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	sc := inlineScanner{s: s}
	sc.run(&b, 0)
	return b.String()
}

type inlineScanner struct {
	s string
	// Positions after which no closer exists, by kind; -1 unknown.
	noClose map[string]bool
}

func (sc *inlineScanner) failed(kind string) bool { return sc.noClose[kind] }

func (sc *inlineScanner) fail(kind string) {
	if sc.noClose == nil {
		sc.noClose = map[string]bool{}
	}
	sc.noClose[kind] = true
}

func (sc *inlineScanner) run(b *strings.Builder, depth int) {
	s := sc.s
	for i := 0; i < len(s); {
		if next, done := sc.token(b, i, depth); done {
			i = next
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(escapeText(s[i : i+size]))
		i += size
	}
}

// token handles a construct starting at i; done is false when s[i] is
// plain text.
func (sc *inlineScanner) token(b *strings.Builder, i, depth int) (next int, done bool) {
	s := sc.s
	switch s[i] {
	case '\\':
		if i+1 < len(s) && isASCIIPunct(s[i+1]) {
			b.WriteString(escapeText(s[i+1 : i+2]))
			return i + 2, true
		}
	case '`':
		n := runLen(s, i, '`')
		kind := "`" + strings.Repeat("`", n)
		if !sc.failed(kind) {
			if end := findRun(s, i+n, '`', n); end >= 0 {
				code := s[i+n : end]
				if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.TrimSpace(code) != "" {
					code = code[1 : len(code)-1]
				}
				b.WriteString("`" + escapeText(code) + "`")
				return end + n, true
			}
			sc.fail(kind)
		}
		b.WriteString(s[i : i+n])
		return i + n, true
	case '*', '_':
		if depth < maxInlineDepth {
			return sc.emphasis(b, i, depth)
		}
	case '~':
		if depth < maxInlineDepth && strings.HasPrefix(s[i:], "~~") && !sc.failed("~~") {
			end := strings.Index(s[i+2:], "~~")
			if end < 0 {
				sc.fail("~~")
			} else if inner := s[i+2 : i+2+end]; inner != "" && !edgeSpace(inner) {
				b.WriteString("~")
				(&inlineScanner{s: inner}).run(b, depth+1)
				b.WriteString("~")
				return i + 4 + end, true
			}
		}
	case '!':
		if i+1 < len(s) && s[i+1] == '[' {
			if next, ok := sc.link(b, i+1); ok {
				return next, true
			}
		}
	case '[':
		return sc.link(b, i)
	case '<':
		if m := autolinkRe.FindString(s[i:]); m != "" {
			b.WriteString("<" + safeURL(m[1:len(m)-1]) + ">")
			return i + len(m), true
		}
		if m := brRe.FindString(s[i:]); m != "" {
			b.WriteString("\n")
			return i + len(m), true
		}
	case '&':
		for ent, ch := range entities {
			if strings.HasPrefix(s[i:], ent) {
				b.WriteString(escapeText(ch))
				return i + len(ent), true
			}
		}
	}
	return i, false
}

// emphasis converts **x**, __x__, *x*, _x_ and ***x*** at i.
func (sc *inlineScanner) emphasis(b *strings.Builder, i, depth int) (int, bool) {
	s := sc.s
	c := s[i]
	n := runLen(s, i, c)
	lit := func() (int, bool) { b.WriteString(s[i : i+n]); return i + n, true }
	if n > 3 || i+n >= len(s) || isSpace(s[i+n]) {
		return lit()
	}
	// Underscores inside words are not emphasis (snake_case).
	if c == '_' && i > 0 && isWordByte(s[i-1]) {
		return lit()
	}
	kind := strings.Repeat(string(c), n)
	if sc.failed(kind) {
		return lit()
	}
	end := -1
	for j := i + n; j < len(s); j++ {
		if s[j] == '`' { // closers inside code spans do not count
			m := runLen(s, j, '`')
			if e := findRun(s, j+m, '`', m); e >= 0 {
				j = e + m - 1
				continue
			}
			j += m - 1
			continue
		}
		if s[j] != c {
			continue
		}
		m := runLen(s, j, c)
		if m == n && !isSpace(s[j-1]) && (c != '_' || j+m >= len(s) || !isWordByte(s[j+m])) {
			end = j
			break
		}
		j += m - 1
	}
	if end < 0 {
		sc.fail(kind)
		return lit()
	}
	open, closer := "_", "_"
	switch n {
	case 2:
		open, closer = "*", "*"
	case 3:
		open, closer = "*_", "_*"
	}
	b.WriteString(open)
	(&inlineScanner{s: s[i+n : end]}).run(b, depth+1)
	b.WriteString(closer)
	return end + n, true
}

// link converts [label](url) at i (s[i] == '['). Links whose scheme is not
// http, https or mailto become "label (url)" text.
func (sc *inlineScanner) link(b *strings.Builder, i int) (int, bool) {
	s := sc.s
	if sc.failed("]") {
		return i, false
	}
	depth, close := 0, -1
	for j := i; j < len(s) && close < 0; j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				close = j
			}
		}
	}
	if close < 0 {
		sc.fail("]")
		return i, false
	}
	if close+1 >= len(s) || s[close+1] != '(' || sc.failed(")") {
		return i, false
	}
	pdepth, end := 0, -1
	for j := close + 1; j < len(s) && end < 0; j++ {
		switch s[j] {
		case '(':
			pdepth++
		case ')':
			pdepth--
			if pdepth == 0 {
				end = j
			}
		}
	}
	if end < 0 {
		sc.fail(")")
		return i, false
	}
	label := plainLabel(s[i+1 : close])
	dest := strings.TrimSpace(s[close+2 : end])
	if k := strings.IndexAny(dest, " \t"); k >= 0 { // drop a "title"
		dest = dest[:k]
	}
	dest = strings.TrimSuffix(strings.TrimPrefix(dest, "<"), ">")
	switch {
	case !allowedScheme(dest):
		if label != "" {
			b.WriteString(escapeText(label) + " ")
		}
		b.WriteString("(" + escapeText(dest) + ")")
	case label == "" || label == dest:
		b.WriteString("<" + safeURL(dest) + ">")
	default:
		b.WriteString("<" + safeURL(dest) + "|" + escapeText(label) + ">")
	}
	return end + 1, true
}

// plainLabel drops the Markdown emphasis and code markers of a link label:
// mrkdwn does not format inside link labels.
func plainLabel(s string) string {
	s = strings.NewReplacer("**", "", "__", "", "`", "", "\\", "").Replace(s)
	return strings.TrimSpace(s)
}

func allowedScheme(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

// safeURL makes u safe inside <...>: the characters that would end or
// split the link are percent-encoded and & is escaped as Slack expects.
func safeURL(u string) string {
	var b strings.Builder
	for _, r := range u {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<' || r == '>' || r == '|' || r == '"' || r == ' ' || unicode.IsControl(r):
			for _, c := range []byte(string(r)) {
				b.WriteString("%" + strings.ToUpper(hex2(c)))
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

var (
	autolinkRe = regexp.MustCompile(`^<(?i:https?://|mailto:)[^<>\s]*>`)
	brRe       = regexp.MustCompile(`^(?i)<br\s*/?>`)
	entities   = map[string]string{"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": `"`,
		"&#39;": "'", "&apos;": "'", "&nbsp;": "\u00a0"}
)

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// findRun returns the start of the next run of exactly n c's at or after
// i, or -1.
func findRun(s string, i int, c byte, n int) int {
	for j := i; j < len(s); j++ {
		if s[j] != c {
			continue
		}
		m := runLen(s, j, c)
		if m == n {
			return j
		}
		j += m - 1
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func edgeSpace(s string) bool { return isSpace(s[0]) || isSpace(s[len(s)-1]) }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}
