package media

import (
	"bytes"
	"errors"
	"math"
	"strings"
)

// extractor interprets content streams for their text (9.4: text
// objects, positioning and showing operators), writing a line break when
// the text line moves vertically and a space when it jumps right.
type extractor struct {
	d       *pdfDoc
	out     strings.Builder
	work    int // content bytes still to interpret
	maxText int
	err     error
	images  int // image XObjects and inline images drawn
	shown   int // strings shown
	runes   int // characters written
	// Where the last string shown ended, across the content streams and
	// forms of a page.
	lastY, lastEnd float64
	started        bool
}

// runCost is the least a content run costs of the work budget, so that
// a form of a few bytes drawn millions of times still runs out.
const runCost = 256

// textState is the part of the text state (9.3) and matrices that line
// breaks need. The CTM is ignored: a line is a line whatever the scale.
type textState struct {
	font          *pdfFont
	size, leading float64
	a, b, c, dd   float64 // text line matrix, scale part
	e, f          float64 // text line matrix, translation
	adv           float64 // estimated advance since the line matrix moved
	moved         bool
	fonts         map[pdfName]*pdfFont
	res           pdfDict
	depth         int
}

func (x *extractor) page(p page) {
	var content []byte
	switch c := x.d.resolve(p.dict["Contents"]).(type) {
	case *pdfStream:
		content = x.stream(p.dict["Contents"], c)
	case pdfArray:
		// Joined no further than the work budget: [5 0 R 5 0 R ...] a
		// million times would otherwise be a million copies.
		var parts [][]byte
		total := 0
		for _, v := range c {
			if s, ok := x.d.resolve(v).(*pdfStream); ok && total < x.work {
				b := x.stream(v, s)
				parts = append(parts, b)
				total += len(b) + 1
			}
		}
		content = bytes.Join(parts, []byte("\n"))
	}
	x.started = false
	x.run(content, p.res, 0)
	x.out.WriteByte('\n')
}

// stream decodes a content stream, kept by object number when it has one.
func (x *extractor) stream(v any, s *pdfStream) []byte {
	n := int64(-1)
	if r, ok := v.(pdfRef); ok {
		n = r.num
	}
	b, err := x.d.streamBytes(n, s)
	if errors.Is(err, errPDFTooBig) {
		x.err = err
	}
	return b
}

func (x *extractor) run(content []byte, res pdfDict, depth int) {
	if x.err != nil || x.work <= 0 || x.out.Len() > x.maxText {
		return
	}
	if len(content) > x.work {
		content = content[:x.work]
	}
	x.work -= max(len(content), runCost)
	t := &textState{font: x.d.font(nil), a: 1, dd: 1, size: 1, res: res, depth: depth}
	l := &lexer{b: content}
	var ops []any
	for x.err == nil && x.out.Len() <= x.maxText {
		v, ok := l.object(0)
		if !ok {
			return
		}
		op, isOp := v.(pdfOp)
		if !isOp {
			if len(ops) >= 64 {
				ops = ops[:0] // junk: no operator takes that many operands
			}
			ops = append(ops, v)
			continue
		}
		x.op(t, string(op), ops, l)
		ops = ops[:0]
	}
}

func (x *extractor) op(t *textState, op string, ops []any, l *lexer) {
	arg := func(i int) float64 {
		if i < len(ops) {
			f, _ := num(ops[i])
			return f
		}
		return 0
	}
	switch op {
	case "BT":
		t.a, t.b, t.c, t.dd, t.e, t.f = 1, 0, 0, 1, 0, 0
		t.moved, t.adv = true, 0
	case "Tf":
		if len(ops) >= 2 {
			name, _ := ops[0].(pdfName)
			t.font = x.font(t, name)
			t.size = math.Abs(arg(1))
		}
	case "TL":
		t.leading = arg(0)
	case "Td", "TD":
		tx, ty := arg(0), arg(1)
		t.e += tx*t.a + ty*t.c
		t.f += tx*t.b + ty*t.dd
		if op == "TD" {
			t.leading = -ty
		}
		t.moved, t.adv = true, 0
	case "Tm":
		if len(ops) >= 6 {
			t.a, t.b, t.c, t.dd, t.e, t.f = arg(0), arg(1), arg(2), arg(3), arg(4), arg(5)
			t.moved, t.adv = true, 0
		}
	case "T*":
		x.nextLine(t)
	case "Tj":
		if len(ops) > 0 {
			x.show(t, ops[len(ops)-1])
		}
	case "'", "\"":
		x.nextLine(t)
		if len(ops) > 0 {
			x.show(t, ops[len(ops)-1])
		}
	case "TJ":
		if len(ops) > 0 {
			arr, _ := ops[len(ops)-1].(pdfArray)
			x.showArray(t, arr)
		}
	case "Do":
		if len(ops) > 0 {
			name, _ := ops[0].(pdfName)
			x.xobject(t, name)
		}
	case "BI":
		x.images++
		skipInlineImage(l)
	}
}

