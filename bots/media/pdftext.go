package media

import (
	"errors"
	"strconv"
)

// Limits of PDF text extraction beyond DocLimits: pages read, content
// bytes interpreted (a form XObject drawn a million times would
// otherwise be parsed a million times from one decoded copy), nesting
// of forms and of the page tree.
const (
	maxPDFPages   = 2000
	maxPDFContent = 32 << 20
	maxFormDepth  = 8
	maxTreeDepth  = 64
)

// pdfText extracts the text of a PDF's pages, in content-stream order.
// The parser is this package's own (pdfdoc.go, pdfobj.go, pdffont.go):
// no maintained pure-Go PDF text extractor was found. pdfcpu has no text
// API, and the rsc.io/pdf family (ledongthuc/pdf, dslipak/pdf) reports
// malformed input by panicking from its lexer
// (https://github.com/ledongthuc/pdf, lex.go: buffer.errorf) and inflates
// streams without a bound. truncated is set when a limit stopped the
// reading before the end.
func pdfText(data []byte, lim DocLimits) (text string, truncated bool, err error) {
	d, err := openPDF(data, lim)
	if errors.Is(err, errPDFTooBig) {
		return "", false, refuse(TooBig, "PDF: %v", err)
	}
	if err != nil {
		return "", false, &Error{Reason: Unreadable, Detail: "PDF", Err: err}
	}
	if d.locked != nil {
		return "", false, refuse(Encrypted, "PDF is encrypted: %v", d.locked)
	}
	pages := d.pages()
	if len(pages) == 0 {
		return "", false, refuse(Unreadable, "PDF: no pages found")
	}
	if len(pages) > maxPDFPages {
		pages, truncated = pages[:maxPDFPages], true
	}
	x := &extractor{d: d, work: maxPDFContent, maxText: lim.MaxText}
	for i, p := range pages {
		if len(pages) > 1 {
			x.out.WriteString("\n## Page " + strconv.Itoa(i+1) + "\n")
		}
		x.page(p)
		if x.err != nil {
			return "", false, refuse(TooBig, "PDF: %v", x.err)
		}
		if x.out.Len() > lim.MaxText || x.work <= 0 {
			truncated = truncated || i+1 < len(pages) || x.work <= 0
			break
		}
	}
	if x.runes == 0 {
		if x.images > 0 {
			return "", false, refuse(NoText, "PDF has no text layer (scanned pages: %d images)", x.images)
		}
		if x.shown > 0 {
			return "", false, refuse(Unreadable, "PDF text is in fonts without a Unicode map")
		}
		return "", false, refuse(NoText, "PDF has no text")
	}
	return x.out.String(), truncated, nil
}

// page is a leaf of the page tree with its inherited resources (7.7.3.4).
type page struct {
	dict pdfDict
	res  pdfDict
}

// pages walks the page tree from the catalog; when that finds nothing (a
// broken tree), every /Type /Page object in file order.
func (d *pdfDoc) pages() []page {
	var out []page
	seen := map[int64]bool{}
	var walk func(v any, res pdfDict, depth int)
	walk = func(v any, res pdfDict, depth int) {
		if r, ok := v.(pdfRef); ok {
			if seen[r.num] {
				return // a loop in the tree, or a page listed twice
			}
			seen[r.num] = true
		}
		n, ok := d.resolve(v).(pdfDict)
		if !ok || depth > maxTreeDepth || len(out) > maxPDFPages {
			return
		}
		if r, ok := d.resolve(n["Resources"]).(pdfDict); ok {
			res = r
		}
		if kids, ok := d.resolve(n["Kids"]).(pdfArray); ok && n["Type"] != pdfName("Page") {
			for _, k := range kids {
				walk(k, res, depth+1)
			}
			return
		}
		out = append(out, page{dict: n, res: res})
	}
	if cat := d.catalog(); cat != nil {
		walk(cat["Pages"], nil, 0)
	}
	if len(out) > 0 {
		return out
	}
	for i, n := range d.order {
		if d.offsets[n] != d.heads[i] {
			continue
		}
		if p, ok := d.object(n).(pdfDict); ok && p["Type"] == pdfName("Page") {
			res, _ := d.resolve(p["Resources"]).(pdfDict)
			out = append(out, page{dict: p, res: res})
		}
	}
	return out
}
