package i18n

import (
	"strings"
	"testing"
)

// slack-go sends assistant.threads.setStatus loading_messages joined with
// commas, so a comma inside one message would split it in two.
func TestLoadingMessagesHaveNoCommas(t *testing.T) {
	t.Parallel()
	for _, lang := range Supported() {
		for _, k := range []Key{Loading1, Loading2, Loading3, Loading4} {
			if s := T(lang, k); strings.Contains(s, ",") || len([]rune(s)) > 50 {
				t.Errorf("%s %s = %q: want no comma and at most 50 characters", lang, k, s)
			}
		}
	}
}

func TestContextPhrasesAreLowerCaseAndNonEmpty(t *testing.T) {
	t.Parallel()
	for _, lang := range Supported() {
		for _, p := range strings.Split(T(lang, ContextPhrases), "|") {
			if strings.TrimSpace(p) == "" || p != strings.ToLower(p) {
				t.Errorf("%s: context phrase %q must be non-empty and lower-case", lang, p)
			}
		}
	}
}
