package main

import (
	"context"
	"strings"
	"testing"
)

func TestHelpAndUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"-h"}, exitOK, "fakeslack serve", ""},
		{[]string{"ask", "-h"}, exitOK, "Exit codes", ""},
		{[]string{"serve", "-h"}, exitOK, "-public-url", ""},
		{nil, exitUsage, "", "Usage:"},
		{[]string{"frob"}, exitUsage, "", `unknown command "frob"`},
		{[]string{"ask"}, exitUsage, "", "a question is required"},
		{[]string{"ask", "-nope", "x"}, exitUsage, "", "flag provided but not defined"},
	} {
		var out, errb strings.Builder
		code := run(context.Background(), tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("%v: code %d, stdout %q, stderr %q", tc.args, code, out.String(), errb.String())
		}
	}
}

// An answer is complete only when no message is being written and one
// carries the feedback buttons.
func TestAnswerState(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies []reply
		want    answerState
	}{
		{"nothing yet", nil, answerPending},
		{"streaming", []reply{{Text: "a", Streaming: true}}, answerPending},
		{"stop button", []reply{{Text: "a", Writing: true}}, answerPending},
		{"first part done, second written", []reply{{Text: "a", Complete: true}, {Text: "b", Writing: true}}, answerPending},
		{"complete", []reply{{Text: "a"}, {Text: "b", Complete: true}}, answerComplete},
		{"an error notice", []reply{{Text: "⚠️ failed"}}, answerEnded},
	} {
		if got := state(tc.replies); got != tc.want {
			t.Errorf("%s: state %d, want %d", tc.name, got, tc.want)
		}
	}
}

// Streamed tokens are printed as they come; an edit that is not an
// append prints the text again.
func TestFollowerPrintsTheGrowth(t *testing.T) {
	var out strings.Builder
	f := follower{out: &out}
	for _, text := range []string{"Hel", "Hello", "Hello", "Hello world", "Hi"} {
		f.show([]reply{{Text: text}})
	}
	f.end()
	if want := "Hello world\n--- (edited)\nHi\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
