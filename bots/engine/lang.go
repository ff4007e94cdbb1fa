package engine

import (
	"strings"
	"unicode"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// languageInstruction is the sentence of the system message that says in
// which language to answer. In auto mode the model follows the asker's
// latest message; a fixed language wins over the language of the question,
// which the instruction says explicitly because models otherwise mirror
// the question.
func languageInstruction(lang string) string {
	if lang == "" || lang == bots.LanguageAuto {
		return "Answer in the language of the user's latest message."
	}
	n := i18n.EnglishName(lang)
	return "Always answer in " + n + ", whatever language the user writes in; translate your answer into " + n + " if needed."
}

// stopwords are frequent short words that tell apart the catalog
// languages. guessLanguage only chooses the language of the bot's own
// notices (errors, limits) when the platform gives no locale; the model's
// answer language is never guessed here, the model does that itself.
var stopwords = map[string][]string{
	"en": {"the", "is", "are", "and", "what", "how", "you", "this", "with", "for", "can", "does", "why", "of"},
	"fr": {"le", "la", "les", "est", "et", "une", "des", "que", "qui", "pour", "avec", "comment", "pourquoi", "vous", "je", "du", "ce", "quoi"},
	"de": {"der", "die", "das", "ist", "und", "ein", "eine", "nicht", "wie", "was", "ich", "mit", "für", "warum", "sie", "wir"},
	"it": {"il", "lo", "gli", "è", "e", "che", "per", "con", "come", "perché", "sono", "una", "non", "cosa", "della", "di"},
	"es": {"el", "los", "las", "es", "y", "que", "para", "con", "cómo", "como", "por", "qué", "una", "está", "del", "puedo"},
}

// guessLanguage returns the catalog language whose stop words occur most in
// text, or "" when the evidence is thin (fewer than two hits or a tie).
func guessLanguage(text string) string {
	if len(text) > 2000 {
		text = text[:2000]
	}
	counts := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r)
	}) {
		for lang, words := range stopwords {
			for _, sw := range words {
				if w == sw {
					counts[lang]++
					break
				}
			}
		}
	}
	best, bestN, second := "", 0, 0
	for lang, n := range counts {
		switch {
		case n > bestN:
			best, second, bestN = lang, bestN, n
		case n > second:
			second = n
		}
	}
	if bestN < 2 || bestN == second {
		return ""
	}
	return best
}
