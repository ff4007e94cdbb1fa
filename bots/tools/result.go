package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Truncate bounds text to max bytes, cut at a UTF-8 boundary, ending with
// a line that tells the model it was cut and how much there was. It
// reports whether it cut.
func Truncate(text string, max int) (string, bool) {
	if len(text) <= max {
		return text, false
	}
	tail := fmt.Sprintf("\n[truncated: the tool returned %d bytes; only the first part is shown]", len(text))
	keep := max - len(tail)
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(text[keep]) {
		keep--
	}
	if keep+len(tail) > max { // a max too small for the notice
		return strings.ToValidUTF8(text[:max], ""), true
	}
	return text[:keep] + tail, true
}

// normalizeArguments accepts the model's arguments when they are a JSON
// object; empty or null means no arguments ({}).
func normalizeArguments(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid(trimmed) {
		return nil, errors.New("not valid JSON")
	}
	if trimmed[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	return trimmed, nil
}

// safeName is a name the model wrote, made safe to quote to the model and
// to the user (no markup, no mentions): the characters of a valid name
// only, at most MaxNameLen.
func safeName(name string) string {
	if ValidName(name) {
		return name
	}
	clean := ExposedName("", name)
	if len(clean) > MaxNameLen {
		clean = clean[:MaxNameLen]
	}
	return clean
}

// note is the short English line the user sees for a failed call.
func note(f Failure, tool string, timeout time.Duration) string {
	switch f {
	case FailureNone:
		return ""
	case FailureTool:
		return "Tool " + tool + " reported an error."
	case FailureUnknown:
		return "The model asked for a tool that is not available here (" + tool + ")."
	case FailureArguments:
		return "The model sent invalid arguments to " + tool + "."
	case FailureTimeout:
		return fmt.Sprintf("Tool %s did not answer within %s.", tool, timeout)
	case FailureUnavailable:
		return "Tool " + tool + " is unavailable right now."
	case FailureDenied:
		return "Tool " + tool + " was not run."
	case FailureCanceled:
		return "Tool " + tool + " was stopped."
	}
	return "Tool " + tool + " failed."
}
