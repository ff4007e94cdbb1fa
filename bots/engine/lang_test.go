package engine

import "testing"

func TestGuessLanguage(t *testing.T) {
	for text, want := range map[string]string{
		"Comment est-ce que je peux trier une liste en Python ?":           "fr",
		"Wie kann ich eine Liste in Python sortieren? Das ist nicht klar.": "de",
		"Come posso ordinare una lista in Python? Non è chiaro.":           "it",
		"¿Cómo puedo ordenar una lista en Python? No es claro para mí.":    "es",
		"How can I sort a list in Python? What is the fastest way?":        "en",
		"sort list python": "",
		"":                 "",
		"ok":               "",
	} {
		if got := guessLanguage(text); got != want {
			t.Errorf("guessLanguage(%q) = %q, want %q", text, got, want)
		}
	}
}
