package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// runCmd runs the command line with envs and stdin; it returns the exit
// code, stdout and stderr.
func runCmd(t *testing.T, envs map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := run(ctx, args, env{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		lookup: func(k string) (string, bool) { v, ok := envs[k]; return v, ok },
		environ: func() []string {
			var out []string
			for k, v := range envs {
				out = append(out, k+"="+v)
			}
			return out
		},
	})
	return code, out.String(), errb.String()
}

// noFile points --config at an empty file so no local mistralbot.yaml is
// picked up.
func noFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersionAndUnknownCommand(t *testing.T) {
	code, out, _ := runCmd(t, nil, "", "version")
	if code != 0 || !strings.HasPrefix(out, "mistralbot ") {
		t.Fatalf("version: code %d out %q", code, out)
	}
	code, _, errOut := runCmd(t, nil, "", "frobnicate")
	if code != exitConfig || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: code %d stderr %q", code, errOut)
	}
}

func TestRunWithNothingEnabledNamesTheEnvVars(t *testing.T) {
	code, _, errOut := runCmd(t, map[string]string{"OPENROUTER_API_KEY": "k"}, "", "--config", noFile(t), "run")
	if code != exitConfig {
		t.Fatalf("code %d, want %d", code, exitConfig)
	}
	for _, want := range []string{"MISTRALBOT_SLACK_ENABLED", "SLACK_BOT_TOKEN", "MISTRALBOT_DISCORD_ENABLED", "DISCORD_BOT_TOKEN", "mistralbot chat"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %s:\n%s", want, errOut)
		}
	}
}

func TestBadConfigExitsTwoListingEveryProblem(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(p, []byte("llm:\n  modle: x\n  temperature: 9\nslack:\n  enabled: true\n"), 0o600)
	code, _, errOut := runCmd(t, nil, "", "--config", p, "check")
	if code != exitConfig {
		t.Fatalf("code %d, want %d; stderr %s", code, exitConfig, errOut)
	}
	if !strings.Contains(errOut, `"llm.modle"`) {
		t.Fatalf("stderr does not name the unknown key:\n%s", errOut)
	}
}

func TestChatPipedPrintsTheStreamedReply(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	defer srv.Close()
	envs := map[string]string{"MISTRALBOT_LLM_PROVIDER": "openai", "MISTRALBOT_LLM_BASE_URL": srv.URL()}
	code, out, errOut := runCmd(t, envs, "hello there\n", "--config", noFile(t), "chat")
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "Echo:") || !strings.Contains(out, "hello there") {
		t.Fatalf("stdout lacks the reply: %q", out)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("LLM requests = %d, want 1", n)
	}
}

func TestCheckReachesTheLLM(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter, APIKey: "sk-or-good"})
	defer srv.Close()
	base := map[string]string{"MISTRALBOT_LLM_BASE_URL": srv.URL(), "MISTRALBOT_STORE_DRIVER": "memory"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range base {
			m[a] = b
		}
		return m
	}

	code, out, errOut := runCmd(t, with("OPENROUTER_API_KEY", "sk-or-good"), "", "--config", noFile(t), "check")
	if code != 0 || !strings.Contains(out, "mistralai/mistral-small-3.2-24b-instruct is offered") {
		t.Fatalf("good config: code %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "sk-or-good") {
		t.Fatal("check printed the API key")
	}

	code, out, _ = runCmd(t, with("OPENROUTER_API_KEY", "sk-or-wrong"), "", "--config", noFile(t), "check")
	if code != exitFailure || !strings.Contains(out, "refused the API key") || strings.Contains(out, "sk-or-wrong") {
		t.Fatalf("bad key: code %d\n%s", code, out)
	}

	m := with("OPENROUTER_API_KEY", "sk-or-good")
	m["MISTRALBOT_LLM_MODEL"] = "mistralai/mistral-small-9999"
	code, out, _ = runCmd(t, m, "", "--config", noFile(t), "check")
	if code != exitFailure || !strings.Contains(out, "is not offered") || !strings.Contains(out, "mistralai/mistral-small-2603") {
		t.Fatalf("unknown model: code %d\n%s", code, out)
	}

	// A retired id is a warning of check (run and chat carry on with the
	// current model), which names the model used instead.
	m["MISTRALBOT_LLM_MODEL"] = "mistralai/mistral-small"
	code, out, _ = runCmd(t, m, "", "--config", noFile(t), "check")
	if code != exitOK || !strings.Contains(out, `WARN llm.model: "mistralai/mistral-small" is retired; using "mistralai/mistral-small-3.2-24b-instruct"`) || strings.Contains(out, "FAIL") {
		t.Fatalf("retired model: code %d\n%s", code, out)
	}
}

