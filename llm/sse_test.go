package llm

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func events(t *testing.T, r io.Reader) ([]string, error) {
	t.Helper()
	var d eventReader
	d.reset(r)
	var out []string
	for {
		data, err := d.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(data))
	}
}

func TestEventReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "data: a\n\ndata: b\n\n", []string{"a", "b"}},
		{"no space after colon", "data:a\n\ndata:  b\n\n", []string{"a", " b"}},
		{"comments skipped", ": OPENROUTER PROCESSING\n\n: x\ndata: a\n\n", []string{"a"}},
		{"comment inside event", "data: a\n: keep-alive\ndata: b\n\n", []string{"a\nb"}},
		{"multi-line data joined", "data: {\"a\":\ndata: 1}\n\n", []string{"{\"a\":\n1}"}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}},
		{"other fields ignored", "event: message\nid: 7\nretry: 100\ndata: a\n\n", []string{"a"}},
		{"field without colon ignored", "data\nfoo\ndata: a\n\n", []string{"\na"}},
		{"event without data skipped", "event: ping\n\ndata: a\n\n", []string{"a"}},
		{"empty data is an event", "data:\n\n", []string{""}},
		{"last event without blank line", "data: a\n\ndata: [DONE]\n", []string{"a", "[DONE]"}},
		{"last line without newline", "data: a\n\ndata: [DONE]", []string{"a", "[DONE]"}},
		{"blank lines between events", "\n\n\ndata: a\n\n\n\n", []string{"a"}},
		{"empty input", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range map[string]io.Reader{
				"whole":    strings.NewReader(tt.in),
				"one byte": iotest.OneByteReader(strings.NewReader(tt.in)),
			} {
				got, err := events(t, r)
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
					t.Fatalf("events = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestEventReaderLongLines(t *testing.T) {
	big := strings.Repeat("x", 1<<20) // 1 MiB, far past bufio.Scanner's 64 KiB
	in := "data: " + big + "\r\n\r\ndata: small\n\n"
	got, err := events(t, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != big || got[1] != "small" {
		t.Fatalf("got %d events, first %d bytes", len(got), len(got[0]))
	}

	huge := "data: " + strings.Repeat("y", maxEventBytes+1) + "\n\n"
	if _, err := events(t, strings.NewReader(huge)); !errors.Is(err, errEventTooLong) {
		t.Fatalf("oversized line: err = %v, want errEventTooLong", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("z", 1<<20)+"\n", 9) + "\n"
	if _, err := events(t, strings.NewReader(many)); !errors.Is(err, errEventTooLong) {
		t.Fatalf("oversized event: err = %v, want errEventTooLong", err)
	}
}

func TestEventReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := events(t, r)
	if !errors.Is(err, boom) || len(got) != 1 || got[0] != "a" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestEventReaderTouchesEveryLine(t *testing.T) {
	var d eventReader
	n := 0
	d.reset(bytes.NewReader([]byte(": c\n\ndata: a\n\n")))
	d.touch = func() { n++ }
	if _, err := d.next(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("touch called %d times, want 4 (comment, blank, data, blank)", n)
	}
}
