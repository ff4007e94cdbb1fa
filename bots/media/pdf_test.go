package media

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

// buildPDF writes a PDF whose objects are objs (object i+1 is objs[i],
// the text between "obj" and "endobj"), with a correct xref table and a
// trailer naming object 1 as the catalog unless trailer is given.
func buildPDF(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	if trailer == "" {
		trailer = fmt.Sprintf("<< /Size %d /Root 1 0 R >>", len(objs)+1)
	}
	fmt.Fprintf(&b, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return b.Bytes()
}

// stream is a stream object with body, flate-compressed when flate.
func stream(dict, body string, flate bool) string {
	if !flate {
		return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(body), body)
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(body))
	w.Close()
	return fmt.Sprintf("<< %s /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", dict, z.Len(), z.Bytes())
}

// onePage is a catalog, a page tree of one page with font F1 = fontObj
// (object 4), and the page's content (object 5).
func onePage(font, content string) []string {
	return []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		font,
		content,
	}
}

const helvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

func extractPDF(t *testing.T, data []byte) Text {
	t.Helper()
	got, err := ExtractText(data, Sniff(data, "x.pdf"), DocLimits{MaxBytes: 10 << 20})
	if err != nil {
		t.Fatalf("ExtractText: %v", err)
	}
	return got
}

func TestPDFSimpleFont(t *testing.T) {
	content := stream("", `BT /F1 12 Tf 72 720 Td (Error: connection refused \(port 8080\)) Tj
0 -14 Td [(Caf) 20 (\351 na) -30 (\357ve)] TJ
T* 14 TL T* (back\\slash) Tj ( and more) Tj
300 0 Td (col2) Tj
1 0 0 1 72 600 Tm <48656c6c6f> Tj
(line) ' ET`, true)
	got := extractPDF(t, buildPDF(onePage(helvetica, content), ""))
	want := "Error: connection refused (port 8080)\nCafé naïve\nback\\slash and more col2\nHello\nline"
	if got.Text != want || got.Truncated {
		t.Fatalf("got %q, want %q", got.Text, want)
	}
}

func TestPDFKerningSpaces(t *testing.T) {
	// pdfTeX writes word spaces as TJ gaps, not as space characters.
	content := stream("", `BT /F1 10 Tf 100 700 Td [(The)-333(bot)-334(re)10(plied)] TJ ET`, false)
	got := extractPDF(t, buildPDF(onePage(helvetica, content), ""))
	if got.Text != "The bot replied" {
		t.Fatalf("%q", got.Text)
	}
}

// cmap is a ToUnicode CMap with bfchar and both bfrange forms, as
// LibreOffice and Word write them for Identity-H fonts.
const cmap = `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
3 beginbfchar <0003> <0020> <0011> <0048> <0050> <00E9> endbfchar
2 beginbfrange <0020> <0039> <0061> <0040> <0042> [<0078> <0079> <D83DDE00>] endbfrange
1 beginbfchar <0060> <00660069> endbfchar
endcmap CMapName currentdict /CMap defineresource pop end end`

func TestPDFType0ToUnicode(t *testing.T) {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 8 0 R] /Count 2 /Resources << /Font << /F1 4 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /Contents [5 0 R 9 0 R] >>", // resources inherited
		"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Calibri /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		stream("", "BT /F1 11 Tf 50 700 Td <0011002000210003> Tj", true),
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Calibri >>",
		stream("", cmap, true),
		"<< /Type /Page /Parent 2 0 R /Contents 10 0 R >>",
		stream("", "<00500060> Tj ET", true),
		stream("", "BT /F1 11 Tf 50 700 Td <004000410042> Tj ET", true),
	}
	got := extractPDF(t, buildPDF(objs, ""))
	want := "## Page 1\nHab éfi\n\n## Page 2\nxy😀"
	if got.Text != want {
		t.Fatalf("got %q, want %q", got.Text, want)
	}
}

func TestPDFDifferences(t *testing.T) {
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Type /Encoding /BaseEncoding /StandardEncoding /Differences [65 /quoteright /uni20AC 200 /eacute /fi] >> >>"
	content := stream("", "BT /F1 9 Tf (AB\310\311 it`s) Tj ET", false)
	got := extractPDF(t, buildPDF(onePage(font, content), ""))
	if got.Text != "’€éﬁ it‘s" {
		t.Fatalf("%q", got.Text)
	}
}