// showArray shows a TJ array: strings, and numbers that move the pen back
// (in thousandths of text space).
func (x *extractor) showArray(t *textState, arr pdfArray) {
	for _, e := range arr {
		if n, ok := num(e); ok {
			// A gap wider than a quarter of an em (in thousandths of
			// text space, 9.4.3) is a word space.
			if n < -250 {
				x.space()
			}
			t.adv -= n / 1000 * t.size
			continue
		}
		x.show(t, e)
	}
}

// skipInlineImage moves l past an inline image (8.9.7): its data, after
// "ID", is binary and may hold anything, so it is not lexed; it ends at
// white space, "EI", white space. Without an end the rest of the stream
// is skipped.
func skipInlineImage(l *lexer) {
	if i := bytes.Index(l.b[l.pos:], []byte("ID")); i >= 0 {
		l.pos += i + 2
		for j := l.pos; j+2 <= len(l.b); {
			k := bytes.Index(l.b[j:], []byte("EI"))
			if k < 0 {
				break
			}
			k += j
			if k > 0 && isSpace(l.b[k-1]) && (k+2 == len(l.b) || isSpace(l.b[k+2])) {
				l.pos = k + 2
				return
			}
			j = k + 2
		}
	}
	l.pos = len(l.b)
}

func (x *extractor) nextLine(t *textState) {
	t.e += -t.leading * t.c
	t.f += -t.leading * t.dd
	t.moved, t.adv = true, 0
}

// show writes a shown string, after a line break when the line moved
// down or up by more than a third of the font size, or a space when it
// moved right past the estimated end of the text before it.
func (x *extractor) show(t *textState, v any) {
	s, ok := v.(pdfString)
	if !ok {
		return
	}
	x.shown++
	size := t.size * math.Max(math.Abs(t.dd), math.Abs(t.b))
	if size == 0 {
		size = 1
	}
	if x.started && t.moved {
		switch {
		case math.Abs(t.f-x.lastY) > size/3:
			x.newline()
		case t.e > x.lastEnd+size/5:
			x.space()
		}
	}
	before := x.out.Len()
	t.font.decode(&x.out, s)
	if x.out.Len() > before {
		x.runes += x.out.Len() - before
	}
	// Without the fonts' widths, a character is taken as half an em.
	n := float64(len(s))
	if t.font.twoByte {
		n /= 2
	}
	t.adv += n * t.size / 2
	t.moved = false
	x.started, x.lastY, x.lastEnd = true, t.f, t.e+t.adv*t.a
}

func (x *extractor) newline() {
	s := x.out.String()
	if s == "" || strings.HasSuffix(s, "\n") {
		return
	}
	x.out.WriteByte('\n')
}

func (x *extractor) space() {
	s := x.out.String()
	if s == "" || strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\n") {
		return
	}
	x.out.WriteByte(' ')
}

// font returns the font the resources name, parsed once per run.
func (x *extractor) font(t *textState, name pdfName) *pdfFont {
	if f, ok := t.fonts[name]; ok {
		return f
	}
	fonts, _ := x.d.resolve(t.res["Font"]).(pdfDict)
	ref, isRef := fonts[name].(pdfRef)
	f, cached := x.d.fonts[ref.num]
	if !isRef || !cached {
		fd, _ := x.d.resolve(fonts[name]).(pdfDict)
		// A direct font is parsed again in every run that uses it: its
		// /Differences are charged to the work budget, so a form drawn
		// often with a font of 100,000 differences still runs out.
		x.work -= runCost
		if enc, ok := x.d.resolve(fd["Encoding"]).(pdfDict); ok {
			diffs, _ := x.d.resolve(enc["Differences"]).(pdfArray)
			x.work -= 8 * len(diffs)
		}
		f = x.d.font(fd)
		if isRef {
			x.d.fonts[ref.num] = f // a ToUnicode map is parsed once per file, not once per page
		}
	}
	if t.fonts == nil {
		t.fonts = map[pdfName]*pdfFont{}
	}
	t.fonts[name] = f
	return f
}

// xobject draws a named XObject: an image is counted, a form's content
// is interpreted with its own resources (8.10), to a bounded depth.
func (x *extractor) xobject(t *textState, name pdfName) {
	xs, _ := x.d.resolve(t.res["XObject"]).(pdfDict)
	ref := xs[name]
	s, ok := x.d.resolve(ref).(*pdfStream)
	if !ok {
		return
	}
	switch s.dict["Subtype"] {
	case pdfName("Image"):
		x.images++
	case pdfName("Form"):
		if t.depth >= maxFormDepth {
			return
		}
		res, ok := x.d.resolve(s.dict["Resources"]).(pdfDict)
		if !ok {
			res = t.res
		}
		x.run(x.stream(ref, s), res, t.depth+1)
	}
}
