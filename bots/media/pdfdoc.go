package media

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
)

// pdfDoc is a PDF file read the tolerant way: instead of trusting the
// cross-reference table (often broken: files edited by hand, truncated
// uploads, wrong offsets after a concatenation), every "N G obj" header
// in the file is found by a scan, later ones winning as an incremental
// update's do, and objects inside object streams (PDF 1.5, 7.5.7) are
// added from their headers. This is what pdf.js and MuPDF fall back to
// when the xref is broken; doing it always is one path instead of two.
// Objects are parsed when first resolved and kept.
type pdfDoc struct {
	data    []byte
	offsets map[int64]int // object number -> offset just past its "obj"
	// heads are the offsets of every header found, in file order: an
	// object is parsed no further than the next one, so a file of
	// unclosed "[" objects costs one pass, not one pass per object.
	heads    []int
	order    []int64         // object numbers in file order of their headers
	inStream map[int64]objAt // object number -> place in an object stream
	cache    map[int64]any
	decoded  map[int64][]byte   // decoded streams by object number
	fonts    map[int64]*pdfFont // fonts by object number
	trailers []pdfDict          // "trailer" dictionaries and XRef stream dictionaries
	gens     map[int64]int64    // generation numbers other than 0
	inflate  *budget            // bytes every filter may still produce
	// crypt decrypts an encrypted file's objects (its user password is
	// empty); locked says why an encrypted file cannot be read.
	crypt  *pdfCrypt
	locked error
	// resolving guards against a reference chain that loops.
	resolving map[int64]bool
}

// objAt is a member of an object stream: its bytes are body[start:end]
// of the decoded stream, end being the next member's start, so a stream
// of unclosed members still costs one pass.
type objAt struct {
	stream     int64 // the object stream's object number
	start, end int
}

// maxObjects bounds the object headers one file may have: a 10 MB file
// of "1 0 obj null endobj" would otherwise fill a map with 500,000.
const maxObjects = 200_000

var errPDFTooBig = errors.New("too many objects or streams inflate past their bound")

func openPDF(data []byte, lim DocLimits) (*pdfDoc, error) {
	d := &pdfDoc{
		data:      data,
		offsets:   map[int64]int{},
		inStream:  map[int64]objAt{},
		cache:     map[int64]any{},
		decoded:   map[int64][]byte{},
		fonts:     map[int64]*pdfFont{},
		gens:      map[int64]int64{},
		inflate:   &budget{left: lim.MaxInflated},
		resolving: map[int64]bool{},
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("obj"))
		if j < 0 {
			break
		}
		at := i + j
		i = at + 3
		if i < len(data) && !isSpace(data[i]) && !isDelim(data[i]) {
			continue // "objects", "ObjStm"
		}
		n, gen, start, ok := objHeader(data, at)
		if !ok {
			continue
		}
		if len(d.heads) >= maxObjects {
			return nil, errPDFTooBig
		}
		d.offsets[n] = start
		if gen != 0 {
			d.gens[n] = gen
		} else {
			delete(d.gens, n)
		}
		d.heads = append(d.heads, start)
		d.order = append(d.order, n)
	}
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("trailer"))
		if j < 0 {
			break
		}
		i += j + len("trailer")
		// Parsed no further than the next "trailer" or 64 KB: a file of
		// "trailer <<" repeated would otherwise parse to its end each time.
		end := min(len(data), i+64<<10)
		if k := bytes.Index(data[i:end], []byte("trailer")); k >= 0 {
			end = i + k
		}
		l := &lexer{b: data[:end], pos: i}
		if t, ok := l.object(0); ok {
			if td, ok := t.(pdfDict); ok {
				d.trailers = append(d.trailers, td)
			}
		}
	}
	// XRef streams (whose dictionary is the trailer of a PDF 1.5 file,
	// never encrypted: 7.6.2), then the encryption they or the trailers
	// name, then object streams (decrypted as a whole). Members of an
	// object stream do not override an object written out in the file.
	for i, n := range d.order {
		if d.offsets[n] != d.heads[i] {
			continue // replaced by a later copy
		}
		if s, ok := d.object(n).(*pdfStream); ok && s.dict["Type"] == pdfName("XRef") {
			d.trailers = append(d.trailers, s.dict)
		}
	}
	d.unlock()
	for i, n := range d.order {
		if d.offsets[n] != d.heads[i] {
			continue
		}
		if s, ok := d.object(n).(*pdfStream); ok && s.dict["Type"] == pdfName("ObjStm") {
			if err := d.indexObjStm(n, s); err != nil {
				return nil, err
			}
		}
	}
	return d, nil
}

