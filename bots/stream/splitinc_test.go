package stream

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The incremental splitter, fed a growing text a few bytes at a time and
// moved past the parts as the Streamer moves past those it delivered,
// always returns a valid split of the text from there (parts within the
// limit, only whitespace between them, fences carried from part to
// part), and a complete part, once returned, stays as it was: the
// Streamer may have delivered it. With the additive measure (no Render)
// and with a rendering that is not additive.
func TestSplitterSplitsGrowingTextsStably(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	words := []string{"alpha", "beta", "γάμμα", "日本語", "```", "```python", "\n", "\n\n", "`x`", "~~~", "**b**", "-",
		strings.Repeat("long", 40), "   ```", "    ```"}
	render := func(md string) string { return strings.ReplaceAll(strings.ReplaceAll(md, "**", "*"), "<", "&lt;") }
	for n := range 200 {
		var b strings.Builder
		for i := rng.Intn(600); i > 0; i-- {
			w := words[rng.Intn(len(words))]
			if strings.HasPrefix(strings.TrimLeft(w, " "), "```") || w == "~~~" {
				b.WriteString("\n" + w + "\n")
				continue
			}
			b.WriteString(w + " ")
		}
		text := b.String()
		limit := 30 + rng.Intn(300)
		rendered := func(md string) int { return utf8.RuneCountInString(render(md)) }
		for _, tc := range []struct {
			name         string
			measure, raw func(string) int
		}{
			{"additive", utf8.RuneCountInString, utf8.RuneCountInString},
			{"rendered", rendered, nil},
		} {
			sp := newSplitter(limit, tc.measure, tc.raw)
			start, fence := 0, ""
			var complete []segment // returned before, not yet moved past
			// Grown in steps of 1-8 bytes, also cutting runes in two.
			for end := 0; end < len(text); {
				end = min(len(text), end+1+rng.Intn(8))
				cur := text[:end]
				got := sp.segments(cur, start, fence)
				fail := func(format string, args ...any) {
					t.Helper()
					t.Fatalf("case %d %s, limit %d, text[:%d] from %d: %s\nsegments %+v", n, tc.name, limit, end, start,
						fmt.Sprintf(format, args...), got)
				}
				at, open := start, fence
				for i, sg := range got {
					if strings.TrimSpace(cur[at:sg.start]) != "" || sg.end <= sg.start || sg.reopen != open {
						fail("segment %d does not follow on from %d (fence %q)", i, at, open)
					}
					if sg.open != fenceAfter(sg.reopen, cur[sg.start:sg.end]) {
						fail("segment %d: open %q, want %q", i, sg.open, fenceAfter(sg.reopen, cur[sg.start:sg.end]))
					}
					if m := tc.measure(renderSegment(cur, sg)); m > limit && sg.end-sg.start > 4 {
						fail("segment %d measures %d > %d", i, m, limit)
					}
					at, open = sg.end, sg.open
				}
				if strings.TrimSpace(cur[at:]) != "" {
					fail("text after %d lost", at)
				}
				for i, c := range complete {
					if i >= len(got)-1 || got[i] != c {
						fail("complete segment %d changed: was %+v", i, c)
					}
				}
				complete = append(complete[:0], got[:max(len(got)-1, 0)]...)
				// Deliver (move past) some complete parts, as sync does.
				if len(got) > 1 && rng.Intn(3) == 0 {
					k := 1 + rng.Intn(len(got)-1)
					start, fence = got[k].start, got[k].reopen
					complete = complete[k:]
				}
			}
		}
	}
}

// A text that is not an extension of the last one (a final text with an
// error instead of the answer) is split afresh.
func TestSplitterStartsAgainOnADifferentText(t *testing.T) {
	sp := newSplitter(10, utf8.RuneCountInString, utf8.RuneCountInString)
	first := strings.Repeat("abc ", 10)
	sp.segments(first, 0, "")
	other := "something else entirely, and longer than the first one was"
	if got, want := sp.segments(other, 0, ""), splitSegments(other, 0, "", 10, utf8.RuneCountInString); !slices.Equal(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
