package media

import (
	"strconv"
)

// PDF objects (ISO 32000-1, 7.3) as this package holds them: nil (null),
// bool, int64, float64, pdfName, pdfString (the decoded bytes), pdfArray,
// pdfDict, pdfRef, *pdfStream, and pdfOp, a bare keyword (an operator in
// a content stream, or a stray word in a broken file).
type (
	pdfName   string
	pdfString string
	pdfOp     string
	pdfArray  []any
	pdfDict   map[pdfName]any
	pdfRef    struct{ num, gen int64 }
	pdfStream struct {
		dict pdfDict
		raw  []byte // the encoded bytes, between "stream" and "endstream"
	}
)

// maxDepth bounds the nesting of arrays and dictionaries: [[[[... would
// otherwise recurse once per byte.
const maxDepth = 64

// lexer reads PDF tokens and objects from b. It never panics and never
// loops: every call consumes at least one byte or reports the end.
type lexer struct {
	b   []byte
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skip passes white space and comments.
func (l *lexer) skip() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// endMark is what object returns at "]", ">>" or the end of input.
type endMark byte

// object reads the next object. ok is false at the end of input. Integers
// followed by "G R" become a pdfRef; a stream's body is not read here
// (the caller, which knows the file, does that).
func (l *lexer) object(depth int) (v any, ok bool) {
	l.skip()
	if l.pos >= len(l.b) {
		return nil, false
	}
	if depth > maxDepth {
		l.pos = len(l.b) // a nesting bomb: give up on the rest
		return nil, false
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		return l.name(), true
	case c == '(':
		return l.literal(), true
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		l.pos += 2
		return l.dict(depth), true
	case c == '<':
		return l.hex(), true
	case c == '>' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '>':
		l.pos += 2
		return endMark('>'), true
	case c == '[':
		l.pos++
		var a pdfArray
		for {
			v, ok := l.object(depth + 1)
			if !ok {
				return a, true
			}
			if e, end := v.(endMark); end {
				if e == ']' {
					return a, true
				}
				continue // a stray ">>": skip it
			}
			a = append(a, v)
		}
	case c == ']':
		l.pos++
		return endMark(']'), true
	case c == ')' || c == '>' || c == '{' || c == '}':
		l.pos++
		return pdfOp(c), true
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return l.number(), true
	}
	start := l.pos
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	switch w := string(l.b[start:l.pos]); w {
	case "true":
		return true, true
	case "false":
		return false, true
	case "null":
		return nil, true
	default:
		return pdfOp(w), true
	}
}

// number reads an integer or real; "N G R" becomes a reference.
// Integers are parsed by hand: a file of numbers is the common case of
// content streams and the worst case of a hostile file.
func (l *lexer) number() any {
	start := l.pos
	l.pos++
	real := l.b[start] == '.'
	for l.pos < len(l.b) && (l.b[l.pos] >= '0' && l.b[l.pos] <= '9' || l.b[l.pos] == '.' || l.b[l.pos] == '-') {
		real = real || l.b[l.pos] == '.'
		l.pos++
	}
	tok := l.b[start:l.pos]
	n, ok := parseInt(tok)
	if !ok || real {
		f, _ := strconv.ParseFloat(string(tok), 64) // "--1", "1.2.3": 0, as readers do
		return f
	}
	// Look ahead for "G R" without consuming unless it is there.
	save := l.pos
	l.skip()
	gs := l.pos
	for l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '9' && l.pos-gs < 7 {
		l.pos++
	}
	if l.pos > gs {
		g, _ := parseInt(l.b[gs:l.pos])
		l.skip()
		if l.pos < len(l.b) && l.b[l.pos] == 'R' && (l.pos+1 == len(l.b) || isSpace(l.b[l.pos+1]) || isDelim(l.b[l.pos+1])) {
			l.pos++
			return pdfRef{num: n, gen: g}
		}
	}
	l.pos = save
	return n
}

// parseInt parses an optionally signed decimal integer of at most 18
// digits (no overflow); ok is false for anything else.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func (l *lexer) name() pdfName {
	l.pos++ // '/'
	var out []byte
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		c := l.b[l.pos]
		if c == '#' && l.pos+2 < len(l.b) {
			if h, ok := unhex2(l.b[l.pos+1], l.b[l.pos+2]); ok {
				out = append(out, h)
				l.pos += 3
				continue
			}
		}
		out = append(out, c)
		l.pos++
	}
	return pdfName(out)
}

func (l *lexer) dict(depth int) pdfDict {
	d := pdfDict{}
	for {
		k, ok := l.object(depth + 1)
		if !ok {
			return d
		}
		if e, end := k.(endMark); end && e == '>' {
			return d
		}
		key, isName := k.(pdfName)
		if !isName {
			continue // junk where a key belongs: skip it
		}
		v, ok := l.object(depth + 1)
		if !ok {
			return d
		}
		if e, end := v.(endMark); end && e == '>' {
			return d
		}
		d[key] = v
	}
}

// literal reads a (string) with balanced parentheses and escapes (7.3.4.2).
func (l *lexer) literal() pdfString {
	l.pos++ // '('
	var out []byte
	nest := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
		case ')':
			nest--
			if nest == 0 {
				return pdfString(out)
			}
		case '\\':
			if l.pos >= len(l.b) {
				return pdfString(out)
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r': // a line continuation
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and any other: the character itself
				}
			}
		}
		out = append(out, c)
	}
	return pdfString(out)
}

// hex reads a <hex string>; white space is ignored, an odd last digit is
// followed by 0 (7.3.4.3).
func (l *lexer) hex() pdfString {
	l.pos++ // '<'
	var out []byte
	hi, half := byte(0), false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		if c == '>' {
			break
		}
		v, ok := unhex1(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return pdfString(out)
}

func unhex1(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex1(a)
	y, ok2 := unhex1(b)
	return x<<4 | y, ok1 && ok2
}

// num returns a number object as float64 (0, false for anything else).
func num(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
