package mdterm

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	r, err := New(80, "dark")
	if err != nil {
		t.Fatal(err)
	}
	out := r.Render("# Title\n\nSome **bold** text.\n\n```go\nx := 1\n```\n")
	if strings.Contains(out, "**") || strings.Contains(out, "```") || !strings.Contains(out, "bold") || !strings.Contains(out, "x") {
		t.Errorf("render = %q", out)
	}
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no terminal styling in %q", out)
	}
	if strings.HasPrefix(out, "\n") || !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
		t.Errorf("margins not trimmed: %q", out)
	}
}
