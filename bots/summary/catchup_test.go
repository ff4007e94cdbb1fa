package summary

import (
	"strings"
	"testing"
)

func TestDetectCatchUp(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok       bool
		args     string
		language string
	}{
		{"catch me up", true, "", "en"},
		{"Catch me up on this thread, please!", true, "", "en"},
		{"catch me up 24h", true, "24h", "en"},
		{"tl;dr", true, "", "en"},
		{"Résume-moi ce fil 200", true, "200", "fr"},
		{"mets-moi à jour", true, "", "fr"},
		{"résumé", true, "", ""},
		{"Fass zusammen bitte", true, "", "de"},
		{"Bring mich auf den neuesten Stand", true, "", "de"},
		{"riassumi 3d", true, "3d", "it"},
		{"aggiornami per favore", true, "", "it"},
		{"ponme al día", true, "", "es"},
		{"resumen 24h share", true, "24h share", "es"},
		{"summarize this code: func main() {}", false, "", ""},
		{"can you catch me up on the deploy plan?", false, "", ""},
		{"what is a summary", false, "", ""},
		{"", false, "", ""},
	} {
		got, ok := DetectCatchUp(tc.in)
		if ok != tc.ok || got.Args != tc.args || got.Language != tc.language {
			t.Errorf("DetectCatchUp(%q) = %+v, %v; want args %q lang %q, %v", tc.in, got, ok, tc.args, tc.language, tc.ok)
		}
	}
}

func FuzzDetectCatchUp(f *testing.F) {
	f.Add("catch me up 24h")
	f.Add("Résume-moi ce fil")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := DetectCatchUp(s)
		if !ok {
			return
		}
		// Args are words of the input (bad ones are ParseSpan's to name
		// to the asker, so "catch me up 0" gets an error, not an answer).
		words := map[string]bool{}
		for _, w := range strings.Fields(fold(s)) {
			words[w] = true
		}
		for _, w := range strings.Fields(c.Args) {
			if !words[w] {
				t.Fatalf("DetectCatchUp(%q) args %q: %q is not in the input", s, c.Args, w)
			}
		}
	})
}

// BenchmarkDetectCatchUp: the check every mention goes through, on an
// ordinary question (ASCII) and on an accented one.
func BenchmarkDetectCatchUp(b *testing.B) {
	for _, text := range []string{"how do I reverse a linked list in Go?", "résume-moi ce fil s'il te plaît"} {
		b.Run(text[:6], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				DetectCatchUp(text)
			}
		})
	}
}
