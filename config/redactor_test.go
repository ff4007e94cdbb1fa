package config

import (
	"strings"
	"testing"
)

func TestRedactorHidesSecretFragmentsAndCapabilityURLs(t *testing.T) {
	key := "sk-or-v1-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	r := NewRedactor(key, "xoxb-1111-2222-AbCdEfGhIjKl", "", "pw12")
	cases := []struct{ name, in, want string }{
		{"whole key", "key " + key + " refused", "key <redacted> refused"},
		{"provider echoes part of the key", `Incorrect API key provided: sk-or-v1-9f8e****b1a0`, `Incorrect API key provided: <redacted>****b1a0`},
		{"middle fragment", "got 7d6c5b4a3928 back", "got <redacted> back"},
		{"seven characters are left", "x 7d6c5b4 y", "x 7d6c5b4 y"},
		{"two fragments", "a=2222-AbCdEf b=1706f5e4d3", "a=<redacted> b=<redacted>"},
		{"short secret whole", "password pw12 wrong", "password <redacted> wrong"},
		{"slack response_url", `Post "https://hooks.slack.com/commands/T0001/123456/AbCdEf": dial tcp: i/o timeout`, `Post "https://hooks.slack.com/<redacted>": dial tcp: i/o timeout`},
		{"gov slack", "https://hooks.slack-gov.com/actions/T1/2/x", "https://hooks.slack-gov.com/<redacted>"},
		{"response_url shape on another host", "http://127.0.0.1:9/commands/T0001/1234567890/SeCrEtToKeN01", "http://127.0.0.1:9/commands/T0001/<redacted>"},
		{"discord interaction webhook", "PATCH https://discord.com/api/v10/webhooks/1100000000000000002/aW50ZXJhY3Rpb246MTEwMDpzZWNyZXQ/messages/@original: 404",
			"PATCH https://discord.com/api/v10/webhooks/1100000000000000002/<redacted>/messages/@original: 404"},
		{"discord callback", "/interactions/1234567890/aW50ZXJhY3Rpb24tdG9rZW4x/callback", "/interactions/1234567890/<redacted>/callback"},
		{"nothing secret", "channel C0123 thread 1700000000.000100", "channel C0123 thread 1700000000.000100"},
	}
	for _, c := range cases {
		if got := r.Redact(c.in); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	var nilR *Redactor
	if nilR.Redact("x") != "x" {
		t.Error("a nil Redactor changes text")
	}
}

func TestSecretsListsEveryConfiguredSecret(t *testing.T) {
	c := Config{
		LLM:     LLM{APIKey: "sk-1", BaseURL: "https://user:basepass@llm.example/v1", Headers: map[string]string{"Authorization": "Bearer hdrsecret", "X-Title": "mistralbot"}},
		Slack:   Slack{BotToken: "xoxb-1", AppToken: "xapp-1", SigningSecret: "sig"},
		Discord: Discord{Token: "dtok"},
		Store:   Store{RedisURL: "redis://:redispass@redis:6379/0"},
	}
	got := strings.Join(c.Secrets(), " ")
	for _, w := range []string{"sk-1", "basepass", "hdrsecret", "xoxb-1", "xapp-1", "sig", "dtok", "redispass"} {
		if !strings.Contains(got, w) {
			t.Errorf("Secrets() lacks %q: %q", w, got)
		}
	}
	if strings.Contains(got, "mistralbot") {
		t.Errorf("Secrets() lists a header that is no secret: %q", got)
	}
}
