package media

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
	"time"
)

// screenshot draws a w x h "terminal screenshot": dark background, rows
// of light one-pixel strokes, like text.
func screenshot(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 30, G: 30, B: 30, A: 255}
			if y%18 < 12 && (x*7+y*3)%11 < 4 {
				c = color.RGBA{R: 220, G: 220, B: 200, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPrepareImageDownscales(t *testing.T) {
	for name, data := range map[string][]byte{
		"png":  encodePNG(t, screenshot(3000, 1000)),
		"jpeg": encodeJPEG(t, screenshot(3000, 1000)),
	} {
		im, err := PrepareImage(data, ImageLimits{MaxBytes: 10 << 20, MaxSide: 1540})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if im.Width != 1540 || im.Height != 513 || im.SourceWidth != 3000 || im.SourceHeight != 1000 || im.MIME != "image/jpeg" {
			t.Fatalf("%s: %+v", name, im)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(im.Data))
		if err != nil || cfg.Width != 1540 || cfg.Height != 513 {
			t.Fatalf("%s: output %+v %v", name, cfg, err)
		}
		if !strings.HasPrefix(im.DataURL(), "data:image/jpeg;base64,") {
			t.Fatal(im.DataURL()[:30])
		}
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(im.DataURL(), "data:image/jpeg;base64,"))
		if !bytes.Equal(raw, im.Data) {
			t.Fatal("data URL does not hold the bytes")
		}
	}
}

func TestPrepareImageSmallPassesThrough(t *testing.T) {
	data := encodePNG(t, screenshot(200, 100))
	im, err := PrepareImage(data, ImageLimits{})
	if err != nil || im.MIME != "image/png" || !bytes.Equal(im.Data, data) || im.Width != 200 {
		t.Fatalf("%+v %v", im.MIME, err)
	}
}

func TestPrepareImageGIFFirstFrame(t *testing.T) {
	pal := color.Palette{color.Black, color.White}
	a := image.NewPaletted(image.Rect(0, 0, 40, 20), pal)
	b := image.NewPaletted(image.Rect(0, 0, 40, 20), pal)
	for i := range b.Pix {
		b.Pix[i] = 1
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{a, b}, Delay: []int{1, 1}}); err != nil {
		t.Fatal(err)
	}
	im, err := PrepareImage(buf.Bytes(), ImageLimits{})
	if err != nil || im.MIME != "image/jpeg" || im.Width != 40 {
		t.Fatalf("%+v %v", im, err)
	}
	got, _ := jpeg.Decode(bytes.NewReader(im.Data))
	if r, _, _, _ := got.At(20, 10).RGBA(); r > 0x2000 {
		t.Fatalf("not the first (black) frame: r=%x", r)
	}
}

// bombPNG is a valid PNG header claiming w x h pixels with almost no data.
func bombPNG(t *testing.T, w, h int) []byte {
	data := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// IHDR width and height live at bytes 16..24; the CRC then no longer
	// matches, and png.DecodeConfig checks it: rebuild the chunk CRC.
	out := bytes.Clone(data)
	put32(out[16:], uint32(w))
	put32(out[20:], uint32(h))
	put32(out[29:], crc(out[12:29]))
	return out
}

func TestPrepareImageRefusals(t *testing.T) {
	big := encodePNG(t, screenshot(300, 300))
	for name, tc := range map[string]struct {
		data []byte
		lim  ImageLimits
		want Reason
	}{
		"over bytes":     {big, ImageLimits{MaxBytes: 100}, TooBig},
		"bomb header":    {bombPNG(t, 60000, 60000), ImageLimits{}, TooBig},
		"not an image":   {[]byte("%PDF-1.4 hello"), ImageLimits{}, Unsupported},
		"truncated png":  {big[:len(big)/2], ImageLimits{MaxSide: 100}, Unreadable},
		"garbage jpeg":   {[]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 2}, ImageLimits{}, Unreadable},
		"empty":          {nil, ImageLimits{}, Unsupported},
		"webp truncated": {[]byte("RIFF\x10\x00\x00\x00WEBPVP8 "), ImageLimits{}, Unreadable},
	} {
		_, err := PrepareImage(tc.data, tc.lim)
		if ReasonOf(err) != tc.want {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// TestBombRefusedBeforeDecoding: a header claiming 60000x60000 is refused
// without allocating its pixels.
func TestBombRefusedBeforeDecoding(t *testing.T) {
	data := bombPNG(t, 60000, 60000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := PrepareImage(data, ImageLimits{})
	runtime.ReadMemStats(&after)
	if ReasonOf(err) != TooBig {
		t.Fatal(err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes refusing a bomb", d)
	}
}

// BenchmarkScreenshot4000x3000 is the figure: one 4000x3000 PNG
// screenshot decoded, downscaled to 1540 px and re-encoded.
func BenchmarkScreenshot4000x3000(b *testing.B) {
	data := encodePNG(b, screenshot(4000, 3000))
	b.SetBytes(int64(len(data)))
	var im Image
	var peak uint64
	start := time.Now()
	for b.Loop() {
		var err error
		im, err = PrepareImage(data, ImageLimits{MaxBytes: 20 << 20})
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(len(data)), "bytes-in")
	b.ReportMetric(float64(len(im.DataURL())), "bytes-sent")
	b.ReportMetric(float64(peak)/(1<<20), "heap-inuse-MB")
	_ = start
}
