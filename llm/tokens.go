package llm

import (
	"math"
	"sync"
	"unicode"
)

// MessageOverhead is the estimated number of tokens a chat template adds
// around each message (role markers, separators).
const MessageOverhead = 4

// Calibration bounds: one reply's ratio of actual to estimated tokens is
// clamped to [minObserved, maxObserved] before it enters the average, and
// the average itself to [minRatio, maxRatio], so one odd reply (a cached
// prompt, a provider miscount) cannot wreck the estimate.
const (
	minObserved = 0.25
	maxObserved = 4.0
	minRatio    = 0.5
	maxRatio    = 2.0
	ewmaWeight  = 0.2 // weight of the newest observation
)

// tally counts characters by script class; tokens converts the counts to
// an estimate. It lets the client estimate a streamed reply piece by piece
// without keeping the text.
type tally struct {
	ascii, latin, cjk, other int
}

// addBytes is add of a token's bytes; the conversion does not escape, so
// it copies into a stack buffer, not the heap.
func (t *tally) addBytes(b []byte) { t.add(string(b)) }

func (t *tally) add(s string) {
	for _, r := range s {
		switch {
		case r < 0x80:
			t.ascii++
		case r <= 0x24F || (0x1E00 <= r && r <= 0x1EFF):
			t.latin++ // Latin-1 supplement, Latin Extended-A/B, Additional
		case isCJK(r):
			t.cjk++
		default:
			t.other++
		}
	}
}

// tokens applies the per-script rates: ASCII text runs about three
// characters per token (words plus punctuation), accented Latin about 2.5,
// CJK ideographs and kana about one token each, other scripts (Cyrillic,
// Greek, Arabic, ...) about two characters per token.
func (t tally) tokens() int {
	f := float64(t.ascii)/3 + float64(t.latin)/2.5 + float64(t.cjk) + float64(t.other)/2
	return int(math.Ceil(f))
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(0x3000 <= r && r <= 0x303F) || // CJK punctuation
		(0xFF00 <= r && r <= 0xFFEF) // full-width forms
}

// EstimateTokens estimates how many tokens s takes. No Go tokenizer exists
// for Mistral's models, so this is a per-script characters-per-token rate
// (see tally.tokens), deliberately on the high side for English so that
// context trimming errs towards fitting. Use an Estimator to calibrate it
// against what the provider reports.
func EstimateTokens(s string) int {
	var t tally
	t.add(s)
	return t.tokens()
}

// Estimator is EstimateTokens calibrated against the provider's token
// counts: it keeps an exponentially weighted average of actual/estimated
// and scales estimates by it. The zero value is ready to use (ratio 1).
// Safe for concurrent use.
type Estimator struct {
	mu    sync.Mutex
	ratio float64 // 0 until the first observation
}

// Ratio returns the current calibration factor (1 before any observation).
func (e *Estimator) Ratio() float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ratio == 0 {
		return 1
	}
	return e.ratio
}

// Estimate returns the calibrated token estimate for s.
func (e *Estimator) Estimate(s string) int {
	return e.scale(EstimateTokens(s))
}

// EstimateMessages returns the calibrated estimate for a prompt made of
// msgs, template overhead included.
func (e *Estimator) EstimateMessages(msgs []Message) int {
	return e.scale(rawMessages(msgs))
}

// Observe feeds one measurement: estimated is the uncalibrated estimate
// (EstimateTokens, or the raw message estimate) of a text the provider
// counted as actual tokens. Non-positive values are ignored.
func (e *Estimator) Observe(estimated, actual int) {
	if estimated <= 0 || actual <= 0 {
		return
	}
	r := min(max(float64(actual)/float64(estimated), minObserved), maxObserved)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ratio == 0 {
		e.ratio = 1
	}
	e.ratio = min(max(e.ratio+ewmaWeight*(r-e.ratio), minRatio), maxRatio)
}

func (e *Estimator) scale(raw int) int {
	if raw == 0 {
		return 0
	}
	return int(math.Ceil(float64(raw) * e.Ratio()))
}

// EstimateTools returns the calibrated estimate of what declaring tools
// adds to a prompt (names, descriptions, schemas).
func (e *Estimator) EstimateTools(tools []Tool) int {
	return e.scale(rawTools(tools))
}

// rawMessages is the uncalibrated estimate of a prompt: the texts, and
// the names and arguments of recorded tool calls.
func rawMessages(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		n += EstimateTokens(m.Content) + MessageOverhead
		for _, c := range m.ToolCalls {
			n += EstimateTokens(c.Name) + EstimateTokens(c.Arguments) + MessageOverhead
		}
	}
	return n
}

// rawTools is the uncalibrated estimate of declared tools.
func rawTools(tools []Tool) int {
	n := 0
	for _, t := range tools {
		n += EstimateTokens(t.Name) + EstimateTokens(t.Description) + EstimateTokens(string(t.Parameters)) + MessageOverhead
	}
	return n
}