// TestPDFObjectStreams: a PDF 1.5 file whose objects live in an object
// stream and whose trailer is an XRef stream (no "trailer" keyword),
// and a form XObject holding the text.
func TestPDFObjectStreams(t *testing.T) {
	members := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Fm1 6 0 R >> /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		helvetica,
	}
	var hdr, body strings.Builder
	for i, m := range members {
		fmt.Fprintf(&hdr, "%d %d ", i+1, body.Len())
		body.WriteString(m + "\n")
	}
	objstm := stream(fmt.Sprintf("/Type /ObjStm /N %d /First %d", len(members), hdr.Len()), hdr.String()+body.String(), true)
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	fmt.Fprintf(&b, "5 0 obj\n%s\nendobj\n", stream("", "q /Fm1 Do Q", true))
	fmt.Fprintf(&b, "6 0 obj\n%s\nendobj\n", stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100]", "BT /F1 10 Tf (inside a form) Tj ET", true))
	fmt.Fprintf(&b, "7 0 obj\n%s\nendobj\n", objstm)
	fmt.Fprintf(&b, "8 0 obj\n%s\nendobj\nstartxref\n0\n%%%%EOF\n", stream("/Type /XRef /Size 9 /Root 1 0 R /W [1 2 1]", "\x00\x00\x00\x00", false))
	got := extractPDF(t, b.Bytes())
	if got.Text != "inside a form" {
		t.Fatalf("%q", got.Text)
	}
}

// TestPDFBrokenXref: wrong xref offsets, a missing xref and trailer, a
// /Length that lies, and junk between objects change nothing: objects
// are found by scanning.
func TestPDFBrokenXref(t *testing.T) {
	body := "BT /F1 10 Tf (still here) Tj ET"
	good := buildPDF(onePage(helvetica, stream("", body, false)), "")
	for name, data := range map[string][]byte{
		"as written":          good,
		"length too long":     buildPDF(onePage(helvetica, "<< /Length 9999 >>\nstream\n"+body+"\nendstream"), ""),
		"length too short":    buildPDF(onePage(helvetica, "<< /Length 5 >>\nstream\n"+body+"\nendstream"), ""),
		"length a reference":  buildPDF(append(onePage(helvetica, "<< /Length 6 0 R >>\nstream\n"+body+"\nendstream"), fmt.Sprint(len(body))), ""),
		"no xref, no trailer": good[:bytes.Index(good, []byte("xref"))],
		"shifted, junk":       append([]byte("%PDF-1.4\ngarbage garbage 12 obj\n"), good[9:]...),
	} {
		if got := extractPDF(t, data); got.Text != "still here" {
			t.Fatalf("%s: %q", name, got.Text)
		}
	}
}

// TestPDFFilters: ASCII85 (with "z" runs) and PNG-predicted Flate
// content decode to the page's text.
func TestPDFFilters(t *testing.T) {
	var a85 bytes.Buffer
	w := ascii85.NewEncoder(&a85)
	w.Write([]byte("BT /F1 9 Tf (eighty-five) Tj ET \x00\x00\x00\x00\x00\x00\x00\x00"))
	w.Close()
	if !bytes.Contains(a85.Bytes(), []byte("z")) {
		t.Fatal("no z in the encoding")
	}
	body := "BT /F1 9 Tf (predicted) Tj ET"
	var rows []byte // 4 columns a row, each row filtered Up (2) or None (0)
	for i := 0; i < len(body); i += 4 {
		row := []byte((body + "   ")[i : i+4])
		rows = append(rows, 0)
		rows = append(rows, row...)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(rows)
	zw.Close()
	for name, c := range map[string]struct{ content, want string }{
		"ascii85":   {fmt.Sprintf("<< /Filter /ASCII85Decode /Length %d >>\nstream\n%s~>\nendstream", a85.Len(), a85.Bytes()), "eighty-five"},
		"predictor": {fmt.Sprintf("<< /Filter [/FlateDecode] /DecodeParms [<< /Predictor 12 /Columns 4 >>] /Length %d >>\nstream\n%s\nendstream", z.Len(), z.Bytes()), "predicted"},
	} {
		if got := extractPDF(t, buildPDF(onePage(helvetica, c.content), "")); got.Text != c.want {
			t.Fatalf("%s: %q", name, got.Text)
		}
	}
}

func TestPDFFixtures(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/pdfjs-asciihexdecode.pdf":          "Hello world",
		"testdata/pdfjs-identity-tounicode-name.pdf": "ABCdef",
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := extractPDF(t, data); got.Text != want {
			t.Fatalf("%s: %q, want %q", file, got.Text, want)
		}
	}
}

