package config

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvOverridesNestedKeys(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "llm: {model: from-file, max_tokens: 10}\nslack: {mode: http}\n", map[string]string{
		"MISTRALBOT_LLM_MODEL":                "from-env",
		"MISTRALBOT_LLM_TIMEOUT":              "90s",
		"MISTRALBOT_SLACK_ENABLED":            "true",
		"MISTRALBOT_SLACK_MODE":               "socket",
		"MISTRALBOT_DISCORD_SHARD_COUNT":      "3",
		"MISTRALBOT_BOT_DAILY_USD_CAP":        "1.25",
		"MISTRALBOT_BOT_ALLOWED_CHANNELS":     " slack:C1, discord:2 ,,slack:C3 ",
		"MISTRALBOT_LLM_FALLBACK_MODELS":      "a,b",
		"MISTRALBOT_LLM_HEADERS_X_TITLE":      "my bot",
		"MISTRALBOT_STORE_REDIS_URL":          "redis://localhost:6379/0",
		"MISTRALBOT_SERVER_SHUTDOWN_GRACE":    "5s",
		"MISTRALBOT_BOT_TRANSLATE_REACTIONS":  "off",
		"MISTRALBOT_SLACK_NATIVE_STREAMING":   "",
		"MISTRALBOT_BOT_SYSTEM_PROMPT":        "Be brief.",
		"MISTRALBOT_LLM_PRICE_INPUT_PER_MTOK": "0.2",
	})
	checks := map[string]any{
		"llm.model":                "from-env",
		"llm.max_tokens":           10, // the file still applies where env is silent
		"llm.timeout":              90 * time.Second,
		"slack.enabled":            true,
		"slack.mode":               "socket",
		"discord.shard_count":      3,
		"bot.daily_usd_cap":        1.25,
		"bot.allowed_channels":     []string{"slack:C1", "discord:2", "slack:C3"},
		"llm.fallback_models":      []string{"a", "b"},
		"store.redis_url":          "redis://localhost:6379/0",
		"server.shutdown_grace":    5 * time.Second,
		"bot.translate_reactions":  false,
		"slack.native_streaming":   true, // empty env var = unset
		"bot.system_prompt":        "Be brief.",
		"llm.price_input_per_mtok": 0.2,
	}
	for k, w := range checks {
		if got := valueAt(t, c, k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	if got := c.LLM.Headers["X-Title"]; got != "my bot" {
		t.Errorf("X-Title = %q, want the env value", got)
	}
}

func TestEnvOverridesFileHeader(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "llm:\n  headers:\n    X-Custom: file\n", map[string]string{"MISTRALBOT_LLM_HEADERS_X_CUSTOM": "env"})
	if c.LLM.Headers["X-Custom"] != "env" {
		t.Errorf("headers = %v, want X-Custom from env", c.LLM.Headers)
	}
}

func TestConventionalNamesAndPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		key  string
		want string
	}{
		{"openrouter key", "", map[string]string{"OPENROUTER_API_KEY": "or"}, "llm.api_key", "or"},
		{"mistral key ignored for openrouter", "", map[string]string{"MISTRAL_API_KEY": "mi"}, "llm.api_key", ""},
		{"mistral key", "llm: {provider: mistral}", map[string]string{"MISTRAL_API_KEY": "mi", "OPENROUTER_API_KEY": "or"}, "llm.api_key", "mi"},
		{"provider from env picks the name", "", map[string]string{"MISTRALBOT_LLM_PROVIDER": "openai", "OPENAI_API_KEY": "oa", "OPENROUTER_API_KEY": "or"}, "llm.api_key", "oa"},
		{"prefixed beats conventional", "", map[string]string{"MISTRALBOT_LLM_API_KEY": "mb", "OPENROUTER_API_KEY": "or"}, "llm.api_key", "mb"},
		{"conventional beats file", "llm: {api_key: file}", map[string]string{"OPENROUTER_API_KEY": "or"}, "llm.api_key", "or"},
		{"file beats default", "llm: {api_key: file}", nil, "llm.api_key", "file"},
		{"empty conventional is unset", "llm: {api_key: file}", map[string]string{"OPENROUTER_API_KEY": ""}, "llm.api_key", "file"},
		{"slack bot token", "", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, "slack.bot_token", "xoxb-1"},
		{"slack app token", "", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, "slack.app_token", "xapp-1"},
		{"slack signing secret", "", map[string]string{"SLACK_SIGNING_SECRET": "s"}, "slack.signing_secret", "s"},
		{"prefixed slack token wins", "", map[string]string{"SLACK_BOT_TOKEN": "a", "MISTRALBOT_SLACK_BOT_TOKEN": "b"}, "slack.bot_token", "b"},
		{"discord token", "", map[string]string{"DISCORD_BOT_TOKEN": "d"}, "discord.token", "d"},
		{"discord application id", "", map[string]string{"DISCORD_APPLICATION_ID": "11"}, "discord.application_id", "11"},
		{"discord public key", "", map[string]string{"DISCORD_PUBLIC_KEY": "ab"}, "discord.public_key", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tt.yaml+"\n", tt.env)
			if got := valueAt(t, c, tt.key); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestSecretsFromFiles(t *testing.T) {
	t.Parallel()
	w := world{
		env: map[string]string{
			"MISTRALBOT_LLM_API_KEY_FILE":       "/run/secrets/llm",
			"MISTRALBOT_SLACK_BOT_TOKEN_FILE":   "/run/secrets/slack",
			"OPENROUTER_API_KEY":                "conventional-loses",
			"MISTRALBOT_BOT_SYSTEM_PROMPT_FILE": "/run/secrets/prompt",
		},
		files: map[string]string{
			"/run/secrets/llm":    "sk-or-v1-abc\n",
			"/run/secrets/slack":  "xoxb-123\r\n",
			"/run/secrets/prompt": "line one\nline two\n",
		},
	}
	c, err := Load(w.options(""))
	if err != nil {
		t.Fatal(err)
	}
	if c.LLM.APIKey != "sk-or-v1-abc" || c.Slack.BotToken != "xoxb-123" || c.Bot.SystemPrompt != "line one\nline two" {
		t.Errorf("got api key %q, bot token %q, prompt %q", c.LLM.APIKey, c.Slack.BotToken, c.Bot.SystemPrompt)
	}

	w.env["MISTRALBOT_LLM_API_KEY"] = "sk-direct"
	w.env["MISTRALBOT_DISCORD_TOKEN_FILE"] = "/run/secrets/missing"
	_, err = Load(w.options(""))
	problems := problemsOf(t, err)
	if len(problems) != 2 {
		t.Fatalf("problems = %q, want 2", problems)
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{
		"MISTRALBOT_LLM_API_KEY and MISTRALBOT_LLM_API_KEY_FILE are both set",
		"MISTRALBOT_DISCORD_TOKEN_FILE: open /run/secrets/missing",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems %q lack %q", problems, want)
		}
	}
	if strings.Contains(joined, "sk-direct") || strings.Contains(joined, "sk-or-v1-abc") {
		t.Errorf("a problem quotes a secret: %q", problems)
	}
}

func TestEnvTypeErrorNamesVariable(t *testing.T) {
	t.Parallel()
	_, err := loadYAML(t, "", map[string]string{"MISTRALBOT_LLM_MAX_TOKENS": "lots"})
	problems := problemsOf(t, err)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "llm.max_tokens (from MISTRALBOT_LLM_MAX_TOKENS): ") {
		t.Errorf("problems = %q", problems)
	}
}

