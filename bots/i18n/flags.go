package i18n

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// FlagLanguage returns the language a flag reaction asks a translation
// into: the main language of the flag's country. It takes Slack reaction
// names ("flag-fr", "fr", "gb", "uk", "us", "flag-england", with or
// without colons) and Unicode flags as Discord sends them (🇫🇷, 🇧🇷, 🏴󠁧󠁢󠁥󠁮󠁧󠁿).
// Countries with several main languages (🇨🇦, 🇨🇭, 🇧🇪) and non-country
// flags give false, as does any other emoji.
func FlagLanguage(emoji string) (string, bool) {
	e := strings.Trim(strings.TrimSpace(emoji), ":")
	if region, ok := regionalIndicators(e); ok {
		return countryLanguage(region)
	}
	if sub, ok := subdivisionFlag(e); ok {
		return subdivisionLanguage(sub)
	}
	e = strings.ToLower(e)
	if rest, ok := strings.CutPrefix(e, "flag-"); ok {
		if lang, ok := subdivisionLanguage(rest); ok {
			return lang, true
		}
		if len(rest) == 2 {
			return countryLanguage(rest)
		}
		return "", false
	}
	// Slack's short flag names; other two-letter names are not flags
	// (:id:, :ok:, :cl: are buttons).
	switch e {
	case "fr", "de", "it", "es", "gb", "us", "jp", "cn", "kr", "ru":
		return countryLanguage(e)
	case "uk":
		return "en", true
	}
	return "", false
}

// regionalIndicators decodes a flag made of two regional indicator
// symbols into its region code ("fr").
func regionalIndicators(s string) (string, bool) {
	const first, last = 0x1F1E6, 0x1F1FF
	a, n := utf8.DecodeRuneInString(s)
	if a < first || a > last {
		return "", false
	}
	b, m := utf8.DecodeRuneInString(s[n:])
	if b < first || b > last {
		return "", false
	}
	// Allow a trailing variation selector, nothing else.
	if rest := s[n+m:]; rest != "" && rest != "\ufe0f" {
		return "", false
	}
	return string(rune('a'+a-first)) + string(rune('a'+b-first)), true
}

// subdivisionFlag decodes a tag-sequence flag (🏴 + tag letters + cancel
// tag) into its subdivision code ("gbeng").
func subdivisionFlag(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "\U0001F3F4")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix(rest, "\U000E007F")
	if !ok || rest == "" {
		return "", false
	}
	var b strings.Builder
	for _, r := range rest {
		if r < 0xE0061 || r > 0xE007A {
			return "", false
		}
		b.WriteRune('a' + r - 0xE0061)
	}
	return b.String(), true
}

// subdivisionLanguage maps the flags of England, Scotland and Wales (tag
// codes or Slack names).
func subdivisionLanguage(sub string) (string, bool) {
	switch sub {
	case "gbeng", "england", "gbsct", "scotland":
		return "en", true
	case "gbwls", "wales":
		return "cy", true
	}
	return "", false
}

// countryLanguage returns the likeliest language of a country ("br" ->
// "pt"), via CLDR likely subtags.
func countryLanguage(code string) (string, bool) {
	switch code {
	case "uk":
		return "en", true
	case "ca", "ch", "be", "lu", "un", "eu":
		return "", false // several main languages, or not a country
	}
	region, err := language.ParseRegion(code)
	if err != nil || !region.IsCountry() {
		return "", false
	}
	tag, err := language.Compose(region)
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf < language.High || base.String() == "und" {
		return "", false
	}
	return base.String(), true
}
