package media

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// TestDownscaleIsAreaAverage checks the integer scaler against area
// averaging done in float64: every output pixel within one level, for
// integer and fractional factors, one-pixel outputs and the identity.
func TestDownscaleIsAreaAverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := image.NewRGBA(image.Rect(0, 0, 97, 61))
	for i := range src.Pix {
		src.Pix[i] = uint8(rng.IntN(256))
	}
	for i := 3; i < len(src.Pix); i += 4 {
		src.Pix[i] = 255
	}
	for _, size := range [][2]int{{97, 61}, {48, 30}, {40, 25}, {13, 61}, {97, 7}, {1, 1}, {96, 60}, {33, 21}} {
		dw, dh := size[0], size[1]
		got := downscale(src, dw, dh)
		sx, sy := 97.0/float64(dw), 61.0/float64(dh)
		for oy := 0; oy < dh; oy++ {
			for ox := 0; ox < dw; ox++ {
				var sum [3]float64
				for y := 0; y < 61; y++ {
					wy := overlap(float64(y), float64(y+1), float64(oy)*sy, float64(oy+1)*sy)
					if wy == 0 {
						continue
					}
					for x := 0; x < 97; x++ {
						w := wy * overlap(float64(x), float64(x+1), float64(ox)*sx, float64(ox+1)*sx)
						c := src.RGBAAt(x, y)
						sum[0] += w * float64(c.R)
						sum[1] += w * float64(c.G)
						sum[2] += w * float64(c.B)
					}
				}
				c := got.RGBAAt(ox, oy)
				for i, v := range []uint8{c.R, c.G, c.B} {
					if want := sum[i] / (sx * sy); math.Abs(float64(v)-want) > 1 {
						t.Fatalf("%dx%d: pixel (%d,%d)[%d] is %d, area average %.2f", dw, dh, ox, oy, i, v, want)
					}
				}
				if c.A != 255 {
					t.Fatalf("alpha %d", c.A)
				}
			}
		}
	}
}

func overlap(a0, a1, b0, b1 float64) float64 { return max(0, min(a1, b1)-max(a0, b0)) }

// TestDownscaleKeepsFlatColour: the weights of every output pixel sum
// exactly, so a flat white (the worst case for overflow) or grey image
// stays exactly that colour at any factor, and transparency is white.
func TestDownscaleKeepsFlatColour(t *testing.T) {
	for _, c := range []color.NRGBA{{255, 255, 255, 255}, {77, 128, 3, 255}, {0, 0, 0, 0}} {
		src := image.NewNRGBA(image.Rect(0, 0, 2001, 1499))
		for i := 0; i < len(src.Pix); i += 4 {
			src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = c.R, c.G, c.B, c.A
		}
		want := c
		if c.A == 0 {
			want = color.NRGBA{255, 255, 255, 255}
		}
		got := downscale(src, 770, 577)
		for i := 0; i < len(got.Pix); i += 4 {
			if got.Pix[i] != want.R || got.Pix[i+1] != want.G || got.Pix[i+2] != want.B || got.Pix[i+3] != 255 {
				t.Fatalf("%v: pixel %d is %v", c, i/4, got.Pix[i:i+4])
			}
		}
	}
}

// TestRowReadersAgree: every fast path of rowReader gives what the
// generic color.Color path gives for the same picture (YCbCr within the
// rounding of two conversions).
func TestRowReadersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := image.Rect(3, 2, 40, 23) // an origin off zero, odd sizes
	nrgba := image.NewNRGBA(r)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(rng.IntN(256))
	}
	rgba := image.NewRGBA(r)
	gray := image.NewGray(r)
	pal := image.NewPaletted(r, color.Palette{color.Black, color.NRGBA{200, 10, 30, 128}, color.White})
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			rgba.Set(x, y, nrgba.At(x, y))
			gray.Set(x, y, nrgba.At(x, y))
			pal.SetColorIndex(x, y, uint8(rng.IntN(3)))
		}
	}
	ims := []image.Image{nrgba, rgba, gray, pal}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio411} {
		yc := image.NewYCbCr(r, ratio)
		for i := range yc.Y {
			yc.Y[i] = uint8(rng.IntN(256))
		}
		for i := range yc.Cb {
			yc.Cb[i], yc.Cr[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		}
		ims = append(ims, yc)
	}
	for _, im := range ims {
		fast := make([]uint8, 3*r.Dx())
		slow := make([]uint8, 3*r.Dx())
		for y := r.Min.Y; y < r.Max.Y; y++ {
			rowReader(im)(y, fast)
			rowReader(generic{im})(y, slow)
			for i := range fast {
				if d := int(fast[i]) - int(slow[i]); d > 1 || d < -1 {
					t.Fatalf("%T row %d byte %d: %d, generic %d", im, y, i, fast[i], slow[i])
				}
			}
		}
	}
}

// generic hides an image's type, so rowReader takes the color.Color path.
type generic struct{ image.Image }
