package media

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// DocLimits bound the work done on one document.
type DocLimits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int
	// MaxText is the most text kept (bot.attachment_max_bytes); the rest
	// is cut and Truncated set.
	MaxText int
	// MaxEntries and MaxInflated bound a zip: entry count and the total
	// bytes inflated from the parts read (zip bombs: a 40 KB DOCX can
	// claim gigabytes). Defaults 2000 and 64 MB. MaxInflated is also what
	// all the streams of a PDF may decode to, together.
	MaxEntries  int
	MaxInflated int64
}

func (l DocLimits) withDefaults() DocLimits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = 2000
	}
	if l.MaxInflated <= 0 {
		l.MaxInflated = 64 << 20
	}
	if l.MaxText <= 0 {
		l.MaxText = 100_000
	}
	return l
}

// Text is a document's extracted text.
type Text struct {
	Text      string
	Truncated bool
}

// ExtractText returns the text of a DOCX, PPTX, XLSX or PDF file
// (t from Sniff). Errors are *Error.
func ExtractText(data []byte, t Type, lim DocLimits) (Text, error) {
	lim = lim.withDefaults()
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return Text{}, refuse(TooBig, "%d bytes, limit %d", len(data), lim.MaxBytes)
	}
	var (
		text      string
		truncated bool
		err       error
	)
	switch t {
	case DOCX, PPTX, XLSX:
		text, err = officeText(data, t, lim)
	case PDF:
		text, truncated, err = pdfText(data, lim)
	default:
		return Text{}, refuse(Unsupported, "not a PDF, DOCX, PPTX or XLSX document")
	}
	if err != nil {
		return Text{}, err
	}
	out := cut(text, lim.MaxText)
	out.Truncated = out.Truncated || truncated
	return out, nil
}

// cut keeps at most n bytes of s, never splitting a character.
func cut(s string, n int) Text {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return Text{Text: s}
	}
	i := n
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return Text{Text: s[:i], Truncated: true}
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// errInflated is returned by a bounded reader past its budget.
var errInflated = errors.New("inflates past its bound")

// budget is the bytes a zip may still inflate.
type budget struct{ left int64 }

// read inflates one zip entry within the budget.
func (b *budget) read(f *zip.File) ([]byte, error) {
	// The declared size may lie (it is the attacker's); the read is
	// bounded by what is left, whatever it says.
	if f.UncompressedSize64 > uint64(b.left) {
		return nil, errInflated
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, b.left+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > b.left {
		return nil, errInflated
	}
	b.left -= int64(len(data))
	return data, nil
}

// officeText reads the text parts of an Office Open XML zip: DOCX
// word/document.xml (<w:t>, paragraphs <w:p>), PPTX ppt/slides/slideN.xml
// in slide order (<a:t>, <a:p>), XLSX xl/sharedStrings.xml and
// xl/worksheets/sheetN.xml (cells tab-separated, rows one per line).
// ECMA-376 Part 1 names these parts.
func officeText(data []byte, t Type, lim DocLimits) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", &Error{Reason: Unreadable, Detail: "not a zip", Err: err}
	}
	if len(zr.File) > lim.MaxEntries {
		return "", refuse(TooBig, "%d zip entries, limit %d", len(zr.File), lim.MaxEntries)
	}
	oz := &officeZip{files: map[string]*zip.File{}, bud: &budget{left: lim.MaxInflated}}
	for _, f := range zr.File {
		oz.files[f.Name] = f
	}
	var out strings.Builder
	switch t {
	case DOCX:
		err = oz.docxText(&out)
	case PPTX:
		err = oz.pptxText(&out, lim.MaxText)
	case XLSX:
		err = oz.xlsxText(&out, lim.MaxText)
	}
	if err != nil {
		return "", err
	}
	return out.String(), nil
}

// officeZip is an Office file's parts by name; every part read counts
// against one inflation budget, so a zip bomb stops at the limit whatever
// part it hides in.
type officeZip struct {
	files map[string]*zip.File
	bud   *budget
}

// read inflates the part name; a missing part is nil without an error.
func (oz *officeZip) read(name string) ([]byte, error) {
	f, ok := oz.files[name]
	if !ok {
		return nil, nil
	}
	b, err := oz.bud.read(f)
	if errors.Is(err, errInflated) {
		return nil, refuse(TooBig, "%s %s", name, err)
	}
	if err != nil {
		return nil, &Error{Reason: Unreadable, Detail: name, Err: err}
	}
	return b, nil
}

