package media

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// ImageLimits bound the work done on one image.
type ImageLimits struct {
	// MaxBytes is the largest file accepted (bot.image_max_bytes).
	MaxBytes int
	// MaxPixels is the largest width*height decoded, read from the header
	// before any pixel is: a 100x100 PNG may claim 60000x60000 and
	// inflate to gigabytes. Default 40 million (a 4000x3000 screenshot is
	// 12 million; its RGBA decode takes 48 MB).
	MaxPixels int
	// MaxSide is the longest side sent; larger images are downscaled
	// (llm.ImageMaxSide: the provider would resize them anyway).
	MaxSide int
	// Quality is the JPEG quality of a re-encoded image (default 85).
	Quality int
}

func (l ImageLimits) withDefaults() ImageLimits {
	if l.MaxPixels <= 0 {
		l.MaxPixels = 40_000_000
	}
	if l.MaxSide <= 0 {
		l.MaxSide = 1540
	}
	if l.Quality <= 0 {
		l.Quality = 85
	}
	return l
}

// Image is an image ready to send.
type Image struct {
	// MIME is image/png or image/jpeg: what Data holds.
	MIME string
	Data []byte
	// Width and Height are Data's pixels; SourceWidth and SourceHeight
	// the file's, before downscaling.
	Width, Height             int
	SourceWidth, SourceHeight int
}

// DataURL returns the image as a base64 data: URL.
func (im Image) DataURL() string {
	return "data:" + im.MIME + ";base64," + base64.StdEncoding.EncodeToString(im.Data)
}

// PrepareImage checks and converts one image file: its type from its
// bytes (PNG, JPEG, WebP, GIF: the first frame), its size against the
// limits, its pixel count from the header before decoding, then a
// downscale to MaxSide (downscale: area averaging) and a re-encode as
// JPEG. A PNG or JPEG already small enough is sent as it is. Errors are
// *Error.
func PrepareImage(data []byte, lim ImageLimits) (Image, error) {
	lim = lim.withDefaults()
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return Image{}, refuse(TooBig, "%d bytes, limit %d", len(data), lim.MaxBytes)
	}
	t := Sniff(data, "")
	if !t.IsImage() {
		return Image{}, refuse(Unsupported, "not a PNG, JPEG, WebP or GIF image")
	}
	cfg, err := decodeConfig(t, data)
	if err != nil {
		return Image{}, &Error{Reason: Unreadable, Detail: string(t), Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Image{}, refuse(Unreadable, "%s: empty image", t)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return Image{}, refuse(TooBig, "%dx%d pixels, limit %d", cfg.Width, cfg.Height, lim.MaxPixels)
	}
	w, h := fit(cfg.Width, cfg.Height, lim.MaxSide)
	if (t == PNG || t == JPEG) && w == cfg.Width && h == cfg.Height {
		return Image{MIME: string(t), Data: data, Width: w, Height: h, SourceWidth: w, SourceHeight: h}, nil
	}
	// Flattened onto white: JPEG has no alpha, and a transparent
	// screenshot on black would hide dark text.
	var dst *image.RGBA
	if t == PNG {
		// A large PNG is reduced as it inflates (streamPNG): the full-size
		// image is never in memory.
		var err error
		dst, err = streamPNG(data, w, h)
		if err != nil && !errors.Is(err, errNotStreamable) {
			return Image{}, &Error{Reason: Unreadable, Detail: string(t), Err: err}
		}
	}
	if dst == nil {
		src, err := decode(t, data)
		if err != nil {
			return Image{}, &Error{Reason: Unreadable, Detail: string(t), Err: err}
		}
		dst = downscale(src, w, h)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, dst, &jpeg.Options{Quality: lim.Quality}); err != nil {
		return Image{}, &Error{Reason: Unreadable, Detail: "encode", Err: err}
	}
	return Image{MIME: string(JPEG), Data: b.Bytes(), Width: w, Height: h, SourceWidth: cfg.Width, SourceHeight: cfg.Height}, nil
}

// fit returns w x h scaled down so the longer side is at most side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(int(int64(h)*int64(side)/int64(w)), 1)
	}
	return max(int(int64(w)*int64(side)/int64(h)), 1), side
}

// codec is how one image type is read: its header, or the whole image.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// codecs are the image types read; anything else was sniffed as a GIF.
// gif.Decode reads only the first frame, never the animation.
var codecs = map[Type]codec{
	PNG:  {png.DecodeConfig, png.Decode},
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	WebP: {webp.DecodeConfig, webp.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode},
}

func codecOf(t Type) codec {
	if c, ok := codecs[t]; ok {
		return c
	}
	return codecs[GIF]
}

func decodeConfig(t Type, data []byte) (image.Config, error) {
	return codecOf(t).config(bytes.NewReader(data))
}

// decode decodes the whole image; for a GIF only its first frame.
func decode(t Type, data []byte) (image.Image, error) {
	return codecOf(t).decode(bytes.NewReader(data))
}
