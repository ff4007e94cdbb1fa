package media

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// lzwEncode is an LZW encoder of PDF's kind (7.4.4.2): 8-bit literals,
// codes most significant bit first from 9 bits, the clear code first and
// the end code last. early 1 widens the codes one code early, as readers
// of EarlyChange 1 (the default) expect; early 0 as compress/lzw does.
// Inputs stay under 3,800 codes (no clear code midway).
func lzwEncode(data []byte, early int) []byte {
	var out []byte
	var acc uint64
	var nbits uint
	width := uint(9)
	emit := func(code int) {
		acc = acc<<width | uint64(code)
		nbits += width
		for nbits >= 8 {
			out = append(out, byte(acc>>(nbits-8)))
			nbits -= 8
		}
		acc &= 1<<nbits - 1
	}
	table := map[string]int{}
	code := func(w []byte) int {
		if len(w) == 1 {
			return int(w[0])
		}
		return table[string(w)]
	}
	k := 0 // data codes written
	emitData := func(c int) {
		emit(c)
		k++
		// The reader has then assigned entry 257+k; it reads wider codes
		// once that reaches 2^width (early: one entry before).
		if 257+k+early >= 1<<width {
			width++
		}
	}
	emit(256)
	var w []byte
	for _, c := range data {
		wc := append(append([]byte(nil), w...), c)
		if _, ok := table[string(wc)]; ok || len(wc) == 1 {
			w = wc
			continue
		}
		emitData(code(w))
		table[string(wc)] = 257 + k
		w = []byte{c}
	}
	if len(w) > 0 {
		emitData(code(w))
	}
	emit(257)
	if nbits > 0 {
		out = append(out, byte(acc<<(8-nbits)))
	}
	return out
}

// TestPDFLZW: LZW streams with both EarlyChange values decode, past the
// 10- and 11-bit code widths, and read as text in a page; each variant
// misreads the other's data, so the test tells them apart.
func TestPDFLZW(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var words []string
	for range 500 {
		n := 2 + rng.IntN(6)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		words = append(words, string(b))
	}
	text := strings.Join(words, " ")
	body := []byte("BT /F1 9 Tf (" + text + ") Tj ET")
	d := &pdfDoc{inflate: &budget{left: 1 << 20}}
	for _, early := range []int64{0, 1} {
		enc := lzwEncode(body, int(early))
		got, err := d.lzw(enc, pdfDict{"EarlyChange": early})
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("EarlyChange %d: %v, %d of %d bytes equal", early, err, commonPrefix(got, body), len(body))
		}
		other, _ := d.lzw(enc, pdfDict{"EarlyChange": 1 - early})
		if bytes.Equal(other, body) {
			t.Fatalf("EarlyChange %d data also decodes as %d", early, 1-early)
		}
		dict := "/Filter /LZWDecode"
		if early == 0 {
			dict += " /DecodeParms << /EarlyChange 0 >>"
		}
		content := fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(enc), enc)
		if got := extractPDF(t, buildPDF(onePage(helvetica, content), "")); got.Text != text {
			t.Fatalf("EarlyChange %d page: %d bytes, want %d", early, len(got.Text), len(text))
		}
	}
	// The spec's example (7.4.4.2, EarlyChange 1): "-----A---B".
	if got, err := d.lzw([]byte{0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01}, nil); err != nil || string(got) != "-----A---B" {
		t.Fatalf("spec example: %q, %v", got, err)
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// TestPDFRunLength: literal runs, repeats and the end marker (7.4.5), a
// stream cut short, and a repeat past the budget refused.
func TestPDFRunLength(t *testing.T) {
	d := &pdfDoc{inflate: &budget{left: 1 << 20}}
	rl := []byte{4, 'B', 'T', ' ', '(', 'a', 256 - 3, 'z', 1, ')', ' ', 128, 'X', 'X'}
	got, err := d.runLength(rl)
	if err != nil || string(got) != "BT (azzzz) " {
		t.Fatalf("%q, %v", got, err)
	}
	if got, err := d.runLength([]byte{5, 'a', 'b'}); err != nil || string(got) != "ab" {
		t.Fatalf("cut short: %q, %v", got, err)
	}
	small := &pdfDoc{inflate: &budget{left: 100}}
	if _, err := small.runLength(bytes.Repeat([]byte{129, 'x'}, 2)); err != errPDFTooBig {
		t.Fatalf("past the budget: %v", err)
	}
	content := "BT /F1 9 Tf (run) Tj ET"
	enc := append([]byte{byte(len(content) - 1)}, content...)
	enc = append(enc, 128)
	page := fmt.Sprintf("<< /Filter /RunLengthDecode /Length %d >>\nstream\n%s\nendstream", len(enc), enc)
	if got := extractPDF(t, buildPDF(onePage(helvetica, page), "")); got.Text != "run" {
		t.Fatalf("page: %q", got.Text)
	}
}
