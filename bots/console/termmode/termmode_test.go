package termmode

import (
	"os"
	"testing"
)

// A file that is not a terminal is left alone, and restore is callable.
func TestNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	restore := QuietControls(f)
	if restore == nil {
		t.Fatal("nil restore")
	}
	restore()
	if _, err := f.WriteString("still usable"); err != nil {
		t.Fatal(err)
	}
}
