package i18n

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Auto is the language setting "answer in the asker's language".
const Auto = "auto"

// namedLanguages are the languages Normalize recognizes by name (in
// English, French, German, Italian, Spanish and the language itself);
// any valid code is accepted besides. Widely spoken languages and those of
// Europe, where the bot's users are likeliest.
func namedLanguages() []string {
	return []string{
		"en", "fr", "de", "it", "es", "pt", "nl", "pl", "sv", "da", "no", "nb", "nn", "fi", "is",
		"cs", "sk", "sl", "hr", "sr", "bs", "hu", "ro", "bg", "el", "tr", "ru", "uk", "be",
		"lt", "lv", "et", "ga", "cy", "gd", "eu", "ca", "gl", "oc", "br", "co", "lb", "rm", "mt",
		"sq", "mk", "ka", "hy", "az", "kk", "uz", "ar", "he", "fa", "ur", "hi", "bn", "pa",
		"ta", "te", "mr", "gu", "ja", "ko", "zh", "vi", "th", "id", "ms", "tl", "sw", "am",
		"yo", "zu", "af", "eo", "la",
	}
}

// Normalize turns what a user types as a language into its canonical base
// code: "fr", "FR", "fr-FR", "French", "français", "francais", "Deutsch",
// "español" all give the code; any valid BCP-47 language is accepted
// ("pt-BR" gives "pt", "ja"), since the model handles many; "auto" gives
// "auto". It returns false for anything else.
func Normalize(code string) (string, bool) {
	s := strings.TrimSpace(code)
	if s == "" {
		return "", false
	}
	if strings.EqualFold(s, Auto) {
		return Auto, true
	}
	if base, ok := parseBase(s); ok {
		return base, true
	}
	return byName(fold(s))
}

// parseBase returns the canonical base language of a BCP-47 tag.
func parseBase(s string) (string, bool) {
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf != language.Exact {
		return "", false
	}
	b := base.String()
	switch {
	case b == "und", b == "mul", b == "zxx", b == "mis":
		return "", false // undetermined, multiple, no content, uncoded
	case len(b) == 3 && b >= "qaa" && b <= "qtz":
		return "", false // private use
	}
	return b, true
}

// byName finds a language by its (folded) name.
func byName(name string) (string, bool) {
	code, ok := languageNames()[name]
	return code, ok
}

// languageNames maps the folded names of namedLanguages to their codes.
// It is built once and only read afterwards.
var languageNames = sync.OnceValue(func() map[string]string {
	namers := []display.Namer{display.Self}
	for _, l := range Supported() {
		namers = append(namers, display.Languages(language.MustParse(l)))
	}
	names := map[string]string{
		"castellano": "es", "castilian": "es", "chinese": "zh", "mandarin": "zh",
	}
	for _, code := range namedLanguages() {
		tag := language.MustParse(code)
		for _, n := range namers {
			if name := fold(n.Name(tag)); name != "" {
				if _, taken := names[name]; !taken {
					names[name] = code
				}
			}
		}
	}
	return names
})

// fold lower-cases and strips accents: "Français" -> "francais".
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(strings.TrimSpace(s))
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(strings.TrimSpace(s)))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// EnglishName returns the English name of a language code ("fr" ->
// "French", "pt-BR" -> "Brazilian Portuguese"), the form a model
// understands best in an instruction; the code itself when x/text has no
// name for it.
func EnglishName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if n := display.English.Tags().Name(tag); n != "" {
		return n
	}
	return code
}

// Name returns the display name of language code in language inLang:
// Name("fr", "de") is "Französisch", Name("de", "fr") "allemand". An
// unknown inLang gives the English name; an unknown code, the code itself.
func Name(code, inLang string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	in, err := language.Parse(inLang)
	if err != nil || strings.EqualFold(inLang, Auto) {
		in = language.English
	}
	if n := display.Languages(in).Name(tag); n != "" {
		return n
	}
	if n := display.English.Languages().Name(tag); n != "" {
		return n
	}
	return code
}
