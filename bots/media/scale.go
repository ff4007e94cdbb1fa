package media

import (
	"image"
	"image/color"
)

// downscale returns src reduced to w x h, flattened onto white.
//
// One pass of area averaging (each output pixel the mean of the source
// area it covers, partial pixels at its edges weighted by their
// coverage: the ideal filter for shrinking, thin text strokes fade
// rather than vanish), fed one source row at a time. Earlier versions
// box-reduced by an integer factor and then ran x/image/draw's
// ApproxBiLinear on the result: a second pass over a 12 MB intermediate
// image, through its generic per-pixel code, and a coarser filter for
// the remaining factor. x/image/draw's kernel scalers (BiLinear,
// CatmullRom) are no option either: they allocate a dst-width x
// src-height [4]float64 buffer, 148 MB for a 4000x3000 screenshot.
func downscale(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	s := newScaler(b.Dx(), b.Dy(), w, h)
	row := make([]uint8, 3*b.Dx())
	read := rowReader(src)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		read(y, row)
		s.add(row)
	}
	return s.dst
}

// span is the source pixels of one output column: the first one (i0,
// weight w0), n whole ones after it, then the last one (weight w1, 0 when
// there is none).
type span struct {
	i0, n  int32
	w0, w1 uint32
}

// scaler shrinks sw x sh opaque RGB rows (3 bytes a pixel) to dw x dh
// by area averaging, in integer arithmetic. Horizontally, in units where
// a source pixel is dw wide and an output pixel sw, the weights of one
// output pixel sum to sw exactly and its whole pixels share one weight
// (so they are summed with adds alone); the sum is brought to 8
// fractional bits by a reciprocal multiply. Vertically, a source row's
// share of an output row is in 1/2^15ths, taken as differences of
// rounded cumulative positions so that the shares of one output row sum
// to exactly 2^15: no row can overflow 255, and acc, at most
// 65280 * 2^15, fits a uint32.
type scaler struct {
	sw, sh, dw, dh int
	xs             []span
	rh             uint64 // 2^40 / sw: hsum * rh >> 32 is hsum/sw in 8.8 fixed point
	hrow, acc      []uint32
	sy, oy         int
	dst            *image.RGBA
}

const vbits = 15

func newScaler(sw, sh, dw, dh int) *scaler {
	s := &scaler{
		sw: sw, sh: sh, dw: dw, dh: dh,
		xs:   make([]span, dw),
		rh:   (1 << 40) / uint64(sw),
		hrow: make([]uint32, 3*dw),
		acc:  make([]uint32, 3*dw),
		dst:  image.NewRGBA(image.Rect(0, 0, dw, dh)),
	}
	for x := range s.xs {
		a, e := x*sw, (x+1)*sw
		i0 := a / dw
		sp := span{i0: int32(i0), w0: uint32(min((i0+1)*dw, e) - a)}
		if last := (e - 1) / dw; last > i0 {
			sp.n = int32(last - i0 - 1)
			sp.w1 = uint32(e - last*dw)
		}
		s.xs[x] = sp
	}
	return s
}

// add takes the next source row (3*sw bytes, top row first).
func (s *scaler) add(p []uint8) {
	if s.oy >= s.dh {
		return
	}
	s.horizontal(p)
	top, bot := s.sy*s.dh, (s.sy+1)*s.dh
	s.sy++
	for {
		start := s.oy * s.sh
		end := start + s.sh
		lo, hi := max(top, start)-start, min(bot, end)-start
		if w := s.share(hi) - s.share(lo); w > 0 {
			acc := s.acc[:len(s.hrow)]
			for i, v := range s.hrow {
				acc[i] += v * w
			}
		}
		if bot < end {
			return
		}
		s.emit()
		s.oy++
		if bot == end || s.oy >= s.dh {
			return
		}
	}
}

// share is the cumulative vertical weight at u units into an output row.
func (s *scaler) share(u int) uint32 {
	return uint32((uint64(u) << vbits) / uint64(s.sh))
}

// horizontal resamples one source row into hrow (8.8 fixed point).
func (s *scaler) horizontal(p []uint8) {
	dw := uint64(s.dw)
	h := s.hrow[:3*len(s.xs)]
	for x, sp := range s.xs {
		i := 3 * int(sp.i0)
		q := p[i : i+3 : i+3]
		w0 := uint64(sp.w0)
		r, g, b := w0*uint64(q[0]), w0*uint64(q[1]), w0*uint64(q[2])
		var ir, ig, ib uint32
		i += 3
		for e := i + 3*int(sp.n); i < e; i += 3 {
			q := p[i : i+3 : i+3]
			ir += uint32(q[0])
			ig += uint32(q[1])
			ib += uint32(q[2])
		}
		r += dw * uint64(ir)
		g += dw * uint64(ig)
		b += dw * uint64(ib)
		if sp.w1 != 0 {
			q := p[i : i+3 : i+3]
			w1 := uint64(sp.w1)
			r += w1 * uint64(q[0])
			g += w1 * uint64(q[1])
			b += w1 * uint64(q[2])
		}
		o := h[3*x : 3*x+3 : 3*x+3]
		o[0] = uint32(r * s.rh >> 32)
		o[1] = uint32(g * s.rh >> 32)
		o[2] = uint32(b * s.rh >> 32)
	}
}

