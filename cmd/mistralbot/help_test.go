package main

import (
	"strings"
	"testing"
)

// Help asked for is on stdout with exit 0, for the whole command and for
// each subcommand, and each subcommand's help has its own line, its own
// flags and an example.
func TestHelpIsOnStdoutWithExitZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errOut := runCmd(t, nil, "", args...)
		if code != exitOK || errOut != "" {
			t.Fatalf("%v: code %d stderr %q", args, code, errOut)
		}
		for _, want := range []string{"Commands:", "health", "Exit codes:", "MISTRALBOT_CONFIG"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: stdout lacks %q:\n%s", args, want, out)
			}
		}
	}
	for _, s := range subcommands {
		for _, args := range [][]string{{s.name, "--help"}, {"help", s.name}} {
			code, out, errOut := runCmd(t, nil, "", args...)
			if code != exitOK || errOut != "" {
				t.Fatalf("%v: code %d stderr %q", args, code, errOut)
			}
			if !strings.HasPrefix(out, "mistralbot "+s.name+": "+s.summary) || !strings.Contains(out, "Example:\n  "+s.example) || !strings.Contains(out, "Exit codes:") {
				t.Errorf("%v: help lacks its line or example:\n%s", args, out)
			}
			for _, f := range s.flags {
				if !strings.Contains(out, "  "+dashed(f)+"\n") {
					t.Errorf("%v: help lacks flag %s:\n%s", args, dashed(f), out)
				}
			}
		}
	}
	// A flag of another command is not listed.
	_, out, _ := runCmd(t, nil, "", "version", "--help")
	if strings.Contains(out, "--guild") || strings.Contains(out, "--url") {
		t.Errorf("version's help lists other commands' flags:\n%s", out)
	}
}

// A command-line mistake goes to stderr with exit 2.
func TestBadFlagExitsTwoOnStderr(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "", "check", "--no-such-flag")
	if code != exitConfig || out != "" || !strings.Contains(errOut, "no-such-flag") || !strings.Contains(errOut, `mistralbot check --help`) {
		t.Fatalf("code %d stdout %q stderr %q", code, out, errOut)
	}
	code, _, errOut = runCmd(t, nil, "", "help", "frobnicate")
	if code != exitConfig || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("help frobnicate: code %d stderr %q", code, errOut)
	}
}
