package console

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// questions splits in whole.
func questions(t *testing.T, in string) []string {
	t.Helper()
	sp := newSplitter(strings.NewReader(in), nil)
	var qs []string
	for {
		q, err := sp.next()
		if errors.Is(err, io.EOF) {
			return qs
		}
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
}

func TestSplitter(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"one per line", "a\nb\r\n\nc", []string{"a", "b", "", "c"}},
		{"backslash", "first \\\nsecond\nthird\n", []string{"first \nsecond", "third"}},
		{"fence", "/review\n```go\nfunc f() {\n\n}\n```\nnext\n", []string{"/review", "```go\nfunc f() {\n\n}\n```", "next"}},
		{"fence after text", "explain ``` no\n```\nx\n```\n", []string{"explain ``` no", "```\nx\n```"}},
		{"open fence at EOF", "```\na\n", []string{"```\na"}},
		{"paste", "/explain \x1b[200~line 1\nline 2\\\n\nline 4\x1b[201~ please\nafter\n",
			[]string{"/explain line 1\nline 2\\\n\nline 4 please", "after"}},
		{"paste ending in a newline", "\x1b[200~a\nb\n\x1b[201~\nc\n", []string{"a\nb\n", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := questions(t, tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("questions = %q, want %q", got, tc.want)
			}
		})
	}
}

// The continuation prompt is asked for on backslash and fence lines, not
// inside a paste.
func TestSplitterMore(t *testing.T) {
	n := 0
	sp := newSplitter(strings.NewReader("a\\\nb\n```\nc\n```\n\x1b[200~x\ny\nz\x1b[201~\n"), func() { n++ })
	for range 3 {
		if _, err := sp.next(); err != nil {
			t.Fatal(err)
		}
	}
	if n != 3 {
		t.Errorf("more called %d times, want 3", n)
	}
}

func TestSplitterTooLong(t *testing.T) {
	sp := newSplitter(strings.NewReader("```\n"+strings.Repeat(strings.Repeat("x", 1000)+"\n", 1100)), nil)
	if _, err := sp.next(); !errors.Is(err, errTooLong) {
		t.Fatalf("err = %v, want errTooLong", err)
	}
}
