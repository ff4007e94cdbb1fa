package llm

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// errSyntax reports a chunk that is not the JSON it claims to be.
var errSyntax = errors.New("invalid JSON")

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 256

// scanner is a small pull parser over one JSON document held in memory. It
// lets the chunk decoder pick the handful of fields it needs and skip the
// rest without reflection and without allocating: strings come back as
// views into the input, or into scratch when they hold escapes. Views stay
// valid until the next reset.
type scanner struct {
	b       []byte
	i       int
	depth   int
	scratch []byte // unescaped strings; never grows past its reset capacity
}

// reset points the scanner at b.
func (s *scanner) reset(b []byte) {
	s.b, s.i, s.depth = b, 0, 0
	if cap(s.scratch) < len(b) {
		// Unescaping never lengthens a string, so len(b) bytes hold every
		// string of b and views into scratch are never moved by append.
		s.scratch = make([]byte, 0, len(b)+len(b)/2)
	}
	s.scratch = s.scratch[:0]
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *scanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// consume consumes c if it is the next byte.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// null consumes a null literal if one is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// atEnd reports whether only white space remains.
func (s *scanner) atEnd() bool { return s.peek() == 0 && s.i >= len(s.b) }

// str reads a string and returns its unescaped bytes.
func (s *scanner) str() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errSyntax
	}
	s.i++
	start := s.i
	end := bytes.IndexByte(s.b[start:], '"')
	if end < 0 {
		return nil, errSyntax
	}
	if bytes.IndexByte(s.b[start:start+end], '\\') < 0 {
		s.i = start + end + 1
		return s.b[start : start+end], nil
	}
	return s.strEscaped(start)
}

// strEscaped decodes a string holding escapes into scratch.
func (s *scanner) strEscaped(start int) ([]byte, error) {
	from := len(s.scratch)
	i := start
	for i < len(s.b) {
		c := s.b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return s.scratch[from:], nil
		case c != '\\':
			s.scratch = append(s.scratch, c)
			i++
			continue
		}
		if i+1 >= len(s.b) {
			return nil, errSyntax
		}
		i += 2
		switch s.b[i-1] {
		case '"', '\\', '/':
			s.scratch = append(s.scratch, s.b[i-1])
		case 'b':
			s.scratch = append(s.scratch, '\b')
		case 'f':
			s.scratch = append(s.scratch, '\f')
		case 'n':
			s.scratch = append(s.scratch, '\n')
		case 'r':
			s.scratch = append(s.scratch, '\r')
		case 't':
			s.scratch = append(s.scratch, '\t')
		case 'u':
			r, ok := hex4(s.b, i)
			if !ok {
				return nil, errSyntax
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+6 <= len(s.b) && s.b[i] == '\\' && s.b[i+1] == 'u' {
					r2, ok = hex4(s.b, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			s.scratch = utf8.AppendRune(s.scratch, r)
		default:
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

// hex4 parses the four hex digits of a \u escape at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number and returns it as a float64.
func (s *scanner) number() (float64, error) {
	s.peek()
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
			continue
		}
		break
	}
	if s.i == start {
		return 0, errSyntax
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	if err != nil {
		return 0, errSyntax
	}
	return f, nil
}

// raw skips one value and returns its bytes.
func (s *scanner) raw() ([]byte, error) {
	s.peek()
	start := s.i
	if err := s.skip(); err != nil {
		return nil, err
	}
	return s.b[start:s.i], nil
}

// skip consumes one value of any kind.
func (s *scanner) skip() error {
	switch c := s.peek(); {
	case c == '"':
		return s.skipString()
	case c == '{':
		return s.object(func([]byte) error { return s.skip() })
	case c == '[':
		return s.array(s.skip)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := s.number()
		return err
	}
	return errSyntax
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return errSyntax
	}
	s.i += len(lit)
	return nil
}

// skipString consumes a string without decoding it.
func (s *scanner) skipString() error {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		j := bytes.IndexAny(s.b[s.i:], `"\`)
		if j < 0 {
			break
		}
		s.i += j
		if s.b[s.i] == '"' {
			s.i++
			return nil
		}
		s.i += 2 // a backslash and the byte it escapes
	}
	return errSyntax
}

// object consumes an object, calling member for each key; member must
// consume the value.
func (s *scanner) object(member func(key []byte) error) error {
	if !s.consume('{') {
		return errSyntax
	}
	if s.depth++; s.depth > maxDepth {
		return errSyntax
	}
	defer func() { s.depth-- }()
	if s.consume('}') {
		return nil
	}
	for {
		key, err := s.str()
		if err != nil {
			return err
		}
		if !s.consume(':') {
			return errSyntax
		}
		if err := member(key); err != nil {
			return err
		}
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return nil
		}
		return errSyntax
	}
}

// array consumes an array, calling elem for each element; elem must
// consume it.
func (s *scanner) array(elem func() error) error {
	if !s.consume('[') {
		return errSyntax
	}
	if s.depth++; s.depth > maxDepth {
		return errSyntax
	}
	defer func() { s.depth-- }()
	if s.consume(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			return nil
		}
		return errSyntax
	}
}
