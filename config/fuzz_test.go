package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes as the config file: Load must never panic,
// every error must match ErrInvalid, and a loaded config must validate and
// print without panicking.
func FuzzLoad(f *testing.F) {
	// Small seeds: the whole example file makes minimization crawl.
	for _, seed := range []string{
		"", "llm: {model: x}", "llm: 5", "[1, 2]", "channels: {a: 1}", "llm:\n  headers:\n    A: [1]\n",
		"llm: {timeout: 5}", "&a [*a]", "bot: {admins: \"slack:U1, discord:2\"}", "? [a]\n: b\n",
		"llm: {max_tokens: 1e300}", "llm:\n  provider: mistral\n  timeout: 2m0s\nslack:\n  enabled: true\n", "channels:\n  \"slack:C1\":\n    enabled: yes\n", "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := world{env: map[string]string{}, files: map[string]string{"/f.yaml": string(data)}}
		c, err := Load(w.options("/f.yaml"))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		if err := c.Validate(); err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Validate error %v does not match ErrInvalid", err)
		}
		if !strings.Contains(c.Redacted(), "llm:") {
			t.Fatalf("Redacted lacks the llm section")
		}
	})
}
