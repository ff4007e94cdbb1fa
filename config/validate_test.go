package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// valid returns a loaded config that passes Validate.
func valid(t *testing.T) *Config {
	t.Helper()
	c := mustLoad(t, "", map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-test"})
	if err := c.Validate(); err != nil {
		t.Fatalf("default config with a key: %v", err)
	}
	return c
}

func TestValidateDefaultsNeedOnlyAKey(t *testing.T) {
	t.Parallel()
	valid(t)
	c := mustLoad(t, "", nil)
	problems := problemsOf(t, c.Validate())
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "llm.api_key: required for provider openrouter: set MISTRALBOT_LLM_API_KEY or OPENROUTER_API_KEY") {
		t.Errorf("problems = %q", problems)
	}
	c = mustLoad(t, "llm: {provider: openai}\n", nil)
	if err := c.Validate(); err != nil {
		t.Errorf("openai needs no key: %v", err)
	}
}

func TestValidateListsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
llm:
  provider: bogus
  base_url: "ftp://x"
  model: mistralai/mistral-small
  temperature: 2.5
  max_tokens: 0
  timeout: -1s
  max_concurrency: 0
slack:
  enabled: true
  mode: socket
  app_token: xoxb-not-app
discord:
  enabled: true
  shard_id: 2
  shard_count: 2
store:
  driver: redis
bot:
  language: klingonese
  admins: [U123]
  rate_per_user: -1
channels:
  C999:
    language: fr
log:
  level: loud
  format: xml