// docxText writes the text of word/document.xml.
func (oz *officeZip) docxText(out *strings.Builder) error {
	b, err := oz.read("word/document.xml")
	if err != nil {
		return err
	}
	if b == nil {
		return refuse(Unreadable, "no word/document.xml: not a DOCX")
	}
	return xmlText(out, b, "t", "p", "tab", "br")
}

// pptxText writes each slide's text under a heading, in slide order,
// stopping once out holds more than maxText (the rest would be cut anyway).
func (oz *officeZip) pptxText(out *strings.Builder, maxText int) error {
	slides := numbered(oz.files, "ppt/slides/slide", ".xml")
	if len(slides) == 0 {
		return refuse(Unreadable, "no slides: not a PPTX")
	}
	for i, name := range slides {
		b, err := oz.read(name)
		if err != nil {
			return err
		}
		out.WriteString("\n## Slide " + strconv.Itoa(i+1) + "\n")
		if err := xmlText(out, b, "t", "p", "", "br"); err != nil {
			return err
		}
		if out.Len() > maxText {
			break // the rest would be cut anyway
		}
	}
	return nil
}

// xlsxText writes each worksheet under a heading, its cells resolved
// against the shared strings, stopping once out holds more than maxText.
func (oz *officeZip) xlsxText(out *strings.Builder, maxText int) error {
	ss, err := oz.read("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	shared, err := sharedStrings(ss)
	if err != nil {
		return err
	}
	sheets := numbered(oz.files, "xl/worksheets/sheet", ".xml")
	if len(sheets) == 0 {
		return refuse(Unreadable, "no worksheets: not an XLSX")
	}
	for i, name := range sheets {
		b, err := oz.read(name)
		if err != nil {
			return err
		}
		out.WriteString("\n## Sheet " + strconv.Itoa(i+1) + "\n")
		if err := sheetText(out, b, shared); err != nil {
			return err
		}
		if out.Len() > maxText {
			break // the rest would be cut anyway
		}
	}
	return nil
}

// numbered returns the names prefix<N>suffix in numeric order.
func numbered(files map[string]*zip.File, prefix, suffix string) []string {
	type entry struct {
		n    int
		name string
	}
	var es []entry
	for name := range files {
		num, ok := strings.CutPrefix(name, prefix)
		if !ok || path.Dir(name) != path.Dir(prefix+"x") {
			continue
		}
		num, ok = strings.CutSuffix(num, suffix)
		if n, err := strconv.Atoi(num); ok && err == nil {
			es = append(es, entry{n, name})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return a.n - b.n })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

// xmlText writes the character data of <text> elements, a newline after
// each <para>, a tab for <tab>, a newline for <br> (local names).
func xmlText(out *strings.Builder, data []byte, text, para, tab, br string) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	in := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &Error{Reason: Unreadable, Detail: "XML", Err: err}
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case text:
				in++
			case tab:
				out.WriteByte('\t')
			case br:
				out.WriteByte('\n')
			}
		case xml.EndElement:
			switch e.Name.Local {
			case text:
				in--
			case para:
				out.WriteByte('\n')
			}
		case xml.CharData:
			if in > 0 {
				out.Write(e)
			}
		}
	}
}

// sharedStrings reads xl/sharedStrings.xml: one string per <si>, the
// concatenation of its <t> runs.
func sharedStrings(data []byte) ([]string, error) {
	if data == nil {
		return nil, nil
	}
	var out []string
	var cur strings.Builder
	d := xml.NewDecoder(bytes.NewReader(data))
	in := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, &Error{Reason: Unreadable, Detail: "sharedStrings XML", Err: err}
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				in = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "t":
				in = false
			}
		case xml.CharData:
			if in {
				cur.Write(e)
			}
		}
	}
}

// sheetText writes a worksheet's rows: <row> per line, <c> cells
// tab-separated; a cell's <v> is an index into shared when t="s", its
// inline <is><t> text when t="inlineStr", else the value itself.
func sheetText(out *strings.Builder, data []byte, shared []string) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		cellType string
		inV, inT bool
		cells    int
		val      strings.Builder
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &Error{Reason: Unreadable, Detail: "worksheet XML", Err: err}
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "row":
				cells = 0
			case "c":
				cellType = ""
				for _, a := range e.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
				val.Reset()
			case "v":
				inV = true
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "c":
				v := val.String()
				if cellType == "s" {
					if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && i >= 0 && i < len(shared) {
						v = shared[i]
					}
				}
				if cells > 0 {
					out.WriteByte('\t')
				}
				out.WriteString(v)
				cells++
			case "row":
				out.WriteByte('\n')
			}
		case xml.CharData:
			if inV || inT {
				val.Write(e)
			}
		}
	}
}