// TestPDFRefusals: encrypted, scanned and textless PDFs each get their
// reason; a file that is not a PDF after its header is unreadable.
func TestPDFRefusals(t *testing.T) {
	scanned := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		stream("/Type /XObject /Subtype /Image /Width 2 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", "\x00\xff", false),
		stream("", "q 612 0 0 792 0 0 cm /Im0 Do Q", true),
	}
	inline := onePage(helvetica, stream("", "q BI /W 4 /H 1 /CS /G /BPC 8 ID \x00EI\x01\x02 EI Q", false))
	identityNoMap := onePage("<< /Type /Font /Subtype /Type0 /Encoding /Identity-H >>", stream("", "BT /F1 10 Tf <00110022> Tj ET", false))
	for name, c := range map[string]struct {
		data []byte
		want Reason
	}{
		"encrypted":         {buildPDF(onePage(helvetica, stream("", "BT (x) Tj ET", false)), "<< /Size 6 /Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>"), Encrypted},
		"scanned":           {buildPDF(scanned, ""), NoText},
		"inline image only": {buildPDF(inline, ""), NoText},
		"blank page":        {buildPDF(onePage(helvetica, stream("", "", false)), ""), NoText},
		"no unicode map":    {buildPDF(identityNoMap, ""), Unreadable},
		"no pages":          {[]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"), Unreadable},
		"just a header":     {[]byte("%PDF-"), Unreadable},
	} {
		_, err := ExtractText(c.data, PDF, DocLimits{})
		if ReasonOf(err) != c.want {
			t.Fatalf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// TestPDFHostile: files built to make a parser loop, recurse or inflate
// without end each finish, bounded.
func TestPDFHostile(t *testing.T) {
	zeros := strings.Repeat("\x00", 8<<20)
	bomb := onePage(helvetica, stream("", "BT (a) Tj ET "+zeros, true))
	selfForm := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 2 0 R 3 0 R] /Count 1 >>", // a tree that contains itself
		"<< /Type /Page /Parent 2 0 R /Resources 6 0 R /Contents 5 0 R >>",
		helvetica,
		stream("", "/Fm Do", false),
		"<< /XObject << /Fm 7 0 R >> /Font << /F1 4 0 R >> >>",
		stream("/Subtype /Form /Resources 6 0 R", "BT /F1 9 Tf (x) Tj ET /Fm Do /Fm Do", false),
	}
	// A form drawn 4096 times per page, over many pages: the content
	// budget ends it, not the patience of the caller.
	manyDo := strings.Repeat("/Fm Do ", 4096)
	fanOut := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources 6 0 R /Contents 5 0 R >>",
		helvetica,
		stream("", "BT /F1 9 Tf (page text) Tj ET "+manyDo, false),
		"<< /XObject << /Fm 7 0 R >> /Font << /F1 4 0 R >> >>",
		stream("/Subtype /Form /Resources 8 0 R", manyDo, false),
		"<< /XObject << /Fm 9 0 R >> >>",
		stream("/Subtype /Form", "q Q", false),
	}
	// One 10 KB stream listed 50,000 times as a page's contents.
	repeated := onePage(helvetica, stream("", "BT /F1 9 Tf (x) Tj ET"+strings.Repeat(" ", 10<<10), false))
	repeated[2] = "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> >> /Contents [" + strings.Repeat("5 0 R ", 50000) + "] >>"
	// An object stream of 20,000 unclosed strings, every one a page.
	var hdr, kids strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&hdr, "%d %d ", 100+i, 2*i)
		fmt.Fprintf(&kids, "%d 0 R ", 100+i)
	}
	members := stream(fmt.Sprintf("/Type /ObjStm /N 20000 /First %d", hdr.Len()), hdr.String()+strings.Repeat("( ", 20000), true)
	unclosedMembers := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [" + kids.String() + "] >>", members}
	// A ToUnicode map of 2,000 ranges each rewriting all 65,536 codes.
	rewrites := onePage("<< /Type /Font /Subtype /Type0 /ToUnicode 6 0 R >>", stream("", "BT /F1 9 Tf <0001> Tj ET", false))
	rewrites = append(rewrites, stream("", strings.Repeat("1 beginbfrange <0000> <FFFF> <0041> endbfrange\n", 2000), true))
	refLoop := []string{"2 0 R", "1 0 R"}
	nesting := []byte("%PDF-1.4\n1 0 obj " + strings.Repeat("[<<", 1<<18) + "\nendobj\ntrailer << /Root 1 0 R >>")
	unclosed := []byte("%PDF-1.4\n" + strings.Repeat("1 0 obj [ (", 30000))
	for name, c := range map[string]struct {
		data      []byte
		want      Reason
		truncated bool
	}{
		"flate bomb":        {buildPDF(bomb, ""), TooBig, false},
		"self-drawing form": {buildPDF(selfForm, ""), 0, false},
		"form fan-out":      {buildPDF(fanOut, ""), 0, true},
		"reference loop":    {buildPDF(refLoop, ""), Unreadable, false},
		"repeated contents": {buildPDF(repeated, ""), 0, true},
		"unclosed members":  {buildPDF(unclosedMembers, ""), Unreadable, false},
		"cmap rewrites":     {buildPDF(rewrites, ""), 0, false},
		"nesting":           {nesting, Unreadable, false},
		"unclosed objects":  {unclosed, Unreadable, false},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := ExtractText(c.data, PDF, DocLimits{MaxInflated: 4 << 20, MaxText: 100_000})
		runtime.ReadMemStats(&after)
		if ReasonOf(err) != c.want {
			t.Fatalf("%s: %v, want reason %v", name, err, c.want)
		}
		if err == nil && got.Truncated != c.truncated {
			t.Fatalf("%s: truncated %v (%d bytes of text)", name, got.Truncated, len(got.Text))
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 200<<20 {
			t.Fatalf("%s: allocated %d MB", name, d>>20)
		}
	}
}