// unlock sets up decryption when a trailer names an /Encrypt dictionary
// (7.6.1), or records in locked why the file cannot be read. Objects
// parsed before (to find the XRef streams) are parsed again, decrypted.
func (d *pdfDoc) unlock() {
	for i := len(d.trailers) - 1; i >= 0; i-- {
		t := d.trailers[i]
		ref, ok := t["Encrypt"]
		if !ok {
			continue
		}
		enc, _ := d.resolve(ref).(pdfDict)
		var id []byte
		if ids, ok := d.resolve(t["ID"]).(pdfArray); ok && len(ids) > 0 {
			s, _ := ids[0].(pdfString)
			id = []byte(s)
		}
		c, err := newPDFCrypt(enc, id)
		if err != nil {
			d.locked = err
			return
		}
		c.encObj = -1
		if r, ok := ref.(pdfRef); ok {
			c.encObj = r.num
		}
		d.crypt = c
		clear(d.cache)
		clear(d.decoded)
		return
	}
}

// objHeader checks that "N G " precedes the "obj" at at, returning N, G
// and the offset just past "obj".
func objHeader(data []byte, at int) (int64, int64, int, bool) {
	p := at
	back := func() (int, int, bool) { // the digits ending before p, after white space
		q := p
		for q > 0 && isSpace(data[q-1]) {
			q--
		}
		e := q
		for q > 0 && data[q-1] >= '0' && data[q-1] <= '9' && e-q < 10 {
			q--
		}
		return q, e, q < e && (q == 0 || isSpace(data[q-1]) || isDelim(data[q-1]))
	}
	gs, ge, ok := back()
	if !ok || ge == p {
		return 0, 0, 0, false
	}
	p = gs
	ns, ne, ok := back()
	if !ok || ne == p {
		return 0, 0, 0, false
	}
	n, err := strconv.ParseInt(string(data[ns:ne]), 10, 64)
	if err != nil {
		return 0, 0, 0, false
	}
	g, _ := strconv.ParseInt(string(data[gs:ge]), 10, 64)
	return n, g, at + 3, true
}

// indexObjStm records the members of object stream n (7.5.7: N pairs of
// "number offset", offsets counted from /First).
func (d *pdfDoc) indexObjStm(n int64, s *pdfStream) error {
	body, err := d.streamBytes(n, s)
	if err != nil {
		if errors.Is(err, errPDFTooBig) {
			return err
		}
		return nil // an unreadable object stream: its members are missing
	}
	count, _ := s.dict["N"].(int64)
	first, _ := s.dict["First"].(int64)
	if first < 0 || first > int64(len(body)) {
		return nil
	}
	type member struct {
		num int64
		off int
	}
	var ms []member
	l := &lexer{b: body[:first]}
	for i := int64(0); i < count && i < maxObjects; i++ {
		a, ok1 := l.object(0)
		o, ok2 := l.object(0)
		num, isInt := a.(int64)
		off, isOff := o.(int64)
		if !ok1 || !ok2 || !isInt || !isOff || off < 0 || off >= int64(len(body))-first {
			break
		}
		ms = append(ms, member{num, int(first + off)})
	}
	starts := make([]int, len(ms))
	for i, m := range ms {
		starts[i] = m.off
	}
	slices.Sort(starts)
	for _, m := range ms {
		if _, direct := d.offsets[m.num]; direct {
			continue
		}
		if _, seen := d.inStream[m.num]; !seen && len(d.inStream) >= maxObjects {
			return errPDFTooBig
		}
		end := len(body)
		if i, _ := slices.BinarySearch(starts, m.off+1); i < len(starts) {
			end = starts[i]
		}
		d.inStream[m.num] = objAt{stream: n, start: m.off, end: end}
	}
	return nil
}

