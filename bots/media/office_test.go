package media

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"strings"
	"testing"
)

// zipOf builds a zip of the given parts.
func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const docxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Error in </w:t></w:r><w:r><w:t>main.go</w:t></w:r></w:p>
<w:p><w:r><w:t>col1</w:t><w:tab/><w:t>col2 &amp; more</w:t></w:r></w:p>
</w:body></w:document>`

func TestExtractOffice(t *testing.T) {
	docx := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": docxBody})
	pptx := zipOf(t, map[string]string{
		"ppt/slides/slide2.xml":  `<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>second</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/slide10.xml": `<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>tenth</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/slide1.xml":  `<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>first</a:t></a:r></a:p></p:sld>`,
	})
	xlsx := zipOf(t, map[string]string{
		"xl/sharedStrings.xml":     `<sst><si><t>name</t></si><si><r><t>ri</t></r><r><t>ta</t></r></si></sst>`,
		"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>42</v></c></row><row><c t="s"><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>`,
	})
	for name, tc := range map[string]struct {
		data []byte
		t    Type
		want string
	}{
		"docx": {docx, DOCX, "Error in main.go\ncol1\tcol2 & more"},
		"pptx": {pptx, PPTX, "## Slide 1\nfirst\n\n## Slide 2\nsecond\n\n## Slide 3\ntenth"},
		"xlsx": {xlsx, XLSX, "## Sheet 1\nname\t42\nrita\tx"},
	} {
		if got := Sniff(tc.data, "f."+name); got != tc.t {
			t.Fatalf("%s: sniffed %q", name, got)
		}
		got, err := ExtractText(tc.data, tc.t, DocLimits{})
		if err != nil || got.Text != tc.want || got.Truncated {
			t.Errorf("%s: %q %v\nwant %q", name, got.Text, err, tc.want)
		}
	}
	got, err := ExtractText(docx, DOCX, DocLimits{MaxText: 10})
	if err != nil || got.Text != "Error in m" || !got.Truncated {
		t.Fatalf("cut: %q %v", got.Text, err)
	}
}

// bombDOCX is a DOCX whose document.xml inflates to n bytes; with lie, its
// header claims 100 bytes.
func bombDOCX(t *testing.T, n int, lie bool) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	chunk := bytes.Repeat([]byte("<w:t>a</w:t>"), 4096)
	crc := crc32.NewIEEE()
	for w := 0; w < n; w += len(chunk) {
		fw.Write(chunk)
		crc.Write(chunk)
	}
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	size := uint64(n)
	if lie {
		size = 100
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: size, CRC32: crc.Sum32()})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

func TestZipBombs(t *testing.T) {
	lim := DocLimits{MaxInflated: 1 << 20}
	// A header claiming the true size is refused on its word; one that
	// lies is cut by archive/zip itself, which fails a read past the
	// declared size (ErrFormat): the file could not be read.
	for name, tc := range map[string]struct {
		data []byte
		want Reason
	}{
		"honest header": {bombDOCX(t, 8<<20, false), TooBig},
		"lying header":  {bombDOCX(t, 8<<20, true), Unreadable},
	} {
		if len(tc.data) > 200<<10 {
			t.Fatalf("%s: bomb is %d bytes", name, len(tc.data))
		}
		_, err := ExtractText(tc.data, DOCX, lim)
		if ReasonOf(err) != tc.want {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	// A header within the bound that inflates past it is cut by the
	// budget, whatever the header says.
	if _, err := ExtractText(bombDOCX(t, 2<<20, false), DOCX, DocLimits{MaxInflated: 1 << 20}); ReasonOf(err) != TooBig {
		t.Errorf("budget: %v", err)
	}
	many := map[string]string{}
	for i := 0; i < 30; i++ {
		many["x/"+strings.Repeat("a", i+1)] = ""
	}
	many["word/document.xml"] = docxBody
	if _, err := ExtractText(zipOf(t, many), DOCX, DocLimits{MaxEntries: 20}); ReasonOf(err) != TooBig {
		t.Errorf("entries: %v", err)
	}
}

func TestExtractRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		data []byte
		t    Type
		want Reason
	}{
		"not a zip":    {[]byte("PK\x03\x04 garbage"), DOCX, Unreadable},
		"zip, no part": {zipOf(t, map[string]string{"a.txt": "x"}), DOCX, Unreadable},
		"bad xml":      {zipOf(t, map[string]string{"word/document.xml": "<w:t>unclosed"}), DOCX, Unreadable},
		"over bytes":   {bytes.Repeat([]byte("x"), 100), DOCX, TooBig},
		"other":        {[]byte("hello"), Other, Unsupported},
	} {
		_, err := ExtractText(tc.data, tc.t, DocLimits{MaxBytes: 99})
		if name != "over bytes" {
			_, err = ExtractText(tc.data, tc.t, DocLimits{})
		}
		if ReasonOf(err) != tc.want {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzExtractText(f *testing.F) {
	f.Add([]byte("PK\x03\x04"), "a.docx")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		ty := Sniff(data, name)
		if ty.IsDocument() {
			ExtractText(data, ty, DocLimits{MaxInflated: 1 << 20})
		}
		if ty.IsImage() {
			PrepareImage(data, ImageLimits{MaxPixels: 1 << 20})
		}
	})
}