func TestManifestAndInvite(t *testing.T) {
	code, out, errOut := runCmd(t, nil, "", "--config", noFile(t), "manifest", "slack")
	if code != 0 || !strings.Contains(out, "socket_mode_enabled: true") || !strings.Contains(out, "app_mention") {
		t.Fatalf("manifest: code %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, nil, "", "--config", noFile(t), "manifest", "slack", "--url", "https://bot.example.com")
	if code != 0 || !strings.Contains(out, "https://bot.example.com/slack/events") {
		t.Fatalf("http manifest: code %d\n%s", code, out)
	}
	code, _, errOut = runCmd(t, nil, "", "--config", noFile(t), "invite", "discord")
	if code != exitConfig || !strings.Contains(errOut, "DISCORD_APPLICATION_ID") {
		t.Fatalf("invite without app id: code %d %s", code, errOut)
	}
	code, out, _ = runCmd(t, map[string]string{"DISCORD_APPLICATION_ID": "1100000000000000002"}, "", "--config", noFile(t), "invite", "discord")
	if code != 0 || !strings.Contains(out, "client_id=1100000000000000002") || !strings.Contains(out, "applications.commands") {
		t.Fatalf("invite: code %d %s", code, out)
	}
}

// TestValidationProblemsExitTwoTogether: a typo in a MISTRALBOT_* variable
// is an error with a hint (it used to be ignored silently), token-format
// problems are reported with the others, all at once, exit 2.
func TestValidationProblemsExitTwoTogether(t *testing.T) {
	envs := map[string]string{
		"MISTRALBOT_SLACK_ENABLE":  "true", // typo of ..._ENABLED
		"MISTRALBOT_LLM_MODLE":     "x",    // typo of ..._MODEL
		"MISTRALBOT_SLACK_ENABLED": "true", "SLACK_BOT_TOKEN": "bad", "SLACK_APP_TOKEN": "xapp-1-A1-2-abc",
		"MISTRALBOT_DISCORD_ENABLED": "true", "DISCORD_BOT_TOKEN": "not-a-token",
		"OPENROUTER_API_KEY": "k", "MISTRALBOT_STORE_DRIVER": "memory",
	}
	for _, cmd := range []string{"run", "check"} {
		code, _, errOut := runCmd(t, envs, "", "--config", noFile(t), cmd)
		if code != exitConfig {
			t.Errorf("%s: exit %d, want %d\n%s", cmd, code, exitConfig, errOut)
		}
		for _, want := range []string{
			"MISTRALBOT_SLACK_ENABLE: unknown environment variable (did you mean MISTRALBOT_SLACK_ENABLED?)",
			"MISTRALBOT_LLM_MODLE: unknown environment variable (did you mean MISTRALBOT_LLM_MODEL?)",
			"slack.bot_token: must be a Bot User OAuth Token starting with xoxb-",
			"discord.token: is not a Discord bot token",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", cmd, want, errOut)
			}
		}
		if strings.Contains(errOut, "not-a-token") || strings.Contains(errOut, ": bad") {
			t.Errorf("%s: a token is quoted:\n%s", cmd, errOut)
		}
	}
	code, _, errOut := runCmd(t, map[string]string{"MISTRALBOT_LLM_PROVIDER": "mistrall", "MISTRALBOT_STORE_DRIVER": "memory"}, "", "--config", noFile(t), "check")
	if code != exitConfig || !strings.Contains(errOut, `llm.provider: unknown provider "mistrall"`) ||
		strings.Contains(errOut, "llm.base_url") || strings.Contains(errOut, "llm.model") || strings.Contains(errOut, "llm.api_key") {
		t.Errorf("unknown provider: exit %d, want 2 with that problem alone:\n%s", code, errOut)
	}
}

// TestCheckComparesTheContextWindowWithTheServers: against llama-server
// running a 4096-token context, check reports the server's window and
// its source, and fails when llm.context_tokens claims more than the
// server runs, or when llm.max_tokens leaves no room for a question.
func TestCheckComparesTheContextWindowWithTheServers(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp, ContextTokens: 4096})
	defer srv.Close()
	env := func(extra ...string) map[string]string {
		m := map[string]string{"MISTRALBOT_LLM_PROVIDER": "openai", "MISTRALBOT_LLM_BASE_URL": srv.URL(),
			"MISTRALBOT_LLM_MODEL": "mistral-small", "MISTRALBOT_STORE_DRIVER": "memory"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	code, out, errOut := runCmd(t, env(), "", "--config", noFile(t), "check")
	if code != 0 || !strings.Contains(out, "context window 4096 tokens") || !strings.Contains(out, "n_ctx") {
		t.Fatalf("unset llm.context_tokens: code %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, env("MISTRALBOT_LLM_CONTEXT_TOKENS", "32768"), "", "--config", noFile(t), "check")
	if code != exitFailure || !strings.Contains(out, "FAIL llm.context_tokens is 32768 but the server runs") {
		t.Fatalf("context_tokens over the server's: code %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, env("MISTRALBOT_LLM_MAX_TOKENS", "8192"), "", "--config", noFile(t), "check")
	if code != exitFailure || !strings.Contains(out, "FAIL llm.max_tokens 8192 leaves no room") {
		t.Fatalf("max_tokens over the window: code %d\n%s", code, out)
	}
}