// resolve follows references to the object they name (nil when missing,
// as 7.3.10 says a reference to a missing object is null).
func (d *pdfDoc) resolve(v any) any {
	for range 8 {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = d.object(r.num)
	}
	return nil
}

func (d *pdfDoc) object(n int64) any {
	if v, ok := d.cache[n]; ok {
		return v
	}
	if d.resolving[n] {
		return nil
	}
	d.resolving[n] = true
	defer delete(d.resolving, n)
	var v any
	if off, ok := d.offsets[n]; ok {
		v = d.parseAt(off)
		if d.crypt != nil {
			v = d.crypt.object(v, n, d.gens[n])
		}
	} else if at, ok := d.inStream[n]; ok {
		v = d.fromObjStm(at)
	}
	d.cache[n] = v
	return v
}

// parseAt parses the object after an "obj" keyword, and its stream, no
// further than the next object header.
func (d *pdfDoc) parseAt(off int) any {
	limit := len(d.data)
	if i, found := slices.BinarySearch(d.heads, off); found && i+1 < len(d.heads) {
		limit = d.heads[i+1]
	}
	l := &lexer{b: d.data[:limit], pos: off}
	v, ok := l.object(0)
	if !ok {
		return nil
	}
	dict, isDict := v.(pdfDict)
	if !isDict {
		return v
	}
	l.skip()
	if !bytes.HasPrefix(d.data[l.pos:limit], []byte("stream")) {
		return dict
	}
	start := l.pos + len("stream")
	if start < limit && d.data[start] == '\r' {
		start++
	}
	if start < limit && d.data[start] == '\n' {
		start++
	}
	// /Length is trusted when "endstream" follows it (it may be a
	// reference to an integer); else the body runs to the next
	// "endstream" before the next object.
	end := -1
	if n, ok := d.resolveInt(dict["Length"]); ok && n >= 0 && n <= int64(len(d.data)-start) {
		e := start + int(n)
		k := e
		for k < len(d.data) && k < e+4 && isSpace(d.data[k]) {
			k++
		}
		if bytes.HasPrefix(d.data[k:], []byte("endstream")) {
			end = e
		}
	}
	if end < 0 {
		if j := bytes.Index(d.data[start:limit], []byte("endstream")); j >= 0 {
			end = start + j
		} else {
			end = limit
		}
	}
	return &pdfStream{dict: dict, raw: d.data[start:end]}
}

func (d *pdfDoc) resolveInt(v any) (int64, bool) {
	if r, ok := v.(pdfRef); ok {
		off, ok := d.offsets[r.num]
		if !ok {
			return 0, false
		}
		l := &lexer{b: d.data[:min(len(d.data), off+32)], pos: off}
		v, _ = l.object(0)
	}
	n, ok := v.(int64)
	return n, ok
}

func (d *pdfDoc) fromObjStm(at objAt) any {
	s, ok := d.object(at.stream).(*pdfStream)
	if !ok {
		return nil
	}
	body, err := d.streamBytes(at.stream, s)
	if err != nil || at.end > len(body) {
		return nil
	}
	ol := &lexer{b: body[:at.end], pos: at.start}
	v, _ := ol.object(0)
	return v // 7.5.7: never a stream (the lexer reads none)
}

// catalog returns the document catalog: the trailers' /Root, else any
// object whose /Type is /Catalog (a file whose trailer is lost).
func (d *pdfDoc) catalog() pdfDict {
	for i := len(d.trailers) - 1; i >= 0; i-- {
		if c, ok := d.resolve(d.trailers[i]["Root"]).(pdfDict); ok {
			return c
		}
	}
	for _, n := range d.order {
		if c, ok := d.object(n).(pdfDict); ok && c["Type"] == pdfName("Catalog") {
			return c
		}
	}
	return nil
}
