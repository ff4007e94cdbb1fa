package media

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// downscale returns src reduced to w x h, flattened onto white.
//
// x/image/draw's kernel scalers (BiLinear, CatmullRom) are two-pass and
// allocate a dst-width x src-height [4]float64 buffer: 148 MB for a
// 4000x3000 screenshot to 1540 px, more than the image itself. So the
// reduction is in two steps: an integer box filter (each output pixel
// the mean of a k x k block, the ideal filter for an integer factor: thin
// text strokes fade rather than vanish), streaming one source row at a
// time into a row of sums, then draw.ApproxBiLinear for the remaining
// factor, which is below 2, where sampling 2x2 neighbours loses little.
func downscale(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	k := min(b.Dx()/w, b.Dy()/h)
	var mid *image.RGBA
	if k >= 2 {
		mid = boxReduce(src, k)
	} else {
		mid = flatten(src)
	}
	return finish(mid, w, h)
}

// flatten copies src onto a white RGBA canvas of its size.
func flatten(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	return dst
}

// boxReduce averages k x k blocks of src (alpha flattened onto white).
func boxReduce(src image.Image, k int) *image.RGBA {
	b := src.Bounds()
	y := b.Min.Y
	dst, _ := boxRows(b.Dx(), b.Dy(), k, func(row []uint8) ([]uint8, error) {
		defer func() { y++ }()
		if rgba, ok := srcRGBA(src, y); ok {
			return rgba, nil // read in place: no copy of the row
		}
		readRow(src, y, row)
		return row, nil
	})
	return dst
}

// boxRows averages k x k blocks of a w x h image whose rows next returns
// in order, top first, as premultiplied RGBA (it may fill the row it is
// given, or return its own). Only one source row is held at a time.
func boxRows(w, h, k int, next func(row []uint8) ([]uint8, error)) (*image.RGBA, error) {
	ow, oh := w/k, h/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	row := make([]uint8, 4*w)
	sums := make([]uint32, 3*ow)
	n := uint32(k * k)
	for oy := 0; oy < oh; oy++ {
		clear(sums)
		for dy := 0; dy < k; dy++ {
			src, err := next(row)
			if err != nil {
				return nil, err
			}
			i := 0
			for ox := 0; ox < ow; ox++ {
				var r, g, bl uint32
				for e := i + 4*k; i < e; i += 4 {
					p := src[i : i+4 : i+4]
					w := 255 - uint32(p[3]) // premultiplied over white
					r += uint32(p[0]) + w
					g += uint32(p[1]) + w
					bl += uint32(p[2]) + w
				}
				s := sums[3*ox : 3*ox+3 : 3*ox+3]
				s[0] += r
				s[1] += g
				s[2] += bl
			}
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := 0; ox < ow; ox++ {
			out[4*ox] = uint8(sums[3*ox] / n)
			out[4*ox+1] = uint8(sums[3*ox+1] / n)
			out[4*ox+2] = uint8(sums[3*ox+2] / n)
			out[4*ox+3] = 255
		}
	}
	return dst, nil
}

// finish scales a box-reduced image to w x h (draw.ApproxBiLinear, for a
// factor below 2), or returns it when it has that size already.
func finish(mid *image.RGBA, w, h int) *image.RGBA {
	if mid.Bounds().Dx() == w && mid.Bounds().Dy() == h {
		return mid
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), mid, mid.Bounds(), draw.Src, nil)
	return dst
}

// readRow writes row y of src into row as opaque RGBA, alpha composited
// onto white, with fast paths for what the decoders return.
func readRow(src image.Image, y int, row []uint8) {
	b := src.Bounds()
	switch im := src.(type) {
	case *image.RGBA: // premultiplied: c + (255 - a) is "over white"
		px := im.Pix[im.PixOffset(b.Min.X, y):]
		for i := 0; i < 4*b.Dx(); i += 4 {
			a := 255 - px[i+3]
			row[i], row[i+1], row[i+2], row[i+3] = px[i]+a, px[i+1]+a, px[i+2]+a, 255
		}
	case *image.NRGBA:
		px := im.Pix[im.PixOffset(b.Min.X, y):]
		for i := 0; i < 4*b.Dx(); i += 4 {
			a := uint32(px[i+3])
			for c := 0; c < 3; c++ {
				row[i+c] = uint8((uint32(px[i+c])*a + 255*(255-a)) / 255)
			}
			row[i+3] = 255
		}
	case *image.YCbCr:
		for x := 0; x < b.Dx(); x++ {
			yi, ci := im.YOffset(b.Min.X+x, y), im.COffset(b.Min.X+x, y)
			row[4*x], row[4*x+1], row[4*x+2] = color.YCbCrToRGB(im.Y[yi], im.Cb[ci], im.Cr[ci])
			row[4*x+3] = 255
		}
	case *image.Gray:
		px := im.Pix[im.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = px[x], px[x], px[x], 255
		}
	default:
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, a := src.At(b.Min.X+x, y).RGBA()
			w := 0xffff - a
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8((r+w)>>8), uint8((g+w)>>8), uint8((bl+w)>>8), 255
		}
	}
}

// srcRGBA returns row y of an *image.RGBA in place.
func srcRGBA(src image.Image, y int) ([]uint8, bool) {
	im, ok := src.(*image.RGBA)
	if !ok {
		return nil, false
	}
	o := im.PixOffset(im.Rect.Min.X, y)
	return im.Pix[o : o+4*im.Rect.Dx()], true
}
