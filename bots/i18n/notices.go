package i18n

import (
	"regexp"
	"strings"
	"sync"
)

// noticeKeys are the bot's own notices: appended after an answer (the
// Engine's withNotes), or the whole text of a reply that failed.
func noticeKeys() []Key {
	return append(append(fileKeys(), toolNoticeKeys()...),
		CutOff, LengthLimit, Interrupted, Stopped, HistoryTrimmed, AttachmentTruncated, MessageTooLong, ContextTruncated,
		ErrInvalid, ErrAuth, ErrBudget, ErrModelNotFound, ErrRateLimited, ErrUnavailable, ErrTimeout, ErrInternal, Busy,
	)
}

var (
	reStringVerb = regexp.MustCompile(`%\\\[\d+\\\]s`)
	reNumberVerb = regexp.MustCompile(`%\\\[\d+\\\][dg]`)
)

// noticePatterns matches one notice paragraph as any catalog renders it,
// and as the platforms give it back: Slack returns ⚠️ as :warning:, a
// number comes with its locale's separators (1 234, 1.234).
var noticePatterns = sync.OnceValue(func() []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, lang := range Supported() {
		for _, k := range noticeKeys() {
			tmpl := strings.TrimSpace(text(lang, k))
			if tmpl == "" {
				continue
			}
			re := regexp.QuoteMeta(tmpl)
			re = reStringVerb.ReplaceAllString(re, `.+?`)
			re = reNumberVerb.ReplaceAllString(re, `[\d\s.,'’\x{00A0}\x{202F}]+?`)
			re = strings.ReplaceAll(re, "⚠️", `(?:⚠️|⚠|:warning:)`)
			out = append(out, regexp.MustCompile(`^`+re+`$`))
		}
	}
	return out
})

// IsNotice reports whether a paragraph is one of the bot's own notices
// (length limit, cut off, trimming, too long, an error text, ...) in any
// catalog language.
func IsNotice(paragraph string) bool {
	p := strings.TrimSpace(paragraph)
	if p == "" {
		return false
	}
	for _, re := range noticePatterns() {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// StripNotices removes the bot's notices from the end of one of its
// messages, where the Engine appends them after blank lines: what is left
// is what the model wrote ("" for a message that was only a notice). The
// model must not see, and so learn to imitate, the bot's own notices.
func StripNotices(text string) string {
	paras := strings.Split(text, "\n\n")
	n := len(paras)
	for n > 0 && (IsNotice(paras[n-1]) || strings.TrimSpace(paras[n-1]) == "") {
		n--
	}
	return strings.TrimRight(strings.Join(paras[:n], "\n\n"), " \n")
}
