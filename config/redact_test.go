package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomSecret draws from characters that stress URL and YAML escaping.
func randomSecret(r *rand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" +
		"-_.~!$&'()*+,;=:@/?#[]%\"\\ é"
	n := 12 + r.IntN(20)
	b := make([]byte, 0, n)
	for range n {
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	// A marker that cannot appear in a rendering by chance.
	return "S3cr" + string(b) + "Zq9"
}

func TestRedactedNeverShowsASecret(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		s := make([]string, 8)
		for j := range s {
			s[j] = randomSecret(r)
		}
		env := map[string]string{
			"MISTRALBOT_LLM_API_KEY":               s[0],
			"MISTRALBOT_SLACK_BOT_TOKEN":           s[1],
			"MISTRALBOT_SLACK_APP_TOKEN":           s[2],
			"MISTRALBOT_SLACK_SIGNING_SECRET":      s[3],
			"MISTRALBOT_DISCORD_TOKEN":             s[4],
			"MISTRALBOT_STORE_REDIS_URL":           "redis://user:" + s[5] + "@redis.internal:6379/0",
			"MISTRALBOT_LLM_BASE_URL":              "https://proxy:" + s[6] + "@llm.example/v1",
			"MISTRALBOT_LLM_HEADERS_AUTHORIZATION": "Bearer " + s[7],
		}
		c, err := Load(world{env: env, files: map[string]string{"/c.yaml": "llm:\n  headers:\n    Authorization: x\n"}}.options("/c.yaml"))
		if err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
		if c.LLM.APIKey != s[0] || c.LLM.Headers["Authorization"] != "Bearer "+s[7] {
			t.Fatalf("iteration %d: secrets did not load", i)
		}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "config", *c)
		outputs := []string{
			c.Redacted(), c.String(), fmt.Sprintf("%v|%+v|%#v|%s", c, c, c, c), fmt.Sprintf("%v", *c),
			fmt.Sprintf("%v %+v %#v", c.LLM, c.Slack, c.Discord), fmt.Sprintf("%v %#v", c.Store, c.Store),
			logs.String(),
		}
		if err := c.Validate(); err != nil {
			outputs = append(outputs, err.Error())
		}
		for _, out := range outputs {
			for _, sec := range s {
				for _, part := range []string{sec, sec[:len(sec)/2], sec[len(sec)/2:]} {
					if strings.Contains(out, part) {
						t.Fatalf("iteration %d: output shows secret %q:\n%s", i, part, out)
					}
				}
			}
		}
		if !strings.Contains(c.Redacted(), "api_key: <redacted>") {
			t.Fatalf("Redacted lacks the marker:\n%s", c.Redacted())
		}
	}
}

func TestRedactedMarksUnsetSecrets(t *testing.T) {
	t.Parallel()
	out := mustLoad(t, "", nil).Redacted()
	for _, want := range []string{"api_key: <unset>", "bot_token: <unset>", "token: <unset>", "redis_url: \"\"", "X-Title: mistralbot"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted lacks %q:\n%s", want, out)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                                    "",
		"redis://localhost:6379/0":            "redis://localhost:6379/0",
		"redis://:pw@localhost:6379/0":        "redis://:<redacted>@localhost:6379/0",
		"redis://alice:pw@localhost:6379":     "redis://alice:<redacted>@localhost:6379",
		"redis://justapassword@localhost":     "redis://<redacted>@localhost",
		"rediss://h:1/0?password=pw&db=2":     "rediss://h:1/0?db=2&password=%3Credacted%3E",
		"https://openrouter.ai/api/v1":        "https://openrouter.ai/api/v1",
		"unix://:pw@/var/run/redis.sock?db=1": "unix://:<redacted>@/var/run/redis.sock?db=1",
		"redis://:123/pw@host":                "redis://:<redacted>@host",
		"redis://u/x:pw@host":                 "redis://<redacted>@host",
		"redis:pw@host":                       "redis:<redacted>@host",
		"redis://h/0?password=a;b":            "redis://h/0?<redacted>",
		"redis://h/0?token=a#frag":            "redis://h/0?token=%3Credacted%3E#frag",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// The redacted rendering is valid configuration: it loads back to the same
// values, secrets aside.
func TestRedactedLoadsBack(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "channels:\n  \"slack:C1\": {language: fr, enabled: false}\nbot: {admins: [\"slack:U1\"]}\n",
		map[string]string{"OPENROUTER_API_KEY": "k"})
	back := mustLoad(t, c.Redacted(), nil)
	back.LLM.APIKey = c.LLM.APIKey
	back.Slack.BotToken, back.Slack.AppToken, back.Slack.SigningSecret = "", "", ""
	back.Discord.Token = ""
	if back.Redacted() != c.Redacted() {
		t.Errorf("round trip differs:\n%s\nvs\n%s", back.Redacted(), c.Redacted())
	}
}
