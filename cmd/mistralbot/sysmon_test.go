package main

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestSysmonEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		want    []string
		changed bool
	}{
		{"no GODEBUG", []string{"PATH=/bin"}, []string{"PATH=/bin", "GODEBUG=" + sysmonSetting}, true},
		{"empty GODEBUG", []string{"GODEBUG=", "PATH=/bin"}, []string{"PATH=/bin", "GODEBUG=" + sysmonSetting}, true},
		{"other settings kept", []string{"GODEBUG=gctrace=1,madvdontneed=1"}, []string{"GODEBUG=gctrace=1,madvdontneed=1," + sysmonSetting}, true},
		{"operator's schedtrace wins", []string{"GODEBUG=schedtrace=1000"}, []string{"GODEBUG=schedtrace=1000"}, false},
		{"schedtrace=0 is a choice too", []string{"A=1", "GODEBUG=gctrace=1, schedtrace=0"}, []string{"A=1", "GODEBUG=gctrace=1, schedtrace=0"}, false},
		{"a value naming schedtrace is not the key", []string{"GODEBUG=x=schedtrace"}, []string{"GODEBUG=x=schedtrace," + sysmonSetting}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := sysmonEnv(tc.in)
			if changed != tc.changed || !slices.Equal(got, tc.want) {
				t.Errorf("sysmonEnv(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
			}
		})
	}
}

// TestRunRestartsWithSysmonSetting: run execs the binary itself, with its
// arguments and the setting added, once; with the setting present, or no
// exec (tests), it does not; a failed exec is said and the bot runs on.
func TestRunRestartsWithSysmonSetting(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	var stderr bytes.Buffer
	e := env{
		stderr:  &stderr,
		environ: func() []string { return []string{"HOME=/h", "GODEBUG=gctrace=1"} },
		exec: func(argv0 string, argv, envv []string) error {
			calls = append(calls, append([]string{argv0, strings.Join(argv, " ")}, envv...))
			return errors.New("exec refused")
		},
	}
	execWithSysmonSetting(e)
	want := []string{self, strings.Join(os.Args, " "), "HOME=/h", "GODEBUG=gctrace=1," + sysmonSetting}
	if len(calls) != 1 || !slices.Equal(calls[0], want) {
		t.Fatalf("exec calls %q, want one: %q", calls, want)
	}
	if !strings.Contains(stderr.String(), "exec refused") {
		t.Errorf("stderr %q does not say the exec failed", stderr.String())
	}

	calls = nil
	e.environ = func() []string { return []string{"GODEBUG=" + sysmonSetting} }
	execWithSysmonSetting(e)
	if len(calls) != 0 {
		t.Errorf("exec called %d times with the setting already there, want 0", len(calls))
	}
	e.environ, e.exec = func() []string { return nil }, nil
	execWithSysmonSetting(e) // must not panic, nothing to call
}
