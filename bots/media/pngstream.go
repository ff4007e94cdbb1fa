package media

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"io"
)

// errNotStreamable: a PNG the streaming path does not handle (interlaced,
// palette, 16-bit, ...); the standard decoder takes it.
var errNotStreamable = errors.New("png: not streamable")

// streamPNG downscales a PNG to w x h while inflating it, one row at a
// time, without ever holding the full-size image: image/png would
// allocate all of it (48 MB for a 4000x3000 screenshot) before the
// reduction, and convert it to its own type first. It handles what screenshots are, non-interlaced 8-bit gray,
// gray+alpha, RGB and RGBA (PNG spec, 11.2.2 IHDR, and 9 filtering); any
// other PNG returns errNotStreamable. Chunk CRCs are not checked (zlib's
// Adler-32 still catches corrupt image data).
func streamPNG(data []byte, dw, dh int) (*image.RGBA, error) {
	if len(data) < 33 || !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errNotStreamable
	}
	p := data[8:]
	var w, h int
	var channels int
	var idat []io.Reader
	for len(p) >= 12 {
		n := binary.BigEndian.Uint32(p[:4])
		typ := string(p[4:8])
		if uint64(n)+12 > uint64(len(p)) {
			return nil, errors.New("png: chunk past the end")
		}
		body := p[8 : 8+n]
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, errors.New("png: bad IHDR")
			}
			w, h = int(binary.BigEndian.Uint32(body[0:4])), int(binary.BigEndian.Uint32(body[4:8]))
			depth, ctype, interlace := body[8], body[9], body[12]
			channels = map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[ctype]
			if depth != 8 || interlace != 0 || channels == 0 || body[10] != 0 || body[11] != 0 {
				return nil, errNotStreamable
			}
		case "PLTE", "tRNS":
			return nil, errNotStreamable // transparency keys and palettes: the standard decoder
		case "IDAT":
			idat = append(idat, bytes.NewReader(body))
		}
		p = p[12+n:]
		if typ == "IEND" {
			break
		}
	}
	if w <= 0 || h <= 0 || len(idat) == 0 || dw <= 0 || dh <= 0 || dw > w || dh > h {
		return nil, errNotStreamable
	}
	zr, err := zlib.NewReader(io.MultiReader(idat...))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	stride := w * channels
	rows := inflateRows(zr, 1+stride, h)
	defer rows.stop()
	prev := make([]uint8, 1+stride) // the row above the first: zeros (PNG spec, 9.2)
	var rgb []uint8
	if channels != 3 {
		rgb = make([]uint8, 3*w)
	}
	s := newScaler(w, h, dw, dh)
	last := make([]uint8, 0, 1+stride)
	for b := range rows.full {
		if b.err != nil {
			return nil, b.err // truncated or corrupt data: nothing to scale
		}
		for i := 0; i < b.n; i++ {
			cur := b.raw[i*(1+stride) : (i+1)*(1+stride)]
			if err := unfilter(cur[0], cur[1:], prev[1:], channels); err != nil {
				return nil, err
			}
			if channels == 3 {
				s.add(cur[1:]) // RGB already: read in place
			} else {
				toRGB(cur[1:], rgb, channels)
				s.add(rgb)
			}
			prev = cur
		}
		// The batch's buffer goes back to the inflater: the last row,
		// the next row's "previous", is kept in a buffer of its own.
		prev = append(last[:0], prev...)
		rows.free <- b.raw
	}
	return s.dst, nil
}

// rowsPerBatch: rows inflated before a hand-over to the scaling side.
// One channel send per 32 rows (94 for a 3000-row screenshot) instead of
// one per row keeps the synchronisation cost out of the profile.
const rowsPerBatch = 32

// rowBatch is n raw (still filtered) rows, and the error that ended the
// inflation after them, if any.
type rowBatch struct {
	raw []uint8
	n   int
	err error
}

// rowPipe inflates on its own goroutine while the caller unfilters and
// scales: inflating is about two thirds of the work (issue 15's profile
// of a 3.4 MB screenshot: 65 ms of ~90), so on a machine with a second
// core the scaling costs no wall time. Three buffers circulate: one
// being filled, one being scaled, one spare.
type rowPipe struct {
	full chan rowBatch
	free chan []uint8
	done chan struct{}
}

func inflateRows(r io.Reader, rowLen, h int) *rowPipe {
	p := &rowPipe{
		full: make(chan rowBatch, 2),
		free: make(chan []uint8, 3),
		done: make(chan struct{}),
	}
	for range 3 {
		p.free <- make([]uint8, rowsPerBatch*rowLen)
	}
	go func() {
		defer close(p.full)
		for y := 0; y < h; y += rowsPerBatch {
			var buf []uint8
			select {
			case buf = <-p.free:
			case <-p.done:
				return
			}
			n := min(rowsPerBatch, h-y)
			_, err := io.ReadFull(r, buf[:n*rowLen])
			select {
			case p.full <- rowBatch{raw: buf, n: n, err: err}:
			case <-p.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// stop ends the inflater early (an unfilter error) and waits for it, so
// the zlib reader is not read after the caller closed it.
func (p *rowPipe) stop() {
	close(p.done)
	for range p.full {
	}
}

// unfilter reverses a row's filter in place (PNG spec, 9.2).
func unfilter(f uint8, cur, prev []uint8, bpp int) error {
	switch f {
	case 0:
	case 1: // Sub
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2: // Up
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3: // Average
		for i := 0; i < bpp; i++ {
			cur[i] += prev[i] / 2
		}
		for i := bpp; i < len(cur); i++ {
			cur[i] += uint8((int(cur[i-bpp]) + int(prev[i])) / 2)
		}
	case 4: // Paeth
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return errors.New("png: bad filter type")
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// toRGB converts one row of gray, gray+alpha or RGBA (not
// premultiplied, PNG spec 12.4) to opaque RGB over white.
func toRGB(src, dst []uint8, channels int) {
	switch channels {
	case 4:
		for i, j := 0, 0; i+3 < len(src); i, j = i+4, j+3 {
			a := uint32(src[i+3])
			dst[j], dst[j+1], dst[j+2] = overWhite(uint32(src[i]), a), overWhite(uint32(src[i+1]), a), overWhite(uint32(src[i+2]), a)
		}
	case 2:
		for i, j := 0, 0; i+1 < len(src); i, j = i+2, j+3 {
			v := overWhite(uint32(src[i]), uint32(src[i+1]))
			dst[j], dst[j+1], dst[j+2] = v, v, v
		}
	default:
		for i, v := range src {
			dst[3*i], dst[3*i+1], dst[3*i+2] = v, v, v
		}
	}
}
