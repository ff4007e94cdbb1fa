package summary

import (
	"errors"
	"testing"
	"time"
)

func langOK(s string) (string, bool) {
	switch s {
	case "fr", "en", "de", "it", "es":
		return s, true
	}
	return "", false
}

func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Span
		bad  string
	}{
		{in: "", want: Span{}},
		{in: "24h", want: Span{Since: 24 * time.Hour}},
		{in: "90m", want: Span{Since: 90 * time.Minute}},
		{in: "3d fr", want: Span{Since: 72 * time.Hour, Language: "fr"}},
		{in: "200 share", want: Span{Count: 200, Share: true}},
		{in: "FR  Partager 1w", want: Span{Since: 7 * 24 * time.Hour, Language: "fr", Share: true}},
		{in: "0", bad: "0"},
		{in: "10001", bad: "10001"},
		{in: "31d", bad: "31d"},
		{in: "yesterday", bad: "yesterday"},
		{in: "fr de", bad: "de"},
		{in: "24x", bad: "24x"},
	} {
		got, err := ParseSpan(tc.in, langOK)
		var se *SpanError
		switch {
		case tc.bad != "" && (!errors.As(err, &se) || se.Arg != tc.bad):
			t.Errorf("ParseSpan(%q) err = %v, want one naming %q", tc.in, err, tc.bad)
		case tc.bad == "" && (err != nil || got != tc.want):
			t.Errorf("ParseSpan(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSpan(f *testing.F) {
	for _, s := range []string{"24h", "200 share", "fr", "9999999999999999999h", "1w 3d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpan(s, langOK)
		if err == nil && (sp.Since < 0 || sp.Since > MaxSince || sp.Count < 0 || sp.Count > MaxCount) {
			t.Fatalf("ParseSpan(%q) = %+v out of bounds", s, sp)
		}
	})
}
