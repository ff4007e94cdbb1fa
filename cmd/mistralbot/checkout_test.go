package main

import (
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
