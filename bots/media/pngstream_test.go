package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"go.uber.org/goleak"
)

// TestStreamPNGMatchesDecoder: the streaming reduction gives exactly the
// pixels of image/png's decode reduced the same way, for RGB, RGBA and
// gray PNGs whose rows use every filter type (Go's encoder picks the
// filter per row), at integer and fractional factors.
func TestStreamPNGMatchesDecoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rgba := image.NewNRGBA(image.Rect(0, 0, 301, 203))
	gray := image.NewGray(rgba.Rect)
	opaque := image.NewRGBA(rgba.Rect)
	for y := 0; y < 203; y++ {
		for x := 0; x < 301; x++ {
			v := uint8(x*3 + y)
			if rng.IntN(4) == 0 {
				v = uint8(rng.IntN(256))
			}
			rgba.SetNRGBA(x, y, color.NRGBA{R: v, G: uint8(y), B: uint8(x), A: uint8(rng.IntN(256))})
			gray.SetGray(x, y, color.Gray{Y: v})
			opaque.SetRGBA(x, y, color.RGBA{R: v, G: v / 2, B: uint8(x), A: 255})
		}
	}
	for name, img := range map[string]image.Image{"rgba": rgba, "gray": gray, "rgb": opaque} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		for _, size := range [][2]int{{150, 101}, {100, 67}, {211, 150}, {7, 5}} {
			k := size
			got, err := streamPNG(b.Bytes(), size[0], size[1])
			if err != nil {
				t.Fatalf("%s %v: %v", name, size, err)
			}
			src, _ := png.Decode(bytes.NewReader(b.Bytes()))
			want := downscale(src, size[0], size[1])
			if got.Rect != want.Rect {
				t.Fatalf("%s: %v vs %v", name, got.Rect, want.Rect)
			}
			for i := range got.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Fatalf("%s %v: byte %d is %d, decoder gives %d", name, k, i, got.Pix[i], want.Pix[i])
				}
			}
		}
	}
}

func TestStreamPNGRefusesWhatItDoesNotHandle(t *testing.T) {
	pal := image.NewPaletted(image.Rect(0, 0, 40, 40), color.Palette{color.Black, color.White})
	var b bytes.Buffer
	png.Encode(&b, pal)
	if _, err := streamPNG(b.Bytes(), 20, 20); err != errNotStreamable {
		t.Fatalf("paletted: %v", err)
	}
	// The paletted PNG still goes through the standard decoder.
	big := image.NewPaletted(image.Rect(0, 0, 3200, 100), color.Palette{color.Black, color.White})
	b.Reset()
	png.Encode(&b, big)
	if im, err := PrepareImage(b.Bytes(), ImageLimits{}); err != nil || im.Width != 1540 {
		t.Fatalf("%+v %v", im.Width, err)
	}
	// Truncated image data is unreadable, never a panic.
	rgb := encodePNG(t, screenshot(400, 300))
	if _, err := PrepareImage(rgb[:len(rgb)-40], ImageLimits{MaxSide: 100}); ReasonOf(err) != Unreadable {
		t.Fatalf("truncated: %v", err)
	}
}

// rawPNG builds an 8-bit RGB PNG from rows given with their filter
// bytes (chunk CRCs left zero: streamPNG does not check them).
func rawPNG(t *testing.T, w int, rows [][]byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	for _, r := range rows {
		zw.Write(r)
	}
	zw.Close()
	chunk := func(typ string, body []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		c = append(append(c, typ...), body...)
		return append(c, 0, 0, 0, 0)
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(len(rows)))
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// TestStreamPNGBadFilterMidway: a bad filter byte in row 100 (the fourth
// batch the inflater hands over) is an error, and the inflating
// goroutine is gone when streamPNG returns; a truncated stream too.
func TestStreamPNGBadFilterMidway(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const w, h = 400, 300
	rows := make([][]byte, h)
	for y := range rows {
		rows[y] = make([]byte, 1+3*w)
		rows[y][0] = byte(y % 5) // every valid filter type
	}
	rows[100][0] = 9
	if _, err := streamPNG(rawPNG(t, w, rows), 200, 150); err == nil || errors.Is(err, errNotStreamable) {
		t.Fatalf("bad filter in row 100: %v", err)
	}
	rows[100][0] = 0
	if img, err := streamPNG(rawPNG(t, w, rows), 200, 150); err != nil || img.Rect.Dx() != 200 {
		t.Fatalf("same rows, valid filters: %v", err)
	}
	if _, err := streamPNG(rawPNG(t, w, rows[:h/2]), 200, 150); err != nil {
		t.Fatalf("a shorter image is valid: %v", err)
	}
	whole := rawPNG(t, w, rows)
	cut := append([]byte(nil), whole...)
	binary.BigEndian.PutUint32(cut[8+4+4:], uint32(w))
	binary.BigEndian.PutUint32(cut[8+4+4+4:], uint32(h+40)) // IHDR claims 40 rows more than the data has
	if _, err := streamPNG(cut, 200, 150); err == nil {
		t.Fatal("rows missing from the data: no error")
	}
}
