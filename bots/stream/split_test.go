package stream

import (
	"math/rand"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSplitMarkdownShortTextIsOnePart(t *testing.T) {
	got := SplitMarkdown("hello **world**", 100, nil)
	if len(got) != 1 || got[0] != "hello **world**" {
		t.Fatalf("got %q", got)
	}
}

func TestSplitMarkdownPrefersParagraphs(t *testing.T) {
	p1 := strings.Repeat("a", 40)
	p2 := strings.Repeat("b", 40)
	got := SplitMarkdown(p1+"\n\n"+p2+" tail", 60, nil)
	if len(got) != 2 || got[0] != p1 || got[1] != p2+" tail" {
		t.Fatalf("got %q", got)
	}
}

func TestSplitMarkdownReopensFenceWithLanguage(t *testing.T) {
	var b strings.Builder
	b.WriteString("Intro\n\n```go\n")
	for i := 0; i < 40; i++ {
		b.WriteString("fmt.Println(\"line\")\n")
	}
	b.WriteString("```\n\nOutro")
	parts := SplitMarkdown(b.String(), 200, nil)
	if len(parts) < 3 {
		t.Fatalf("want several parts, got %d", len(parts))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > 200 {
			t.Errorf("part %d has %d runes", i, n)
		}
		if strings.Count(p, "```")%2 != 0 {
			t.Errorf("part %d has unbalanced fences:\n%s", i, p)
		}
		if i > 0 && i < len(parts)-1 && !strings.HasPrefix(p, "```go\n") {
			t.Errorf("part %d does not re-open the go fence:\n%s", i, p)
		}
	}
	assertSameWords(t, b.String(), parts)
}

func TestSplitMarkdownHardCutsLongWords(t *testing.T) {
	word := strings.Repeat("é", 250)
	parts := SplitMarkdown(word, 100, nil)
	if len(parts) != 3 {
		t.Fatalf("got %d parts", len(parts))
	}
	if strings.Join(parts, "") != word {
		t.Fatal("text lost in hard cut")
	}
}

func TestSplitMarkdownHonoursMeasure(t *testing.T) {
	// A measure that counts escaped length, as Slack's & < > escaping does.
	measure := func(s string) int { return len(s) + 4*strings.Count(s, "&") }
	text := strings.Repeat("a & b ", 300)
	for _, p := range SplitMarkdown(text, 500, measure) {
		if measure(p) > 500 {
			t.Fatalf("part measures %d > 500", measure(p))
		}
	}
}

func TestSplitMarkdownRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"alpha", "beta", "γάμμα", "日本語", "```", "```python", "\n", "\n\n", "`x`", "~~~", "**b**", "-"}
	for n := 0; n < 300; n++ {
		var b strings.Builder
		for i := rng.Intn(400); i > 0; i-- {
			w := words[rng.Intn(len(words))]
			if strings.HasPrefix(w, "```") || w == "~~~" {
				b.WriteString("\n" + w + "\n")
				continue
			}
			b.WriteString(w + " ")
		}
		text := b.String()
		limit := 30 + rng.Intn(300)
		parts := SplitMarkdown(text, limit, nil)
		for i, p := range parts {
			if c := utf8.RuneCountInString(p); c > limit {
				t.Fatalf("case %d: part %d has %d > %d runes", n, i, c, limit)
			}
			if fenceAfter("", p) != "" {
				t.Fatalf("case %d: part %d leaves a fence open:\n%s", n, i, p)
			}
		}
		assertSameWords(t, text, parts)
	}
}

func FuzzSplitMarkdown(f *testing.F) {
	f.Add("hello\n\n```go\nx := 1\n```\nbye", 20)
	f.Add(strings.Repeat("word ", 100), 7)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if !utf8.ValidString(text) || limit < 12 || limit > 5000 {
			return
		}
		for _, l := range strings.Split(text, "\n") {
			l = strings.TrimLeft(l, " ")
			if (strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~")) && utf8.RuneCountInString(l) > limit/2 {
				return // a fence line longer than half a message cannot be kept whole
			}
		}
		segs := splitSegments(text, 0, "", limit, utf8.RuneCountInString)
		// The parts partition the text: only whitespace between them.
		at := 0
		for i, sg := range segs {
			if strings.TrimSpace(text[at:sg.start]) != "" || sg.end <= sg.start {
				t.Fatalf("segment %d [%d,%d) after %d loses or repeats text", i, sg.start, sg.end, at)
			}
			at = sg.end
			p := renderSegment(text, sg)
			if c := utf8.RuneCountInString(p); c > limit {
				t.Fatalf("part %d has %d > %d runes: %q", i, c, limit, p)
			}
			if fenceAfter("", p) != "" {
				t.Fatalf("part %d leaves a fence open: %q", i, p)
			}
		}
		if strings.TrimSpace(text[at:]) != "" {
			t.Fatalf("text after %d lost", at)
		}
	})
}

// assertSameWords checks that parts hold the non-space characters of text in
// order once the fence lines the splitter added are removed.
func assertSameWords(t *testing.T, text string, parts []string) {
	t.Helper()
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || r == '`' || r == '~' {
				return -1
			}
			return r
		}, s)
	}
	// Fence lines (with their language tags) may be added; compare the text
	// with every fence line removed on both sides.
	dropFences := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if fenceMarker(strings.TrimLeft(l, " ")) != "" {
				continue
			}
			out = append(out, l)
		}
		return strip(strings.Join(out, "\n"))
	}
	want := dropFences(text)
	var got strings.Builder
	for _, p := range parts {
		got.WriteString(dropFences(p))
	}
	if got.String() != want {
		t.Fatalf("text changed by splitting:\nwant %q\ngot  %q", want, got.String())
	}
}
