package bots

import (
	"path"
	"strings"

	"mistralbot/bots/media"
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
	// RefusedAudio: a voice note or audio file (Slack audio clips,
	// Discord voice messages): not transcribed, said so in its own words.
	RefusedAudio
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
	// Mistral Small's encoder reads: DefaultImageMaxSide).
	MaxSide int
	// KeepScans keeps the bytes of a scanned PDF (Attachment.Scan) for
	// the Engine's OCR; set only when OCR is on (bot.pdf_ocr), since an
	// adapter's file cache then holds them.
	KeepScans bool
	// KeepAudio has adapters fetch voice notes and audio files (within
	// ImageMaxBytes) for the Engine's transcription; set only when
	// bot.voice_notes is on: otherwise audio is never downloaded.
	KeepAudio bool
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
		l.MaxSide = DefaultImageMaxSide
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

// Unwanted is the refusal of a file WantsBytes turned down: RefusedAudio
// for a voice note or audio file (by MIME type: Discord voice messages
// are audio/ogg, Slack audio clips audio/mp4 or audio/webm; or by
// extension), else RefusedUnsupported.
func Unwanted(name, mime string) FileRefusal {
	if isAudio(name, mime) {
		return RefusedAudio
	}
	return RefusedUnsupported
}

func isAudio(name, mime string) bool {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(mime)), "audio/") {
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".wav", ".flac", ".aac":
		return true
	}
	return false
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
			a := RefusedFile(name, refusalOf(err))
			if lim.KeepScans && a.Refused == RefusedNoText && t == media.PDF && len(data) <= lim.ImageMaxBytes {
				a.Scan = data // for OCR, when enabled (bots.OCR)
			}
			return a
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

// DefaultMaxImages is bot.max_images' default: images sent in one prompt.
const DefaultMaxImages = 4
