package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"mistralbot/llm/llmtest"
)

// composeService is the part of a docker-compose.yml service the tests read.
type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Profiles    []string          `yaml:"profiles"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
	Restart string `yaml:"restart"`
}

// loadCompose parses docker-compose.yml (merge keys included) and
// interpolates ${NAME:-default} as compose does with an empty .env.
func loadCompose(t *testing.T) map[string]composeService {
	t.Helper()
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(repoFile(t, "docker-compose.yml")), &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	interp := regexp.MustCompile(`\$\{([A-Z0-9_]+):-([^}]*)\}`)
	for _, s := range f.Services {
		for k, v := range s.Environment {
			if strings.Contains(v, "${") && !interp.MatchString(v) {
				t.Errorf("%s=%q: only ${NAME:-default} is expected", k, v)
			}
			s.Environment[k] = interp.ReplaceAllString(v, "$2")
		}
	}
	return f.Services
}

// The compose file waits for a healthy Redis, passes every platform
// variable, starts the bots in a plain "docker compose up" on the fake
// workspace (their environment validates without any token, so no crash
// loop), gives each its own replica id, installs every fake it runs, and
// splits Discord's global budget.
func TestComposeFileWorksAsPromised(t *testing.T) {
	svcs := loadCompose(t)
	redis := svcs["redis"]
	if strings.Join(redis.Healthcheck.Test, " ") != "CMD redis-cli ping" {
		t.Errorf("redis healthcheck %q", redis.Healthcheck.Test)
	}
	for _, name := range []string{"bot1", "bot2"} {
		b := svcs[name]
		if b.DependsOn["redis"].Condition != "service_healthy" {
			t.Errorf("%s: depends_on redis %+v, want service_healthy", name, b.DependsOn["redis"])
		}
		env := b.Environment
		// In a plain up, with no .env: the fake workspace, no crash loop.
		if len(b.Profiles) != 0 || env["MISTRALBOT_SLACK_ENABLED"] != "true" || !strings.HasPrefix(env["MISTRALBOT_SLACK_API_URL"], "http://fakeslack:") {
			t.Errorf("%s: profiles %v, slack %q at %q: a plain up must start it on the fake workspace", name, b.Profiles, env["MISTRALBOT_SLACK_ENABLED"], env["MISTRALBOT_SLACK_API_URL"])
		}
		if cfg, err := loadConfig(noFile(t), mapEnv(env)); err != nil {
			t.Fatalf("%s: environment does not load: %v", name, err)
		} else if err := cfg.Validate(); err != nil {
			t.Errorf("%s: without any token its environment does not validate (it would crash-loop): %v", name, err)
		}
		if b.DependsOn["fakeslack"].Condition != "service_started" {
			t.Errorf("%s: depends_on fakeslack %+v", name, b.DependsOn["fakeslack"])
		}
		for _, k := range []string{"DISCORD_BOT_TOKEN", "DISCORD_APPLICATION_ID", "DISCORD_PUBLIC_KEY", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OPENROUTER_API_KEY"} {
			if _, ok := env[k]; !ok {
				t.Errorf("%s: %s not passed", name, k)
			}
		}
		if env["MISTRALBOT_SLACK_MODE"] != "socket" {
			t.Errorf("%s: slack mode %q, want socket as in the README", name, env["MISTRALBOT_SLACK_MODE"])
		}
		rps, _ := strconv.Atoi(env["MISTRALBOT_DISCORD_REQUESTS_PER_SECOND"])
		shards, _ := strconv.Atoi(env["MISTRALBOT_DISCORD_SHARD_COUNT"])
		if rps < 1 || rps*shards > 50 {
			t.Errorf("%s: %d shards at %d requests/s exceed Discord's 50/s", name, shards, rps)
		}
		// Every variable is one the configuration knows; with a platform
		// enabled (and its token) the environment validates.
		env["MISTRALBOT_DISCORD_ENABLED"] = "true"
		env["DISCORD_BOT_TOKEN"] = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.abcdefghijklmnopqrstuvwxyz0123456789AB"
		env["DISCORD_APPLICATION_ID"] = "123456789012345678"
		cfg, err := loadConfig(noFile(t), mapEnv(env))
		if err != nil {
			t.Fatalf("%s: environment does not load: %v", name, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: environment does not validate: %v", name, err)
		}
	}
	if svcs["bot1"].Environment["MISTRALBOT_SERVER_REPLICA_ID"] == svcs["bot2"].Environment["MISTRALBOT_SERVER_REPLICA_ID"] {
		t.Error("bot1 and bot2 share a replica id: each would recover the other's replies")
	}
	for name, s := range svcs {
		if len(s.Profiles) == 0 && s.Restart != "" && name != "redis" && name != "bot1" && name != "bot2" {
			t.Errorf("%s: restarts in a plain up", name)
		}
		if s.Image == "mistralbot:local" && s.Entrypoint == nil && len(s.Command) > 0 && s.Command[0] != "chat" && s.Command[0] != "run" {
			t.Errorf("%s: unexpected command %v", name, s.Command)
		}
	}
	// The image's HEALTHCHECK asks a mistralbot server: off for the
	// containers that run none.
	dockerfile := repoFile(t, "Dockerfile")
	for _, name := range []string{"llmtest", "chat", "fakeslack", "ask"} {
		if ep := svcs[name].Entrypoint; len(ep) > 0 && !strings.Contains(dockerfile, "/out/"+filepath.Base(ep[0])+" "+ep[0]) {
			t.Errorf("%s: the Dockerfile does not install %s", name, ep[0])
		}
		if !svcs[name].Healthcheck.Disable {
			t.Errorf("%s: the image's healthcheck would mark it unhealthy", name)
		}
	}
	if svcs["llmtest"].Build == nil || svcs["llmtest"].Entrypoint[0] != "/usr/local/bin/llmtest" {
		t.Errorf("llmtest: %+v", svcs["llmtest"])
	}
}

// The "try it without keys" path, as processes: the compose chat
// service's command and environment against the fake model answer a
// piped question.
func TestComposeChatServiceAnswers(t *testing.T) {
	svcs := loadCompose(t)
	chat := svcs["chat"]
	if chat.DependsOn["llmtest"].Condition == "" || strings.Join(chat.Command, " ") != "chat" {
		t.Fatalf("chat service: %+v", chat)
	}
	if got := chat.Environment["MISTRALBOT_LLM_BASE_URL"]; got != "http://llmtest:8081/v1" || !strings.Contains(strings.Join(svcs["llmtest"].Entrypoint, " "), "-listen :8081 -dialect openai") {
		t.Fatalf("chat's base URL %q does not reach llmtest %v", got, svcs["llmtest"].Entrypoint)
	}
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	defer srv.Close()
	env := chat.Environment
	env["MISTRALBOT_LLM_BASE_URL"] = srv.URL() // the llmtest container, on loopback
	code, out, errOut := runCmd(t, env, "How do I reverse a slice in Go?\n", append([]string{"--config", noFile(t)}, chat.Command...)...)
	if code != exitOK || !strings.Contains(out, "How do I reverse a slice in Go?") {
		t.Fatalf("chat: code %d stdout %q stderr %q", code, out, errOut)
	}
}

// mapEnv is an env reading only vars.
func mapEnv(vars map[string]string) env {
	return env{
		lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		environ: func() []string {
			var out []string
			for k, v := range vars {
				out = append(out, k+"="+v)
			}
			return out
		},
	}
}
