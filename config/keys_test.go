package config

import (
	"strings"
	"testing"
)

func TestUnknownKeysAreNamed(t *testing.T) {
	t.Parallel()
	_, err := loadYAML(t, `
llm:
  modle: x
slak:
  enabled: true
bot:
  language: fr
  zzz: 1
channels:
  "slack:C1":
    langauge: fr
`, nil)
	problems := problemsOf(t, err)
	want := []string{
		`unknown key "bot.zzz"`,
		`unknown key "channels.slack:C1.langauge" (did you mean "channels.slack:C1.language"?)`,
		`unknown key "llm.modle" (did you mean "llm.model"?)`,
		`unknown key "slak" (did you mean "slack"?)`,
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), "/test/mistralbot.yaml") {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestWrongTypesAreNamed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		key  string
	}{
		{"llm: {temperature: hot}", "llm.temperature: "},
		{"llm: {max_tokens: [1, 2]}", "llm.max_tokens: "},
		{"llm: {max_tokens: 10.5}", "llm.max_tokens: must be a whole number"},
		{"llm: {timeout: 5}", `llm.timeout: a duration needs a unit`},
		{"llm: {timeout: soon}", "llm.timeout: not a duration"},
		{"llm: {headers: [a]}", "llm.headers: must be a mapping"},
		{"llm: {headers: {X-A: [1]}}", "llm.headers.x-a: must be a string"},
		{"llm: 5", "llm: must be a mapping"},
		{"slack: {enabled: maybe}", "slack.enabled: must be true or false"},
		{"discord: {shard_id: {a: 1}}", "discord.shard_id: "},
		{"bot: {admins: {a: 1}}", "bot.admins[0]: "},
		{"channels: [a]", "channels: must be a mapping"},
		{"channels: {\"slack:C1\": fr}", "channels.slack:C1: must be a mapping"},
		{"channels: {\"slack:C1\": {enabled: perhaps}}", "channels.slack:C1.enabled: must be true or false"},
		{"[1, 2]", "the top level must be a mapping"},
		{"llm: {model: [unclosed", "parse YAML: "},
	}
	for _, tt := range tests {
		_, err := loadYAML(t, tt.yaml+"\n", nil)
		problems := problemsOf(t, err)
		if len(problems) != 1 || !strings.HasPrefix(problems[0], tt.key) {
			t.Errorf("%q: problems %q, want one starting %q", tt.yaml, problems, tt.key)
		}
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	_, err := loadYAML(t, "llm: {modle: x, temperature: hot}\nbot: {history_messages: many}\n",
		map[string]string{"MISTRALBOT_LLM_TIMEOUT": "5"})
	if problems := problemsOf(t, err); len(problems) != 4 {
		t.Errorf("problems = %q, want 4", problems)
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"model", "modle", 1}, {"model", "mode", 1},
		{"", "abc", 3}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDottedKeysAreRefused(t *testing.T) {
	t.Parallel()
	for _, yaml := range []string{
		"llm.model: x", `"": 1`, "llm: {headers: {a.b: c}}", "channels: {a.b: {model: x}}", "llm: {.: 1}",
	} {
		_, err := loadYAML(t, yaml+"\n", nil)
		if problems := problemsOf(t, err); len(problems) != 1 {
			t.Errorf("%q: problems %q, want 1", yaml, problems)
		}
	}
}
