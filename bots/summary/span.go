package summary

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is what /summarize was asked for. The zero value is "the thread,
// or the channel's recent messages, privately, in the default language".
type Span struct {
	// Since limits the span to the last duration ("24h", "3d"); 0 = no
	// time limit.
	Since time.Duration
	// Count limits the span to the last messages ("200"); 0 = the
	// default limit.
	Count int
	// Language is a language code given explicitly ("fr"); "" = the
	// channel's language, or the asker's when the channel is auto.
	Language string
	// Share posts the summary in the channel instead of showing it only
	// to the asker.
	Share bool
}

// Bounds of a span a user may ask for; beyond them the answer names them.
const (
	MaxCount = 10000
	MaxSince = 30 * 24 * time.Hour
)

// shareWords ask for a shared summary, in the bot's five languages.
var shareWords = map[string]bool{"share": true, "public": true, "partager": true, "partage": true,
	"teilen": true, "condividi": true, "compartir": true}

// SpanError is a /summarize argument that could not be read; Arg names
// it for the user's message.
type SpanError struct {
	Arg    string
	Reason string
}

func (e *SpanError) Error() string { return fmt.Sprintf("summary: argument %q: %s", e.Arg, e.Reason) }

// ParseSpan reads /summarize's arguments in any order: a duration
// ("90m", "24h", "3d", "1w"), a message count ("200"), a language code
// ("fr", checked by lang, which returns the canonical code), "share".
// Unknown words are an error naming them: a typo must not silently
// summarize something else.
func ParseSpan(args string, lang func(string) (string, bool)) (Span, error) {
	var s Span
	for _, w := range strings.Fields(strings.ToLower(args)) {
		switch {
		case shareWords[w]:
			s.Share = true
		case isDigits(w):
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 || n > MaxCount {
				return Span{}, &SpanError{Arg: w, Reason: fmt.Sprintf("a message count is 1 to %d", MaxCount)}
			}
			s.Count = n
		case isDuration(w):
			d, err := parseDuration(w)
			if err != nil || d <= 0 || d > MaxSince {
				return Span{}, &SpanError{Arg: w, Reason: "a duration is up to 30d, like 90m, 24h, 3d or 1w"}
			}
			s.Since = d
		default:
			code, ok := lang(w)
			if !ok || s.Language != "" {
				return Span{}, &SpanError{Arg: w, Reason: "expected a duration (24h), a message count (200), a language code (fr) or share"}
			}
			s.Language = code
		}
	}
	return s, nil
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// isDuration: digits then one unit letter.
func isDuration(w string) bool {
	return len(w) >= 2 && isDigits(w[:len(w)-1]) && strings.ContainsRune("mhdw", rune(w[len(w)-1]))
}

func parseDuration(w string) (time.Duration, error) {
	n, err := strconv.Atoi(w[:len(w)-1])
	if err != nil || n > int(MaxSince/time.Minute) {
		return 0, fmt.Errorf("bad duration %q", w)
	}
	unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[w[len(w)-1]]
	return time.Duration(n) * unit, nil
}
