package engine

import (
	"strings"
	"testing"
)

func TestMaxReplyBytesDefaults(t *testing.T) {
	for _, tc := range []struct{ maxTokens, set, want int }{
		{1024, 0, 16384}, {4096, 0, 32768}, {100, 0, 16384}, {8192, 0, 65536}, {4096, 5000, 5000},
	} {
		e := testEngine(t, Options{MaxTokens: tc.maxTokens, ContextTokens: 65536, MaxReplyBytes: tc.set})
		if got := e.opts.MaxReplyBytes; got != tc.want {
			t.Errorf("max_tokens %d, max_reply_bytes %d: cap %d, want %d", tc.maxTokens, tc.set, got, tc.want)
		}
	}
	if _, err := New(Options{LLM: nopLLM{}, Store: newFakeStore(), MaxReplyBytes: -1}); err == nil {
		t.Error("a negative max reply bytes was accepted")
	}
}

func TestAppendCapped(t *testing.T) {
	for _, tc := range []struct {
		have, d string
		limit   int
		want    string
		full    bool
	}{
		{"ab", "cd", 4, "abcd", false},
		{"ab", "cde", 4, "abcd", true},
		{"ab", "cé", 4, "abc", true}, // é is 2 bytes: not cut in half
		{"abcd", "e", 4, "abcd", true},
	} {
		var b strings.Builder
		b.WriteString(tc.have)
		if full := appendCapped(&b, []byte(tc.d), tc.limit); full != tc.full || b.String() != tc.want {
			t.Errorf("appendCapped(%q, %q, %d) = %q, %v; want %q, %v", tc.have, tc.d, tc.limit, b.String(), full, tc.want, tc.full)
		}
	}
}
