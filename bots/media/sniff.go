package media

import (
	"bytes"
	"path"
	"strings"
)

// Type is what a file is, by its bytes first and its name second.
type Type string

// The types this package reads.
const (
	PNG  Type = "image/png"
	JPEG Type = "image/jpeg"
	WebP Type = "image/webp"
	GIF  Type = "image/gif"
	PDF  Type = "application/pdf"
	DOCX Type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	PPTX Type = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	XLSX Type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// Other is anything else (text, code, or a type we do not read).
	Other Type = ""
)

// IsImage reports whether t is an image type this package decodes.
func (t Type) IsImage() bool { return t == PNG || t == JPEG || t == WebP || t == GIF }

// IsDocument reports whether t is a document whose text this package extracts.
func (t Type) IsDocument() bool { return t == PDF || t == DOCX || t == PPTX || t == XLSX }

// Sniff tells a file's type from its first bytes (magic numbers: PNG
// \x89PNG, JPEG FF D8 FF, RIFF....WEBP, GIF87a/GIF89a, %PDF-), and, for a
// zip (PK\x03\x04), from the Office extension of its name: DOCX, PPTX and
// XLSX are all zips, told apart by their parts, which ExtractText checks.
// The platform's MIME type is not trusted: it comes from the uploader.
func Sniff(head []byte, name string) Type {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return WebP
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		switch strings.ToLower(path.Ext(name)) {
		case ".docx":
			return DOCX
		case ".pptx":
			return PPTX
		case ".xlsx":
			return XLSX
		}
	}
	return Other
}

// ByName guesses a type from a file name alone, before any byte is
// fetched: it decides whether a file is worth downloading as an image or
// a document (the bytes then decide, Sniff).
func ByName(name, mime string) Type {
	switch strings.ToLower(mime) {
	case "image/png":
		return PNG
	case "image/jpeg", "image/jpg":
		return JPEG
	case "image/webp":
		return WebP
	case "image/gif":
		return GIF
	case string(PDF):
		return PDF
	case string(DOCX):
		return DOCX
	case string(PPTX):
		return PPTX
	case string(XLSX):
		return XLSX
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return PNG
	case ".jpg", ".jpeg":
		return JPEG
	case ".webp":
		return WebP
	case ".gif":
		return GIF
	case ".pdf":
		return PDF
	case ".docx":
		return DOCX
	case ".pptx":
		return PPTX
	case ".xlsx":
		return XLSX
	}
	return Other
}
