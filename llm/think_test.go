package llm

import (
	"strings"
	"testing"
)

// filterPieces runs pieces through a thinkFilter and returns the visible
// text.
func filterPieces(pieces []string) string {
	var f thinkFilter
	var b strings.Builder
	for _, p := range pieces {
		b.Write(f.push([]byte(p)))
	}
	b.Write(f.flush())
	return b.String()
}

func TestThinkFilter(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain text", "plain text"},
		{"<think>secret</think>\n\nAnswer", "Answer"},
		{"Before <think>x</think> after", "Before after"},
		{"a<think>x</think>b<think>y</think>c", "abc"},
		{"<think>never closed", ""},
		{"less < than and <b>bold</b>", "less < than and <b>bold</b>"},
		{"ends with <thi", "ends with <thi"},
		{"ends with <", "ends with <"},
		{"<think></think>", ""},
		{"<think>a</think>   \n  \n", ""},
		{"x </think> y", "x </think> y"},
		// A literal <think> in an answer, never closed: given back whole
		// at the end, not hidden with the rest of the answer.
		{"Use the <think> tag to open a block.", "Use the <think> tag to open a block."},
		{"Write <think> then </thi", "Write <think> then </thi"},
		{"  \n<think>reasoning cut short", "  \n"}, // reasoning: only blanks before it
	}
	for _, tt := range tests {
		// Every way of cutting the input in two, and byte by byte.
		for cut := 0; cut <= len(tt.in); cut++ {
			if got := filterPieces([]string{tt.in[:cut], tt.in[cut:]}); got != tt.want {
				t.Errorf("%q cut at %d: got %q, want %q", tt.in, cut, got, tt.want)
			}
		}
		var bytewise []string
		for i := range len(tt.in) {
			bytewise = append(bytewise, tt.in[i:i+1])
		}
		if got := filterPieces(bytewise); got != tt.want {
			t.Errorf("%q byte by byte: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestThinkFilterStreamsAsItGoes(t *testing.T) {
	var f thinkFilter
	if got := string(f.push([]byte("Hello <th"))); got != "Hello " {
		t.Fatalf("first push = %q, want the text before the possible tag", got)
	}
	if got := string(f.push([]byte("e world"))); got != "<the world" {
		t.Fatalf("second push = %q, want the held-back bytes released", got)
	}
}
