package bots

import (
	"mistralbot/bots/i18n"
	"mistralbot/bots/media"
	"mistralbot/llm"
)

// Image is an image attached to a message, checked, downscaled and
// encoded (bots/media), ready to go to the model as a content part.
type Image struct {
	// MIME is image/png or image/jpeg.
	MIME string
	// URL is the image as a data: URL. It stays out of JSON: the journal
	// (bots.JournalEntry) stores a question's message on every reply and
	// heartbeat, and a megabyte per image does not belong there; a
	// recovered reply answers without the image.
	URL string `json:"-"`
	// Width and Height are the pixels sent (after downscaling).
	Width, Height int
	// Bytes is the size of the encoded image sent.
	Bytes int
}

// FileRefusal says why an attached file was not given to the model.
type FileRefusal int

// Why a file was not read; each gives one notice line naming the file.
const (
	NotRefused FileRefusal = iota
	// RefusedTooBig: over bot.image_max_bytes, too many pixels, or a zip
	// that inflates past its bound.
	RefusedTooBig
	// RefusedUnsupported: a type the bot does not read.
	RefusedUnsupported
	// RefusedUnreadable: the download failed, or the bytes do not decode.
	RefusedUnreadable
	// RefusedEncrypted: a password-protected document.
	RefusedEncrypted
	// RefusedNoText: a document without text, such as a scanned PDF.
	RefusedNoText
)

// FileLimits bound what an adapter reads from one attached file.
type FileLimits struct {
	// ImageMaxBytes is the largest image or document fetched
	// (bot.image_max_bytes; default 10 MB).
	ImageMaxBytes int
	// TextMaxBytes is the most text kept from a document
	// (bot.attachment_max_bytes; default 100,000).
	TextMaxBytes int
	// MaxSide is the longest side of an image sent (default 1540, what
	// Mistral Small's encoder reads: llm.ImageMaxSide).
	MaxSide int
}

// WithDefaults fills the zero limits.
func (l FileLimits) WithDefaults() FileLimits {
	if l.ImageMaxBytes <= 0 {
		l.ImageMaxBytes = 10 << 20
	}
	if l.TextMaxBytes <= 0 {
		l.TextMaxBytes = 100_000
	}
	if l.MaxSide <= 0 {
		l.MaxSide = llm.ImageMaxSide("")
	}
	return l
}

// WantsBytes reports whether a file that is not plain text is worth
// downloading: an image or a document this bot reads, by its name and
// the platform's MIME type (the bytes decide afterwards).
func WantsBytes(name, mime string) bool {
	t := media.ByName(name, mime)
	return t.IsImage() || t.IsDocument()
}

// ReadFile turns the fetched bytes of an image or document into an
// Attachment: an Image, or a document's text (cut to TextMaxBytes with
// Truncated), or a Refused attachment saying why not. It never fails:
// every outcome is something to tell the asker.
func ReadFile(name string, data []byte, lim FileLimits) Attachment {
	lim = lim.WithDefaults()
	t := media.Sniff(data, name)
	switch {
	case t.IsImage():
		im, err := media.PrepareImage(data, media.ImageLimits{MaxBytes: lim.ImageMaxBytes, MaxSide: lim.MaxSide})
		if err != nil {
			return RefusedFile(name, refusalOf(err))
		}
		return Attachment{Name: name, Image: &Image{MIME: im.MIME, URL: im.DataURL(), Width: im.Width, Height: im.Height, Bytes: len(im.Data)}}
	case t.IsDocument():
		txt, err := media.ExtractText(data, t, media.DocLimits{MaxBytes: lim.ImageMaxBytes, MaxText: lim.TextMaxBytes})
		if err != nil {
			return RefusedFile(name, refusalOf(err))
		}
		return Attachment{Name: name, Text: txt.Text, Truncated: txt.Truncated}
	}
	return RefusedFile(name, RefusedUnsupported)
}

// RefusedFile is the attachment of a file that was not read.
func RefusedFile(name string, why FileRefusal) Attachment {
	return Attachment{Name: name, Refused: why}
}

func refusalOf(err error) FileRefusal {
	switch media.ReasonOf(err) {
	case media.TooBig:
		return RefusedTooBig
	case media.Unsupported:
		return RefusedUnsupported
	case media.Encrypted:
		return RefusedEncrypted
	case media.NoText:
		return RefusedNoText
	}
	return RefusedUnreadable
}

// refusalKey is the notice of a refusal.
func refusalKey(r FileRefusal) i18n.Key {
	switch r {
	case RefusedTooBig:
		return i18n.FileTooBig
	case RefusedUnsupported:
		return i18n.FileUnsupported
	case RefusedEncrypted:
		return i18n.FileEncrypted
	case RefusedNoText:
		return i18n.FileNoText
	}
	return i18n.FileUnreadable
}

// ImageTaker is the optional capability of the Completer that knows
// whether a model takes image input (*llm.Client: the live /models
// listing, refusals seen, the catalogue). A Completer without it is sent
// no images.
type ImageTaker interface {
	TakesImages(model string) bool
}

var _ ImageTaker = (*llm.Client)(nil)

// DefaultMaxImages is bot.max_images' default: images sent in one prompt.
const DefaultMaxImages = 4

// takesImages reports whether the channel's model takes images.
func (e *Engine) takesImages(model string) bool {
	it, ok := e.opts.LLM.(ImageTaker)
	return ok && it.TakesImages(model)
}

// maxImages is EngineOptions.MaxImages with its default; negative means
// none.
func (e *Engine) maxImages() int {
	switch n := e.opts.MaxImages; {
	case n < 0:
		return 0
	case n == 0:
		return DefaultMaxImages
	default:
		return n
	}
}

// imageTokens is an image's prompt cost on model, in raw estimate units
// (divided by the calibration ratio, as the budget is).
func imageTokens(model string, im *Image, ratio float64) int {
	n := llm.ImageTokens(model, im.Width, im.Height)
	if ratio <= 0 {
		return n
	}
	return int(float64(n)/ratio + 0.999)
}

// fileNotes returns the notices about the question's files: one line per
// file not read, and once, when the question had images the model did not
// see, why.
func (e *Engine) fileNotes(lang string, question Turn, p prompt) []string {
	var notes []string
	for _, a := range question.Attachments {
		if a.Refused != NotRefused {
			notes = append(notes, e.tr(lang, refusalKey(a.Refused), a.Name))
		}
	}
	if p.imagesOff {
		notes = append(notes, e.tr(lang, i18n.ImagesNotRead))
	} else if p.imagesCut > 0 {
		notes = append(notes, e.tr(lang, i18n.TooManyImages, e.maxImages()))
	}
	return notes
}

// turnImages picks the images of t to send within room (user turns
// only), with their cost; cut counts t's images left out.
func (e *Engine) turnImages(model string, t Turn, room int, ratio float64) (imgs []llm.Image, cost, cut int) {
	for _, a := range t.Attachments {
		if a.Image == nil || a.Image.URL == "" {
			continue
		}
		if t.Role != UserTurn || len(imgs) >= room {
			cut++
			continue
		}
		imgs = append(imgs, llm.Image{URL: a.Image.URL, Width: a.Image.Width, Height: a.Image.Height})
		cost += imageTokens(model, a.Image, ratio)
	}
	return imgs, cost, cut
}
