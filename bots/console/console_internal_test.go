package console

import "testing"

func TestPosixLocale(t *testing.T) {
	for in, want := range map[string]string{"fr_FR.UTF-8": "fr-FR", "de_DE@euro": "de-DE", "C": "", "POSIX": "", "": "", "it": "it", "C.UTF-8": ""} {
		if got := posixLocale(in); got != want {
			t.Errorf("posixLocale(%q) = %q, want %q", in, got, want)
		}
	}
}
