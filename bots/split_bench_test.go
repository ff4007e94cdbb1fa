package bots

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// longAnswer is a 12,000-character Markdown answer: prose, lists and Go
// code fences, the shape of a long code-help reply.
func longAnswer() string {
	var b strings.Builder
	for b.Len() < 12000 {
		b.WriteString("Here is how to reverse a slice in place, without allocating:\n\n")
		b.WriteString("- swap the ends and walk inwards\n- stop in the middle\n\n")
		b.WriteString("```go\nfunc reverse[T any](s []T) {\n\tfor i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {\n\t\ts[i], s[j] = s[j], s[i]\n\t}\n}\n```\n\n")
		b.WriteString("The loop runs len(s)/2 times; **no** extra memory is used.\n\n")
	}
	return b.String()
}

// BenchmarkSplitMarkdown splits a 12,000-character answer into Discord
// (2,000) and Slack (4,000) messages, re-opening code fences.
func BenchmarkSplitMarkdown(b *testing.B) {
	text := longAnswer()
	for _, limit := range []struct {
		name string
		n    int
	}{{"discord-2000", 2000}, {"slack-4000", 4000}} {
		b.Run(limit.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				parts := SplitMarkdown(text, limit.n, utf8.RuneCountInString)
				if len(parts) < 2 {
					b.Fatal("not split")
				}
			}
		})
	}
}
