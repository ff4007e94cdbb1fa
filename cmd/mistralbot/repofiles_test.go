package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mistralbot/config"
)

// repoFile reads a file at the root of the repository.
func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseEnvFile reads KEY=value lines as docker --env-file does: comments
// and blank lines skipped, the value the rest of the line.
func parseEnvFile(t *testing.T, text string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			t.Fatalf(".env.example: %q is not KEY=value", line)
		}
		vars[k] = v
	}
	return vars
}

// .env.example names every secret and id the configuration reads, holds no
// value, and loads once a model key is filled in.
func TestEnvExampleListsEverySecretAndLoads(t *testing.T) {
	vars := parseEnvFile(t, repoFile(t, ".env.example"))
	for _, name := range []string{"OPENROUTER_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY", "SLACK_BOT_TOKEN",
		"SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_PUBLIC_KEY",
		"MISTRALBOT_SLACK_ENABLED", "MISTRALBOT_DISCORD_ENABLED", "MISTRALBOT_CONFIG"} {
		if _, ok := vars[name]; !ok {
			t.Errorf(".env.example lacks %s", name)
		}
	}
	for k, v := range vars {
		if strings.HasSuffix(k, "_TOKEN") || strings.HasSuffix(k, "_KEY") || strings.HasSuffix(k, "_SECRET") {
			if v != "" {
				t.Errorf(".env.example: %s has a value %q", k, v)
			}
		}
	}
	// Filled in with only a model key, as the quick start does, it is valid.
	vars["OPENROUTER_API_KEY"] = "sk-or-placeholder"
	cfg, err := config.Load(config.LoadOptions{
		SearchPaths: []string{},
		Env:         func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Environ: func() []string {
			var out []string
			for k, v := range vars {
				out = append(out, k+"="+v)
			}
			return out
		},
	})
	if err != nil {
		t.Fatalf(".env.example does not load: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf(".env.example does not validate: %v", err)
	}
}

// The image's build context leaves out history, local state and secrets.
func TestDockerignoreKeepsStateAndSecretsOut(t *testing.T) {
	lines := map[string]bool{}
	for _, l := range strings.Split(repoFile(t, ".dockerignore"), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", "bin/", "data/", "*.db", ".env", "mistralbot.yaml"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	// The Dockerfile's healthcheck runs the health subcommand in exec form
	// (no shell in the distroless image).
	if df := repoFile(t, "Dockerfile"); !strings.Contains(df, `CMD ["/usr/local/bin/mistralbot", "health"]`) || !strings.Contains(df, "HEALTHCHECK") {
		t.Error("Dockerfile has no exec-form HEALTHCHECK running mistralbot health")
	}
}