func FuzzPDFText(f *testing.F) {
	f.Add(buildPDF(onePage(helvetica, stream("", "BT /F1 12 Tf 72 720 Td (Hello) Tj T* [(a)-300(b)] TJ ET", true)), ""))
	f.Add(buildPDF(onePage("<< /Subtype /Type0 /ToUnicode 6 0 R >>", stream("", "BT /F1 1 Tf <00110003> Tj ET", false)), ""))
	f.Add([]byte("%PDF-1.5\n1 0 obj << /Type /ObjStm /N 2 /First 8 >> stream\n1 0 2 5 << >> [1]\nendstream endobj"))
	f.Add(encrypted(f, "rc4-128", "", 0, "Hello"))
	f.Add(encrypted(f, "aesv3", "", 2, "Hello"))
	lz := lzwEncode([]byte("BT /F1 9 Tf (lzw) Tj ET"), 1)
	f.Add(buildPDF(onePage(helvetica, fmt.Sprintf("<< /Filter [/LZWDecode] /Length %d >>\nstream\n%s\nendstream", len(lz), lz)), ""))
	f.Add(buildPDF(onePage(helvetica, "<< /Filter /RunLengthDecode /Length 6 >>\nstream\n\x02BT \xfe \x80\nendstream"), ""))
	for _, file := range []string{"testdata/pdfjs-asciihexdecode.pdf", "testdata/pdfjs-identity-tounicode-name.pdf"} {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ExtractText(data, PDF, DocLimits{MaxInflated: 1 << 20, MaxText: 10_000})
		if err == nil && len(got.Text) > 10_000 {
			t.Fatalf("%d bytes of text past the limit", len(got.Text))
		}
		if err != nil && ReasonOf(err) == 0 {
			t.Fatal("an error without a reason")
		}
	})
}
