package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"mistralbot/config"
)

// TestLogRedactorHidesSecretsEverywhere: the message, string and error
// attributes, attributes bound with With, groups and %v of other values
// are redacted; numbers keep their type.
func TestLogRedactorHidesSecretsEverywhere(t *testing.T) {
	key := "sk-or-v1-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	var out bytes.Buffer
	log := newLogger(config.Log{Level: "debug", Format: "json"}, &out, logOptions{redact: config.NewRedactor(key)})
	respURL := "https://hooks.slack.com/commands/T0001/1234567890/SeCrEtToKeN0123456789"
	netErr := &url.Error{Op: "Post", URL: respURL, Err: errors.New("dial tcp: i/o timeout")}
	log.With("bound", "prefix "+key[:12]).Warn("provider said: Incorrect API key sk-or-v1-9f8e7d6c****",
		"err", fmt.Errorf("slack: post ephemeral: %w", netErr), "count", 3,
		"req", map[string]string{"auth": "Bearer " + key}, "g", struct{ URL string }{respURL})
	line := out.String()
	for _, leak := range []string{"9f8e7d6c", "SeCrEtToKeN", "1234567890/"} {
		if strings.Contains(line, leak) {
			t.Errorf("log line shows %q:\n%s", leak, line)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, line)
	}
	if rec["count"] != float64(3) {
		t.Errorf("count = %#v, want the number 3", rec["count"])
	}
	if !strings.Contains(rec["err"].(string), "hooks.slack.com/<redacted>") {
		t.Errorf("err = %q", rec["err"])
	}
}
