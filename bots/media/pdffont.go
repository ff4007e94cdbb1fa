package media

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// pdfFont turns the bytes of a shown string into text: through the
// font's ToUnicode CMap when it has one (9.10.3: the only way to read a
// Type0 font, whose codes are glyph ids with Identity-H), else through
// its simple encoding (9.6.5: a base encoding and /Differences).
type pdfFont struct {
	twoByte bool // Type0: two-byte codes (Identity-H; 9.7.5.2)
	uni     map[uint32]string
	enc     *[256]rune
}

// maxCMapEntries bounds the entries one ToUnicode map writes, counting
// rewrites: a bfrange <0000> <FFFF> is 65,536 entries, and a file could
// hold thousands of such ranges over the same codes.
const maxCMapEntries = 1 << 18

func (d *pdfDoc) font(fd pdfDict) *pdfFont {
	f := &pdfFont{enc: &winAnsi}
	if fd == nil {
		return f
	}
	f.twoByte = fd["Subtype"] == pdfName("Type0")
	switch e := d.resolve(fd["Encoding"]).(type) {
	case pdfName:
		f.enc = baseEncoding(e)
	case pdfDict:
		if b, ok := d.resolve(e["BaseEncoding"]).(pdfName); ok {
			f.enc = baseEncoding(b)
		}
		if diffs, ok := d.resolve(e["Differences"]).(pdfArray); ok {
			enc := *f.enc
			code := -1
			for _, v := range diffs {
				switch v := d.resolve(v).(type) {
				case int64:
					code = int(v)
				case pdfName:
					if code >= 0 && code < 256 {
						if r, ok := glyphRune(string(v)); ok {
							enc[code] = r
						}
						code++
					}
				}
			}
			f.enc = &enc
		}
	}
	if s, ok := d.resolve(fd["ToUnicode"]).(*pdfStream); ok {
		n := int64(-1)
		if r, ok := fd["ToUnicode"].(pdfRef); ok {
			n = r.num
		}
		if body, err := d.streamBytes(n, s); err == nil {
			f.uni = parseCMap(body)
		}
	}
	return f
}

func baseEncoding(n pdfName) *[256]rune {
	switch n {
	case "StandardEncoding":
		return &standard
	case "MacRomanEncoding":
		return &macRoman
	}
	return &winAnsi
}

// decode appends the text of a shown string.
func (f *pdfFont) decode(out *strings.Builder, s pdfString) {
	if f.twoByte {
		for i := 0; i+1 < len(s); i += 2 {
			code := uint32(s[i])<<8 | uint32(s[i+1])
			if t, ok := f.uni[code]; ok {
				out.WriteString(t)
			}
		}
		return
	}
	for i := 0; i < len(s); i++ {
		if f.uni != nil {
			if t, ok := f.uni[uint32(s[i])]; ok {
				out.WriteString(t)
				continue
			}
		}
		if r := f.enc[s[i]]; r != 0 {
			out.WriteRune(r)
		}
	}
}

// parseCMap reads the bfchar and bfrange sections of a ToUnicode CMap
// (9.10.3 and Adobe technote #5411): <src> <dst> pairs, and <lo> <hi>
// <dst> or <lo> <hi> [<dst>...] ranges; dst is UTF-16BE.
func parseCMap(b []byte) map[uint32]string {
	m := map[uint32]string{}
	l := &lexer{b: b}
	var ops []any
	mode := ""
	left := maxCMapEntries
	for left > 0 {
		v, ok := l.object(0)
		if !ok {
			break
		}
		op, isOp := v.(pdfOp)
		if !isOp {
			if mode != "" {
				ops = append(ops, v)
			}
			continue
		}
		switch op {
		case "beginbfchar", "beginbfrange":
			mode, ops = string(op), ops[:0]
			continue
		case "endbfchar":
			for i := 0; i+1 < len(ops); i += 2 {
				src, ok1 := ops[i].(pdfString)
				dst, ok2 := ops[i+1].(pdfString)
				if ok1 && ok2 && left > 0 {
					m[codeOf(src)] = utf16BE(dst)
					left--
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(ops) && left > 0; i += 3 {
				lo, ok1 := ops[i].(pdfString)
				hi, ok2 := ops[i+1].(pdfString)
				if !ok1 || !ok2 {
					continue
				}
				a, z := codeOf(lo), codeOf(hi)
				if z < a || z-a > 0xFFFF {
					continue
				}
				switch dst := ops[i+2].(type) {
				case pdfString:
					// The last UTF-16 unit counts up through the range.
					u := utf16Units(dst)
					if len(u) == 0 {
						continue
					}
					for c := a; c <= z && left > 0; c++ {
						w := append([]uint16(nil), u...)
						w[len(w)-1] += uint16(c - a)
						m[c] = string(utf16.Decode(w))
						left--
					}
				case pdfArray:
					for j, e := range dst {
						if s, ok := e.(pdfString); ok && a+uint32(j) <= z && left > 0 {
							m[a+uint32(j)] = utf16BE(s)
							left--
						}
					}
				}
			}
		}
		mode = ""
		ops = ops[:0]
	}
	return m
}

func codeOf(s pdfString) uint32 {
	var c uint32
	for i := 0; i < len(s) && i < 4; i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

func utf16Units(s pdfString) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

func utf16BE(s pdfString) string {
	if len(s) == 1 {
		return string(rune(s[0]))
	}
	return string(utf16.Decode(utf16Units(s)))
}

// glyphRune maps a glyph name of /Differences to its character: the
// names of the Adobe Glyph List that Latin text uses, "uniXXXX" and
// "uXXXX[XX]" (the AGL specification's rules).
func glyphRune(name string) (rune, bool) {
	if r, ok := glyphNames[name]; ok {
		return r, true
	}
	if len(name) == 1 {
		return rune(name[0]), true
	}
	if h, ok := strings.CutPrefix(name, "uni"); ok && len(h) >= 4 {
		if v, err := strconv.ParseUint(h[:4], 16, 16); err == nil {
			return rune(v), true
		}
	}
	if h, ok := strings.CutPrefix(name, "u"); ok && len(h) >= 4 && len(h) <= 6 {
		if v, err := strconv.ParseUint(h, 16, 32); err == nil && v <= 0x10FFFF {
			return rune(v), true
		}
	}
	return 0, false
}
