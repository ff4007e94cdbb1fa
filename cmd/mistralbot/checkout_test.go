package main

import (
	"path/filepath"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// check prints its verdicts and no configuration; with -v (or
// --show-config) the redacted configuration follows the verdicts.
func TestCheckPrintsResultsFirstConfigWithV(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter, APIKey: "sk-or-good-secret"})
	defer srv.Close()
	envs := map[string]string{"MISTRALBOT_LLM_BASE_URL": srv.URL(), "MISTRALBOT_STORE_DRIVER": "memory", "OPENROUTER_API_KEY": "sk-or-good-secret"}

	code, out, errOut := runCmd(t, envs, "", "--config", noFile(t), "check")
	if code != exitOK || !strings.HasPrefix(out, "ok   ") || strings.Contains(out, "# configuration") || strings.Contains(out, "temperature") {
		t.Fatalf("check: code %d stderr %q\n%s", code, errOut, out)
	}
	for _, flag := range []string{"-v", "--show-config"} {
		code, out, _ := runCmd(t, envs, "", "--config", noFile(t), "check", flag)
		verdict, cfg := strings.Index(out, "everything enabled is usable"), strings.Index(out, "# configuration (secrets redacted)")
		if code != exitOK || !strings.HasPrefix(out, "ok   ") || verdict < 0 || cfg < verdict || !strings.Contains(out[cfg:], "temperature") {
			t.Fatalf("check %s: code %d\n%s", flag, code, out)
		}
		if strings.Contains(out, "sk-or-good-secret") {
			t.Fatalf("check %s printed the key", flag)
		}
	}
}

// The first run's bad inputs, each with its exit code and a message
// saying what to do.
func TestCheckOnTheFirstRunsMistakes(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter})
	defer srv.Close()
	base := func(kv ...string) map[string]string {
		m := map[string]string{"MISTRALBOT_LLM_BASE_URL": srv.URL(), "MISTRALBOT_STORE_DRIVER": "memory", "OPENROUTER_API_KEY": "sk-or-x"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	missing := filepath.Join(t.TempDir(), "mistralbot.yaml")
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no such config file", base(), []string{"--config", missing, "check"}, exitConfig, "copy mistralbot.example.yaml to " + missing},
		{"MISTRALBOT_CONFIG names no file", base("MISTRALBOT_CONFIG", missing), []string{"check"}, exitConfig, "copy mistralbot.example.yaml"},
		{"no key", base("OPENROUTER_API_KEY", ""), []string{"--config", noFile(t), "check"}, exitConfig, "OPENROUTER_API_KEY"},
		{"a typo in a variable", base("MISTRALBOT_SLACK_ENABLD", "true"), []string{"--config", noFile(t), "check"}, exitConfig, "MISTRALBOT_SLACK_ENABLED"},
		{"retired model", base("MISTRALBOT_LLM_MODEL", "mistralai/mistral-small"), []string{"--config", noFile(t), "check"}, exitOK, "WARN llm.model"},
		{"nothing enabled", base(), []string{"--config", noFile(t), "run"}, exitConfig, "MISTRALBOT_SLACK_ENABLED"},
	} {
		code, out, errOut := runCmd(t, c.env, "", c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%s: code %d (want %d), output lacks %q:\n%s%s", c.name, code, c.code, c.want, out, errOut)
		}
	}
}
