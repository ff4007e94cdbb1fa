package console

import "testing"

func TestBlocksEnd(t *testing.T) {
	for _, tc := range []struct {
		md   string
		want int
	}{
		{"para", 0},
		{"para\n\n", 0},
		{"para\n\nnext", 6},
		{"a\n\nb\n\nc", 6},
		{"```\ncode\n\nmore\n", 0},
		{"```\ncode\n\nmore\n```\n\nafter", 20},
	} {
		if got := blocksEnd(tc.md); got != tc.want {
			t.Errorf("blocksEnd(%q) = %d, want %d", tc.md, got, tc.want)
		}
	}
}