func TestEnvNames(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"llm.api_key":         {"MISTRALBOT_LLM_API_KEY", "OPENROUTER_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"},
		"slack.bot_token":     {"MISTRALBOT_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"},
		"discord.token":       {"MISTRALBOT_DISCORD_TOKEN", "DISCORD_BOT_TOKEN"},
		"bot.allowed_users":   {"MISTRALBOT_BOT_ALLOWED_USERS"},
		"llm.headers.x-title": {"MISTRALBOT_LLM_HEADERS_X_TITLE"},
	}
	for key, want := range tests {
		if got := EnvNames(key); !slices.Equal(got, want) {
			t.Errorf("EnvNames(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestEnabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{nil, nil},
		{map[string]string{"MISTRALBOT_DISCORD_ENABLED": "1"}, []string{"discord"}},
		{map[string]string{"MISTRALBOT_DISCORD_ENABLED": "1", "MISTRALBOT_SLACK_ENABLED": "yes"}, []string{"slack", "discord"}},
	}
	for _, tt := range tests {
		if got := mustLoad(t, "", tt.env).Enabled(); !slices.Equal(got, tt.want) {
			t.Errorf("Enabled() with %v = %v, want %v", tt.env, got, tt.want)
		}
	}
}

// TestUnknownEnvVariablesAreProblems: a MISTRALBOT_* variable that sets no
// key is reported by Validate, with the closest name, among the others.
func TestUnknownEnvVariablesAreProblems(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"MISTRALBOT_SLACK_ENABLE": "true", "MISTRALBOT_LLM_MODLE": "x", "MISTRALBOT_ZZZ_QQQ_WWW": "1",
		"MISTRALBOT_LLM_API_KEY_FILE": "/dev/null", "MISTRALBOT_CONFIG": "", "OTHER_VAR": "1",
		"MISTRALBOT_LLM_TEMPERATURE": "9",
	}
	cfg, err := Load(LoadOptions{
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Environ: func() []string {
			var out []string
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		},
		SearchPaths: []string{},
		ReadFile:    func(string) ([]byte, error) { return nil, nil },
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var verr *ValidationError
	if !errors.As(cfg.Validate(), &verr) {
		t.Fatal("Validate accepted unknown variables")
	}
	got := strings.Join(verr.Problems, "\n")
	for _, want := range []string{
		"MISTRALBOT_SLACK_ENABLE: unknown environment variable (did you mean MISTRALBOT_SLACK_ENABLED?)",
		"MISTRALBOT_LLM_MODLE: unknown environment variable (did you mean MISTRALBOT_LLM_MODEL?)",
		"MISTRALBOT_ZZZ_QQQ_WWW: unknown environment variable (it sets no configuration key)",
		"llm.temperature",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	for _, known := range []string{"MISTRALBOT_LLM_API_KEY_FILE", "MISTRALBOT_CONFIG", "OTHER_VAR"} {
		if strings.Contains(got, known) {
			t.Errorf("%s reported:\n%s", known, got)
		}
	}
}
