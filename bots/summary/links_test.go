package summary

import "testing"

func TestLink(t *testing.T) {
	msgs := []Message{{Link: "https://x/1"}, {Link: "https://x/2"}, {}}
	for _, tc := range []struct{ in, want string }{
		{"Alice decided [m1].", "Alice decided [↗](https://x/1)."},
		{"see [m1, m2]", "see [↗](https://x/1) [↗](https://x/2)"},
		{"see [m2 10:02]", "see [↗](https://x/2)"},
		{"made up [m99].", "made up."},
		{"no link [m3].", "no link."},
		{"dup [m1; m1]", "dup [↗](https://x/1)"},
		{"already [m1](https://x/1)", "already [m1](https://x/1)"},
		{"an array [0] and [main] stay", "an array [0] and [main] stay"},
		{"- item\n  - nested [m1]", "- item\n  - nested [↗](https://x/1)"},
	} {
		if got := Link(tc.in, msgs); got != tc.want {
			t.Errorf("Link(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
