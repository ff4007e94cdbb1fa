package i18n

import (
	"strings"
	"testing"
)

func TestStripNotices(t *testing.T) {
	t.Parallel()
	answer := "Here is the fix:\n\n```go\nx := 1\n```"
	for _, lang := range Supported() {
		for _, notes := range [][]string{
			{T(lang, LengthLimit)},
			{T(lang, HistoryTrimmed, 1234), T(lang, AttachmentTruncated, "main.go", 100000)},
			{T(lang, CutOff, T(lang, ErrUnavailable))},
			{T(lang, ContextTruncated, 4096)},
			{strings.ReplaceAll(T(lang, LengthLimit), "⚠️", ":warning:")}, // as Slack gives it back
		} {
			text := answer + "\n\n" + strings.Join(notes, "\n\n")
			if got := StripNotices(text); got != answer {
				t.Errorf("%s: StripNotices(%q) = %q", lang, text, got)
			}
		}
		for _, whole := range []string{T(lang, ErrTimeout), T(lang, MessageTooLong, 256), T(lang, Interrupted)} {
			if got := StripNotices(whole); got != "" {
				t.Errorf("%s: a reply that is only a notice left %q", lang, got)
			}
		}
	}
	// The model's own words stay, even warning-like ones, and a notice in
	// the middle is the model's text, not ours.
	for _, keep := range []string{
		"⚠️ _Careful: this deletes data._",
		T("en", LengthLimit) + "\n\nAnd then the answer went on.",
	} {
		if got := StripNotices(keep); got != keep {
			t.Errorf("StripNotices(%q) = %q", keep, got)
		}
	}
}

// TestToolTextsAreNotices: the notes under an answer that used tools and
// the texts of decided prompts are stripped from the history the model
// sees, in every language.
func TestToolTextsAreNotices(t *testing.T) {
	for _, lang := range Supported() {
		for _, text := range []string{
			T(lang, ToolSources, "https://a.example/ · notes.md"),
			T(lang, ToolFailed, "kb__search"),
			T(lang, ApprovalApproved, "ops__restart", "Bob"),
			T(lang, ApprovalExpired, "ops__restart"),
		} {
			if got := StripNotices("The answer.\n\n" + text); got != "The answer." {
				t.Errorf("%s: %q not stripped: %q", lang, text, got)
			}
		}
		if got := StripNotices(T(lang, ApprovalDenied, "ops__restart", "Bob")); got != "" {
			t.Errorf("%s: a decided prompt left %q", lang, got)
		}
	}
}
