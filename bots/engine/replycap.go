package engine

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// The hard cap on a reply's text. max_tokens is a request the provider
// may not honour (a model that loops, a gateway that drops the field): the
// Engine counts what it receives and stops reading at MaxReplyBytes, so a
// runaway model costs one bounded answer, not an unbounded stream of
// platform messages.

const (
	// replyBytesPerToken derives the cap from max_tokens: a token of
	// English prose or code is about 3-4 bytes, so 8 leaves room for any
	// honest answer of max_tokens tokens.
	replyBytesPerToken = 8
	// minReplyBytes is the least derived cap: at the default max_tokens
	// (1024) an answer may use 16 bytes a token (long code lines, a
	// provider counting tokens its own way) before it is cut; a runaway
	// model still stops at a few messages.
	minReplyBytes = 16 << 10
)

// errReplyCap ends a model's stream that reached MaxReplyBytes.
var errReplyCap = errors.New("engine: the answer reached the maximum reply length")

// appendCapped appends to b as much of d as keeps b within limit bytes,
// cut at a rune boundary, and reports whether d had to be cut (the
// reply is full).
func appendCapped(b *strings.Builder, d []byte, limit int) (full bool) {
	room := limit - b.Len()
	if len(d) <= room {
		b.Write(d)
		return false
	}
	cut := max(room, 0)
	for cut > 0 && !utf8.RuneStart(d[cut]) {
		cut--
	}
	b.Write(d[:cut])
	return true
}
