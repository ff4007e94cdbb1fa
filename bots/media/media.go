// Package media turns the bytes of an attached file into what a prompt
// can carry: an image checked, bounded and downscaled to a data: URL, or
// the text of an Office document or PDF. It does no I/O beyond the bytes
// it is handed and starts no goroutines; every decoder is bounded before
// it runs (pixel count from the header, zip entry count and uncompressed
// bytes, PDF size), so no file can make it hang, panic or blow memory.
package media

import (
	"errors"
	"fmt"
)

// Reason says why a file was not read.
type Reason int

// Reasons a file is refused; the bots package words them for the asker.
const (
	// TooBig: over the byte limit, or an image with more pixels than
	// decoding is allowed (a decompression bomb), or a zip that inflates
	// past its bound.
	TooBig Reason = iota + 1
	// Unsupported: a type the bot does not read.
	Unsupported
	// Unreadable: the bytes do not decode as what they claim to be.
	Unreadable
	// Encrypted: a password-protected (encrypted) document.
	Encrypted
	// NoText: a document with no text to read, such as a PDF of scanned
	// pages (images only, no text layer).
	NoText
)

func (r Reason) String() string {
	switch r {
	case TooBig:
		return "too big"
	case Unsupported:
		return "unsupported type"
	case Unreadable:
		return "could not be read"
	case Encrypted:
		return "encrypted"
	case NoText:
		return "no text"
	}
	return "unknown"
}

// Error is a refused file: the reason, and the detail for logs.
type Error struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := "media: " + e.Reason.String()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the Reason of err (Unreadable for any other error, 0
// for nil).
func ReasonOf(err error) Reason {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return Unreadable
}

func refuse(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}
