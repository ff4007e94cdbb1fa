package media

import (
	"bytes"
	"compress/lzw"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"io"

	tifflzw "golang.org/x/image/tiff/lzw"
)

// Stream filters (ISO 32000-1, 7.4), every one within the document's
// inflate budget.

// streamBytes decodes a stream's filters within the inflate budget,
// keeping the result under the object number n (n < 0: not kept).
func (d *pdfDoc) streamBytes(n int64, s *pdfStream) ([]byte, error) {
	if b, ok := d.decoded[n]; ok && n >= 0 {
		return b, nil
	}
	b := s.raw
	filters := d.resolve(s.dict["Filter"])
	parms := d.resolve(s.dict["DecodeParms"])
	var fs pdfArray
	var ps pdfArray
	switch f := filters.(type) {
	case pdfName:
		fs = pdfArray{f}
		ps = pdfArray{parms}
	case pdfArray:
		fs = f
		ps, _ = parms.(pdfArray)
	}
	for i, f := range fs {
		var p pdfDict
		if i < len(ps) {
			p, _ = d.resolve(ps[i]).(pdfDict)
		}
		var err error
		switch d.resolve(f) {
		case pdfName("FlateDecode"), pdfName("Fl"):
			b, err = d.flate(b, p)
		case pdfName("ASCIIHexDecode"), pdfName("AHx"):
			b = []byte((&lexer{b: append(append([]byte("<"), b...), '>')}).hex())
		case pdfName("ASCII85Decode"), pdfName("A85"):
			b, err = d.decodeA85(b)
		case pdfName("LZWDecode"), pdfName("LZW"):
			b, err = d.lzw(b, p)
		case pdfName("RunLengthDecode"), pdfName("RL"):
			b, err = d.runLength(b)
		default:
			// DCT, JPX, JBIG2, CCITT: images, never text.
			err = errors.New("unsupported filter")
		}
		if err != nil {
			return nil, err
		}
	}
	if n >= 0 {
		d.decoded[n] = b
	}
	return b, nil
}

// flate inflates within the budget; a stream cut short or with a bad
// checksum keeps what inflated, as readers do (truncated uploads).
func (d *pdfDoc) flate(b []byte, parms pdfDict) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := d.charge(zr)
	if err != nil {
		return nil, err
	}
	if pred, _ := parms["Predictor"].(int64); pred >= 10 {
		return unpredict(out, parms)
	}
	return out, nil
}

// lzw decodes LZWDecode (7.4.4): codes of 9 to 12 bits, most significant
// bit first, 256 the clear code and 257 the end. With EarlyChange 1 (the
// default) the code width grows one code early, the variant TIFF uses:
// golang.org/x/image/tiff/lzw decodes that one ("off by one", its package
// comment), compress/lzw the EarlyChange 0 one.
func (d *pdfDoc) lzw(b []byte, parms pdfDict) ([]byte, error) {
	var r io.ReadCloser
	if early, ok := parms["EarlyChange"].(int64); ok && early == 0 {
		r = lzw.NewReader(bytes.NewReader(b), lzw.MSB, 8)
	} else {
		r = tifflzw.NewReader(bytes.NewReader(b), tifflzw.MSB, 8)
	}
	defer r.Close()
	out, err := d.charge(r)
	if err != nil {
		return nil, err
	}
	if pred, _ := parms["Predictor"].(int64); pred >= 10 {
		return unpredict(out, parms)
	}
	return out, nil
}

// runLength decodes RunLengthDecode (7.4.5), within the budget: a length
// byte n then n+1 bytes to copy (n < 128), or one byte repeated 257-n
// times (n > 128); 128 ends the data. Data cut short keeps what decoded.
func (d *pdfDoc) runLength(b []byte) ([]byte, error) {
	var out []byte
	for i := 0; i < len(b); {
		n := int(b[i])
		i++
		var add int
		switch {
		case n == 128:
			i = len(b)
			continue
		case n < 128:
			add = min(n+1, len(b)-i)
		default:
			add = 257 - n
			if i >= len(b) {
				add = 0
			}
		}
		if int64(len(out)+add) > d.inflate.left {
			return nil, errPDFTooBig
		}
		if n < 128 {
			out = append(out, b[i:i+add]...)
			i += add
		} else if add > 0 {
			for range add {
				out = append(out, b[i])
			}
			i++
		}
	}
	d.inflate.left -= int64(len(out))
	return out, nil
}

// unpredict reverses PNG predictors (7.4.4.4, predictor >= 10: each row
// starts with its PNG filter type byte).
func unpredict(b []byte, parms pdfDict) ([]byte, error) {
	cols, colors, bpc := int64(1), int64(1), int64(8)
	if v, ok := parms["Columns"].(int64); ok {
		cols = v
	}
	if v, ok := parms["Colors"].(int64); ok {
		colors = v
	}
	if v, ok := parms["BitsPerComponent"].(int64); ok {
		bpc = v
	}
	if cols <= 0 || cols > 1<<20 || colors <= 0 || colors > 32 || bpc <= 0 || bpc > 16 {
		return nil, errors.New("bad predictor parameters")
	}
	bpp := int(max(1, colors*bpc/8))
	stride := int((cols*colors*bpc + 7) / 8)
	var out []byte
	prev := make([]byte, stride)
	for len(b) >= 1+stride {
		row := b[1 : 1+stride]
		if err := unfilter(b[0], row, prev, bpp); err != nil {
			return nil, err
		}
		out = append(out, row...)
		prev = row
		b = b[1+stride:]
	}
	return out, nil
}

// decodeA85 decodes ASCII base-85 up to its "~>" end marker (7.4.3),
// within the budget: "z" stands for four zero bytes, so the output can
// be four times the input.
func (d *pdfDoc) decodeA85(b []byte) ([]byte, error) {
	if i := bytes.Index(b, []byte("~>")); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimPrefix(bytes.TrimSpace(b), []byte("<~"))
	return d.charge(ascii85.NewDecoder(bytes.NewReader(b)))
}

// charge reads r to its end within the inflate budget; an error after
// some output keeps that output, as readers do with truncated uploads.
func (d *pdfDoc) charge(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, d.inflate.left+1))
	if int64(len(out)) > d.inflate.left {
		return nil, errPDFTooBig
	}
	d.inflate.left -= int64(len(out))
	if err != nil && len(out) == 0 {
		return nil, err
	}
	return out, nil
}