`, nil)
	problems := problemsOf(t, c.Validate())
	wantKeys := []string{
		"llm.provider", "llm.temperature", "llm.max_tokens",
		"llm.timeout", "llm.max_concurrency",
		"slack.bot_token", "slack.app_token",
		"discord.shard_id", "discord.token",
		"store.redis_url",
		"bot.language", "bot.admins", "bot.rate_per_user",
		"channels.C999",
		"log.level", "log.format",
	}
	var gotKeys []string
	for _, p := range problems {
		key, _, _ := strings.Cut(p, ": ")
		gotKeys = append(gotKeys, key)
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("problem keys:\n got %v\nwant %v\nproblems:\n%s", gotKeys, wantKeys, strings.Join(problems, "\n"))
	}
	if !errors.Is(c.Validate(), ErrInvalid) {
		t.Error("Validate error does not match ErrInvalid")
	}
}

func TestValidateEachRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // the single problem's beginning
	}{
		{"unknown provider", func(c *Config) { c.LLM.Provider = "azure" }, `llm.provider: unknown provider "azure"`},
		{"mistral needs key", func(c *Config) { c.LLM.Provider, c.LLM.APIKey = "mistral", "" }, "llm.api_key: required for provider mistral: set MISTRALBOT_LLM_API_KEY or MISTRAL_API_KEY"},
		{"temperature low", func(c *Config) { c.LLM.Temperature = -0.1 }, "llm.temperature: "},
		{"temperature high", func(c *Config) { c.LLM.Temperature = 2.01 }, "llm.temperature: "},
		{"max_tokens vs context", func(c *Config) { c.LLM.MaxTokens = c.LLM.ContextTokens }, "llm.max_tokens: "},
		{"context negative", func(c *Config) { c.LLM.ContextTokens = -5 }, "llm.context_tokens: "},
		{"idle timeout", func(c *Config) { c.LLM.IdleTimeout = -1 }, "llm.idle_timeout: must not be negative"},
		{"first byte timeout", func(c *Config) { c.LLM.FirstByteTimeout = -1 }, "llm.first_byte_timeout: must not be negative"},
		{"fallback is the model", func(c *Config) { c.LLM.FallbackModels = []string{"x", c.LLM.Model} }, `llm.fallback_models[1]: "mistralai/mistral-small-3.2-24b-instruct" is llm.model itself`},
		{"fallback twice", func(c *Config) { c.LLM.FallbackModels = []string{"a/b", "a/c", "A/B"} }, `llm.fallback_models[2]: "A/B" is listed twice`},
		{"fallback with space", func(c *Config) { c.LLM.FallbackModels = []string{"a/b c"} }, `llm.fallback_models[0]: "a/b c" is not a model id`},
		{"retries", func(c *Config) { c.LLM.MaxRetries = -1 }, "llm.max_retries: "},
		{"queue", func(c *Config) { c.LLM.QueueSize = -1 }, "llm.queue_size: "},
		{"price", func(c *Config) { c.LLM.PriceOutputPerMTok = -1 }, "llm.price_output_per_mtok: "},
		{"header name", func(c *Config) { c.LLM.Headers["Bad Header"] = "x" }, "llm.headers: "},
		{"bad base url", func(c *Config) { c.LLM.BaseURL = "openrouter.ai" }, "llm.base_url: must be an absolute http:// or https:// URL"},
		{"slack mode", func(c *Config) { c.Slack.Mode = "rtm" }, `slack.mode: unknown mode "rtm"`},
		{"slack token", func(c *Config) { c.Slack.Enabled, c.Slack.AppToken = true, "xapp-1" }, "slack.bot_token: required"},
		{"slack app token missing", func(c *Config) { c.Slack.Enabled, c.Slack.BotToken = true, "xoxb-1" }, "slack.app_token: required in socket mode"},
		{"slack app token wrong", func(c *Config) { c.Slack.Enabled, c.Slack.BotToken, c.Slack.AppToken = true, "xoxb-1", "xoxb-2" }, "slack.app_token: must be an app-level token"},
		{"slack http secret", func(c *Config) { c.Slack.Enabled, c.Slack.BotToken, c.Slack.Mode = true, "xoxb-1", "http" }, "slack.signing_secret: required in http mode"},
		{"slack prefix", func(c *Config) { c.Slack.CommandPrefix = "MB/" }, "slack.command_prefix: "},
		{"slack api url", func(c *Config) { c.Slack.APIURL = "" }, "slack.api_url: required"},
		{"discord token", func(c *Config) { c.Discord.Enabled = true }, "discord.token: required when discord.enabled"},
		{"shard count", func(c *Config) { c.Discord.ShardCount = 0 }, "discord.shard_count: must be at least 1"},
		{"discord requests per second", func(c *Config) { c.Discord.RequestsPerSecond = 0 }, "discord.requests_per_second: must be at least 1"},
		{"shard id", func(c *Config) { c.Discord.ShardID = 1 }, "discord.shard_id: 1 must be below"},
		{"shard id negative", func(c *Config) { c.Discord.ShardID = -1 }, "discord.shard_id: must not be negative"},
		{"gateway", func(c *Config) { c.Discord.GatewayURL = "https://gateway.discord.gg" }, "discord.gateway_url: "},
		{"guild id", func(c *Config) { c.Discord.GuildID = "my-guild" }, "discord.guild_id: "},
		{"public key", func(c *Config) { c.Discord.PublicKey = "abc" }, "discord.public_key: "},
		{"listen", func(c *Config) { c.Server.Listen = "8080" }, "server.listen: "},
		{"grace", func(c *Config) { c.Server.ShutdownGrace = -1 }, "server.shutdown_grace: "},
		{"driver", func(c *Config) { c.Store.Driver = "sqlite" }, `store.driver: unknown driver "sqlite"`},
		{"bolt path", func(c *Config) { c.Store.Path = "" }, "store.path: required for the bolt driver"},
		{"redis url", func(c *Config) { c.Store.Driver = "redis" }, "store.redis_url: required for the redis driver"},
		{"redis scheme", func(c *Config) { c.Store.RedisURL = "http://:hunter2@x" }, "store.redis_url: must be a redis://"},
		{"language", func(c *Config) { c.Bot.Language = "french" }, `bot.language: "french" is not a BCP-47`},
		{"language empty", func(c *Config) { c.Bot.Language = "" }, `bot.language: "" is not a BCP-47`},
		{"history", func(c *Config) { c.Bot.HistoryMessages = -1 }, "bot.history_messages: "},
		{"allowed channels", func(c *Config) { c.Bot.AllowedChannels = []string{"slack:C1", "C2"} }, `bot.allowed_channels: "C2" must be prefixed`},
		{"allowed users", func(c *Config) { c.Bot.AllowedUsers = []string{"discord:"} }, `bot.allowed_users: "discord:" must be prefixed`},
		{"tokens per channel", func(c *Config) { c.Bot.DailyTokensPerChannel = -1 }, "bot.daily_tokens_per_channel: "},
		{"usd cap", func(c *Config) { c.Bot.DailyUSDCap = -1 }, "bot.daily_usd_cap: "},
		{"prompt chars", func(c *Config) { c.Bot.MaxPromptChars = 0 }, "bot.max_prompt_chars: "},
		{"attachment", func(c *Config) { c.Bot.AttachmentMaxBytes = -1 }, "bot.attachment_max_bytes: "},
		{"channel prefix", func(c *Config) { c.Channels["teams:1"] = Channel{} }, "channels.teams:1: the channel id must be prefixed"},
		{"channel language", func(c *Config) { c.Channels["slack:C1"] = Channel{Language: "xx-yy-zz-!"} }, "channels.slack:C1.language: "},
		{"log level", func(c *Config) { c.Log.Level = "trace" }, "log.level: "},
		{"log format", func(c *Config) { c.Log.Format = "yaml" }, "log.format: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := valid(t)
			tt.mutate(c)
			problems := problemsOf(t, c.Validate())
			if len(problems) != 1 || !strings.HasPrefix(problems[0], tt.want) {
				t.Errorf("problems = %q, want one starting %q", problems, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	c := valid(t)
	c.Bot.Language = "pt-BR"
	c.Slack.Enabled, c.Slack.Mode, c.Slack.BotToken, c.Slack.SigningSecret = true, "http", "xoxb-1", "s"
	c.Slack.CommandPrefix = "mb-"
	c.Discord.Enabled, c.Discord.Token, c.Discord.ShardID, c.Discord.ShardCount = true, testDiscordToken, 3, 4
	c.Discord.PublicKey = strings.Repeat("ab", 32)
	c.Discord.ApplicationID = "1100223344556677"
	c.Store.Driver, c.Store.RedisURL = "redis", "rediss://:pw@redis:6380/1"
	c.Channels["slack:C1"] = Channel{Language: "auto"}
	c.Channels["discord:1"] = Channel{}
	c.Log.Level, c.Log.Format = "debug", "text"
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidateNeverQuotesSecrets(t *testing.T) {
	t.Parallel()
	c := valid(t)
	c.Slack.Enabled, c.Slack.BotToken, c.Slack.AppToken = true, "xoxb-SECRET1", "xoxp-SECRET2"
	c.Store.Driver, c.Store.RedisURL = "redis", "http://user:SECRET3@host"
	err := c.Validate()
	problemsOf(t, err)
	for _, s := range []string{"SECRET1", "SECRET2", "SECRET3"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes a secret: %v", err)
		}
	}
}

// testDiscordToken has the shape of a Discord bot token: base64 of the id
// 1100000000000000001, a timestamp part, an HMAC part (all made up).
const testDiscordToken = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.bm90LWEtcmVhbC1obWFjLWF0LWFsbC0wMA"

// TestValidateTokenFormats: every token-format problem is reported by
// Validate, with the others, naming the key; a well-formed token passes.
func TestValidateTokenFormats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		set  func(c *Config)
		want []string // problem prefixes, in order
	}{
		{"slack bot token is a user token", func(c *Config) { c.Slack.BotToken = "xoxp-1-2" }, []string{"slack.bot_token: must be a Bot User OAuth Token starting with xoxb-"}},
		{"slack bot token is the app token", func(c *Config) { c.Slack.BotToken = "xapp-1-A1-2-abc" }, []string{"slack.bot_token: is an app-level token"}},
		{"slack bot token bad", func(c *Config) { c.Slack.BotToken = "bad" }, []string{"slack.bot_token: must be a Bot User OAuth Token"}},
		{"slack bot token with a newline", func(c *Config) { c.Slack.BotToken = "xoxb-1-2\n" }, []string{"slack.bot_token: contains white space"}},
		{"slack app token is a bot token", func(c *Config) { c.Slack.AppToken = "xoxb-1-2" }, []string{"slack.app_token: must be an app-level token"}},
		{"both slack tokens swapped, and discord", func(c *Config) {
			c.Slack.BotToken, c.Slack.AppToken, c.Discord.Token = "xapp-1", "xoxb-1", "not-a-token"
		}, []string{"slack.bot_token: is an app-level token", "slack.app_token: must be", "discord.token: is not a Discord bot token"}},
		{"discord token not a token", func(c *Config) { c.Discord.Token = "not-a-token" }, []string{"discord.token: is not a Discord bot token"}},
		{"discord token, first part not an id", func(c *Config) { c.Discord.Token = "aGVsbG8.GfAkE1.abc" }, []string{"discord.token: is not a Discord bot token"}},
		{"discord token with Bot prefix", func(c *Config) { c.Discord.Token = "Bot " + testDiscordToken }, nil},
		{"well formed", func(c *Config) {}, nil},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c := valid(t)
			c.Slack.Enabled, c.Slack.Mode, c.Slack.BotToken, c.Slack.AppToken = true, "socket", "xoxb-1-2-abc", "xapp-1-A1-2-abc"
			c.Discord.Enabled, c.Discord.Token = true, testDiscordToken
			tt.set(c)
			var problems []string
			if err := c.Validate(); err != nil {
				problems = problemsOf(t, err)
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d starting %q", problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(problems[i], w) {
					t.Errorf("problem %d = %q, want it to start %q", i, problems[i], w)
				}
			}
		})
	}
}

// TestValidateUnknownProviderReportsOnlyThat: the base URL, key and model
// an unknown provider leaves empty are not reported too.
func TestValidateUnknownProviderReportsOnlyThat(t *testing.T) {
	t.Parallel()
	c := valid(t)
	c.LLM.Provider, c.LLM.BaseURL, c.LLM.Model, c.LLM.APIKey = "mistrall", "", "", ""
	problems := problemsOf(t, c.Validate())
	if len(problems) != 1 || !strings.HasPrefix(problems[0], `llm.provider: unknown provider "mistrall"`) {
		t.Fatalf("problems = %q, want only the unknown provider", problems)
	}
}