// emit writes the finished output row oy and clears the accumulator.
func (s *scaler) emit() {
	out := s.dst.Pix[s.oy*s.dst.Stride:]
	const half = 1 << (vbits + 8 - 1)
	for x := 0; x < s.dw; x++ {
		a := s.acc[3*x : 3*x+3 : 3*x+3]
		o := out[4*x : 4*x+4 : 4*x+4]
		o[0] = uint8(min((a[0]+half)>>(vbits+8), 255))
		o[1] = uint8(min((a[1]+half)>>(vbits+8), 255))
		o[2] = uint8(min((a[2]+half)>>(vbits+8), 255))
		o[3] = 255
	}
	clear(s.acc)
}

// overWhite is c at alpha a (not premultiplied) composited onto white:
// (c*a + 255*(255-a)) / 255, the division done as
// (v + 1 + v>>8) >> 8, exact for v < 65535.
func overWhite(c, a uint32) uint8 {
	v := c*a + 255*(255-a)
	return uint8((v + 1 + v>>8) >> 8)
}

// rowReader returns a function writing row y of src into row as opaque
// RGB (3 bytes a pixel), alpha composited onto white, with fast paths
// for the types the decoders return (image/png: RGBA, NRGBA, Gray,
// Paletted; image/jpeg and x/image/webp: YCbCr), so no pixel goes
// through the color.Color interface unless the type is unusual.
func rowReader(src image.Image) func(y int, row []uint8) {
	b := src.Bounds()
	n := b.Dx()
	switch im := src.(type) {
	case *image.RGBA: // premultiplied: c + (255 - a) is "over white"
		return func(y int, row []uint8) {
			px := im.Pix[im.PixOffset(b.Min.X, y):]
			for x := 0; x < n; x++ {
				p := px[4*x : 4*x+4 : 4*x+4]
				a := 255 - p[3]
				row[3*x], row[3*x+1], row[3*x+2] = p[0]+a, p[1]+a, p[2]+a
			}
		}
	case *image.NRGBA:
		return func(y int, row []uint8) {
			px := im.Pix[im.PixOffset(b.Min.X, y):]
			for x := 0; x < n; x++ {
				p := px[4*x : 4*x+4 : 4*x+4]
				a := uint32(p[3])
				row[3*x], row[3*x+1], row[3*x+2] = overWhite(uint32(p[0]), a), overWhite(uint32(p[1]), a), overWhite(uint32(p[2]), a)
			}
		}
	case *image.YCbCr:
		// Chroma is subsampled horizontally by 2 (4:2:0, 4:2:2), 4 (4:1:1,
		// 4:1:0) or not at all (4:4:4, 4:4:0): image.YCbCr.COffset.
		hx := 1
		switch im.SubsampleRatio {
		case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422:
			hx = 2
		case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
			hx = 4
		}
		return func(y int, row []uint8) {
			yi, c0 := im.YOffset(b.Min.X, y), im.COffset(b.Min.X, y)
			for x := 0; x < n; x++ {
				ci := c0 + (b.Min.X+x)/hx - b.Min.X/hx
				row[3*x], row[3*x+1], row[3*x+2] = color.YCbCrToRGB(im.Y[yi+x], im.Cb[ci], im.Cr[ci])
			}
		}
	case *image.Gray:
		return func(y int, row []uint8) {
			px := im.Pix[im.PixOffset(b.Min.X, y):]
			for x := 0; x < n; x++ {
				row[3*x], row[3*x+1], row[3*x+2] = px[x], px[x], px[x]
			}
		}
	case *image.Paletted:
		var lut [256][3]uint8 // an index past the palette reads as black
		for i, c := range im.Palette[:min(len(im.Palette), 256)] {
			r, g, bl, a := c.RGBA()
			w := 0xffff - a
			lut[i] = [3]uint8{uint8((r + w) >> 8), uint8((g + w) >> 8), uint8((bl + w) >> 8)}
		}
		return func(y int, row []uint8) {
			px := im.Pix[im.PixOffset(b.Min.X, y):]
			for x := 0; x < n; x++ {
				c := lut[px[x]]
				row[3*x], row[3*x+1], row[3*x+2] = c[0], c[1], c[2]
			}
		}
	}
	return func(y int, row []uint8) {
		for x := 0; x < n; x++ {
			r, g, bl, a := src.At(b.Min.X+x, y).RGBA()
			w := 0xffff - a
			row[3*x], row[3*x+1], row[3*x+2] = uint8((r+w)>>8), uint8((g+w)>>8), uint8((bl+w)>>8)
		}
	}
}
