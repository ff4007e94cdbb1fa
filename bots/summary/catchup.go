package summary

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// CatchUp is a mention that asks for a summary ("@mistralbot catch me up
// 24h").
type CatchUp struct {
	// Args are the span words after the phrase, for ParseSpan.
	Args string
	// Language is the language of the phrase when it is unambiguous ("fr"
	// for "résume-moi"), "" otherwise: with a channel on auto the
	// summary is written in it.
	Language string
}

// catchUpPhrases are matched against the folded mention text (lower
// case, accents and punctuation removed). The language is "" when the
// folded phrase is shared by two languages ("resume": fr and es).
var catchUpPhrases = []struct{ phrase, lang string }{
	{"catch me up", "en"}, {"catch up", "en"}, {"summarize", "en"}, {"summarise", "en"},
	{"summarize this thread", "en"}, {"summarize this channel", "en"}, {"sum up", "en"},
	{"tldr", "en"}, {"tl dr", "en"}, {"recap", ""}, {"what did i miss", "en"},
	{"resume", ""}, {"resume moi", "fr"}, {"resume ce fil", "fr"}, {"fais moi un resume", "fr"},
	{"mets moi a jour", "fr"}, {"fais le point", "fr"}, {"quest ce que jai rate", "fr"}, {"resumer", "fr"},
	{"fass zusammen", "de"}, {"fasse zusammen", "de"}, {"zusammenfassung", "de"},
	{"bring mich auf den neuesten stand", "de"}, {"bring mich auf den stand", "de"}, {"was habe ich verpasst", "de"},
	{"riassumi", "it"}, {"riassunto", "it"}, {"aggiornami", "it"}, {"mettimi al corrente", "it"},
	{"cosa mi sono perso", "it"},
	{"resumen", "es"}, {"resumeme", "es"}, {"ponme al dia", "es"}, {"ponme al corriente", "es"},
	{"que me perdi", "es"},
}

// catchUpWords are catchUpPhrases' words, split once.
var catchUpWords = func() [][]string {
	w := make([][]string, len(catchUpPhrases))
	for i, p := range catchUpPhrases {
		w[i] = strings.Fields(p.phrase)
	}
	return w
}()

// politeWords may surround the phrase without changing its meaning.
var politeWords = map[string]bool{"please": true, "pls": true, "plz": true, "stp": true, "svp": true,
	"bitte": true, "per": true, "favore": true, "por": true, "favor": true, "sil": true, "te": true,
	"vous": true, "plait": true, "hey": true, "hi": true, "salut": true, "hallo": true, "ciao": true, "hola": true}

// DetectCatchUp reports whether a mention's text (the bot's mention
// already removed) asks for a summary. The whole text must be a phrase,
// polite words and span arguments; "summarize this code: …" is a
// question for the model, not a summary request.
func DetectCatchUp(text string) (CatchUp, bool) {
	words := strings.Fields(fold(text))
	for len(words) > 0 && politeWords[words[0]] {
		words = words[1:]
	}
	best, lang := 0, ""
	for i, p := range catchUpPhrases {
		pw := catchUpWords[i]
		if len(pw) > best && len(pw) <= len(words) && equalWords(words[:len(pw)], pw) {
			best, lang = len(pw), p.lang
		}
	}
	if best == 0 {
		return CatchUp{}, false
	}
	var args []string
	for _, w := range words[best:] {
		switch {
		case politeWords[w] || fillerWords[w]:
		case isDigits(w) || isDuration(w) || shareWords[w] || (len(w) == 2 && isLetters(w)):
			args = append(args, w)
		default:
			return CatchUp{}, false
		}
	}
	return CatchUp{Args: strings.Join(args, " "), Language: lang}, true
}

// fillerWords may follow the phrase ("catch me up on this thread").
var fillerWords = map[string]bool{"on": true, "this": true, "the": true, "thread": true, "channel": true,
	"last": true, "here": true, "for": true, "me": true, "sur": true, "ce": true, "le": true, "fil": true,
	"canal": true, "ici": true, "den": true, "it": true, "kanal": true, "hier": true, "questo": true,
	"canale": true, "qui": true, "este": true, "hilo": true, "aqui": true, "in": true}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isLetters(w string) bool {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// fold lower-cases s, removes accents and turns punctuation into
// spaces, dropping apostrophes ("qu'est-ce" -> "quest ce").
// ASCII text has no accents to remove, and every mention is folded:
// building the transform chain (about 15 KB of buffers) only for text
// that needs it took a tenth of the bytes allocated per answer away
// (issue 20, heap profile alloc_space at 1,000 conversations).
func fold(s string) string {
	out := strings.ToLower(s)
	if !isASCII(out) {
		t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		if o, _, err := transform.String(t, out); err == nil {
			out = o
		}
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\'' || r == '’':
			return -1
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return r
		}
		return ' '
	}, out)
}
