package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultsOfEveryKey(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", nil)
	want := map[string]any{
		"llm.provider":              "openrouter",
		"llm.base_url":              "https://openrouter.ai/api/v1",
		"llm.api_key":               "",
		"llm.model":                 "mistralai/mistral-small-3.2-24b-instruct",
		"llm.fallback_models":       []string{},
		"llm.temperature":           0.3,
		"llm.max_tokens":            1024,
		"llm.context_tokens":        128000,
		"llm.timeout":               120 * time.Second,
		"llm.idle_timeout":          30 * time.Second,
		"llm.first_byte_timeout":    120 * time.Second,
		"llm.max_concurrency":       16,
		"llm.max_retries":           3,
		"llm.queue_size":            128,
		"llm.price_input_per_mtok":  0.075,
		"llm.price_output_per_mtok": 0.20,
		"llm.headers": map[string]string{
			"Http-Referer":       "https://github.com/mistralbot/mistralbot",
			"X-Openrouter-Title": "mistralbot",
			"X-Title":            "mistralbot",
		},
		"slack.enabled":                 false,
		"slack.mode":                    "socket",
		"slack.bot_token":               "",
		"slack.app_token":               "",
		"slack.signing_secret":          "",
		"slack.api_url":                 "https://slack.com/api/",
		"slack.native_streaming":        true,
		"slack.stop_button":             true,
		"slack.agent_view":              true,
		"slack.command_prefix":          "",
		"slack.team_id":                 "",
		"slack.read_limits":             "standard",
		"discord.enabled":               false,
		"discord.token":                 "",
		"discord.application_id":        "",
		"discord.public_key":            "",
		"discord.api_url":               "https://discord.com/api/v9/",
		"discord.gateway_url":           "wss://gateway.discord.gg",
		"discord.shard_id":              0,
		"discord.shard_count":           1,
		"discord.guild_id":              "",
		"discord.requests_per_second":   50,
		"discord.stop_button":           true,
		"server.listen":                 ":8080",
		"server.shutdown_grace":         30 * time.Second,
		"server.replica_id":             "",
		"server.pprof":                  false,
		"server.ops_listen":             "",
		"store.start_timeout":           30 * time.Second,
		"server.max_connections":        0,
		"server.max_connections_per_ip": 0,
		"store.driver":                  "bolt",
		"store.path":                    "./data/mistralbot.db",
		"store.redis_url":               "",
		"store.key_prefix":              "mistralbot:",
		"bot.system_prompt":             DefaultSystemPrompt,
		"bot.language":                  "auto",
		"bot.follow_threads":            true,
		"bot.history_messages":          50,
		"bot.allowed_channels":          []string{},
		"bot.allowed_users":             []string{},
		"bot.admins":                    []string{},
		"bot.rate_per_user":             10,
		"bot.max_pending_per_user":      3,
		"bot.daily_tokens_per_channel":  int64(0),
		"bot.daily_usd_cap":             0.0,
		"bot.translate_reactions":       true,
		"bot.link_previews":             false,
		"bot.max_prompt_chars":          4000,
		"bot.attachment_max_bytes":      100000,
		"bot.max_reply_bytes":           0,
		"bot.max_images":                4,
		"bot.image_max_bytes":           10 << 20,
		"bot.pdf_ocr":                   false,
		"bot.pdf_ocr_max_pages":         20,
		"bot.voice_notes":               false,
		"bot.voice_max_seconds":         300,
		"bot.summary_confirm_usd":       0.05,
		"bot.summary_max_messages":      5000,
		"log.level":                     "info",
		"log.format":                    "json",
		"channels":                      map[string]Channel{},
		"tools.enabled":                 false,
		"tools.max_rounds":              4,
		"tools.timeout":                 30 * time.Second,
		"tools.budget":                  2 * time.Minute,
		"tools.approval_timeout":        10 * time.Minute,
		"tools.max_result_bytes":        16 << 10,
		"tools.fetch_url":               false,
		"tools.read_history":            true,
		"tools.web_search":              false,
		"tools.mcp_servers":             []MCPServer{},
	}
	keys := Keys()
	for _, k := range keys {
		w, ok := want[k]
		if !ok {
			t.Errorf("key %q has no expected default in this test", k)
			continue
		}
		if got := valueAt(t, c, k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
	for k := range want {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() lacks %q", k)
		}
	}
}

// The defaults table and the struct must describe the same keys, or a key
// would be settable in the file but not from the environment.
func TestDefaultsCoverEveryField(t *testing.T) {
	t.Parallel()
	fields := leafKeys(reflect.TypeFor[Config](), "")
	slices.Sort(fields)
	if keys := Keys(); !slices.Equal(fields, keys) {
		t.Errorf("struct keys and Keys() differ:\nstruct %v\nkeys   %v", fields, keys)
	}
}

func TestFileOverrides(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
llm:
  provider: mistral
  model: mistral-small-2506
  fallback_models: [a, b]
  temperature: 0.7
  timeout: 45s
  headers:
    Authorization: Bearer x
    X-Title: ""
slack:
  enabled: yes
  command_prefix: mb-
discord:
  shard_id: 2
  shard_count: 4
bot:
  admins: ["slack:U1", "discord:22"]
  daily_usd_cap: 2.5
  daily_tokens_per_channel: 5000000000
LOG:
  Level: DEBUG
`, nil)
	checks := map[string]any{
		"llm.provider":                 "mistral",
		"llm.base_url":                 "https://api.mistral.ai/v1",
		"llm.model":                    "mistral-small-2506",
		"llm.context_tokens":           128000,
		"llm.fallback_models":          []string{"a", "b"},
		"llm.temperature":              0.7,
		"llm.timeout":                  45 * time.Second,
		"llm.headers":                  map[string]string{"Authorization": "Bearer x", "Http-Referer": "https://github.com/mistralbot/mistralbot", "X-Openrouter-Title": "mistralbot"},
		"slack.enabled":                true,
		"slack.command_prefix":         "mb-",
		"discord.shard_id":             2,
		"discord.shard_count":          4,
		"bot.admins":                   []string{"slack:U1", "discord:22"},
		"bot.daily_usd_cap":            2.5,
		"bot.daily_tokens_per_channel": int64(5000000000),
		"log.level":                    "debug",
		"llm.max_tokens":               1024, // untouched
	}
	for k, w := range checks {
		if got := valueAt(t, c, k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v, want %#v", k, got, w)
		}
	}
}

func TestProviderAndModelDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml          string
		base, model   string
		ctx           int
		priceIn, pOut float64
	}{
		{"", "https://openrouter.ai/api/v1", "mistralai/mistral-small-3.2-24b-instruct", 128000, 0.075, 0.20},
		{"llm: {provider: Mistral}", "https://api.mistral.ai/v1", "mistral-small-latest", 128000, 0.15, 0.60},
		{"llm: {provider: openai}", "http://localhost:8000/v1", "mistral-small", FallbackContextTokens, 0, 0},
		{"llm: {provider: openai, base_url: 'http://vllm:9000/v1', model: m, context_tokens: 8192, price_input_per_mtok: 1}",
			"http://vllm:9000/v1", "m", 8192, 1, 0},
		{"llm: {model: mistralai/mistral-small-3.2-24b-instruct, price_output_per_mtok: 0.5}",
			"https://openrouter.ai/api/v1", "mistralai/mistral-small-3.2-24b-instruct", 128000, 0.075, 0.5},
		{"llm: {provider: nope}", "", "", FallbackContextTokens, 0, 0},
	}
	for _, tt := range tests {
		c := mustLoad(t, tt.yaml+"\n", nil)
		l := c.LLM
		if l.BaseURL != tt.base || l.Model != tt.model || l.ContextTokens != tt.ctx ||
			l.PriceInputPerMTok != tt.priceIn || l.PriceOutputPerMTok != tt.pOut {
			t.Errorf("%q: got %s %s %d %g %g, want %s %s %d %g %g", tt.yaml,
				l.BaseURL, l.Model, l.ContextTokens, l.PriceInputPerMTok, l.PriceOutputPerMTok,
				tt.base, tt.model, tt.ctx, tt.priceIn, tt.pOut)
		}
		// Only an operator's figure is "set": the server's beats a default.
		if set := strings.Contains(tt.yaml, "context_tokens"); l.ContextTokensSet != set {
			t.Errorf("%q: ContextTokensSet %v, want %v", tt.yaml, l.ContextTokensSet, set)
		}
	}
}

func TestQueueSizeFollowsConcurrency(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", map[string]string{"MISTRALBOT_LLM_MAX_CONCURRENCY": "3"})
	if c.LLM.QueueSize != 24 {
		t.Errorf("queue_size = %d, want 8 x 3", c.LLM.QueueSize)
	}
	c = mustLoad(t, "llm: {queue_size: 5}\n", nil)
	if c.LLM.QueueSize != 5 {
		t.Errorf("queue_size = %d, want 5", c.LLM.QueueSize)
	}
}

func TestChannelsKeepTheirCase(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
channels:
  "slack:C0ABC":
    Language: fr
    system_prompt: Sois bref.
    enabled: false
  "discord:1100":
    model: m
`, nil)
	ch, ok := c.Channels["slack:C0ABC"]
	if !ok {
		t.Fatalf("channels = %v, want key slack:C0ABC", c.Channels)
	}
	if ch.Language != "fr" || ch.SystemPrompt != "Sois bref." || ch.Enabled == nil || *ch.Enabled {
		t.Errorf("slack:C0ABC = %+v", ch)
	}
	if d := c.Channels["discord:1100"]; d.Model != "m" || d.Enabled != nil {
		t.Errorf("discord:1100 = %+v, want model m and enabled unset", d)
	}
}

func TestSearchPaths(t *testing.T) {
	t.Parallel()
	w := world{files: map[string]string{
		"/b.yaml":        "log: {level: warn}\n",
		"/c.yaml":        "log: {level: error}\n",
		"/explicit.yaml": "log: {level: debug}\n",
	}, env: map[string]string{}}
	opts := w.options("")
	opts.SearchPaths = []string{"/a.yaml", "/b.yaml", "/c.yaml"}
	c, err := Load(opts)
	if err != nil || c.Log.Level != "warn" {
		t.Fatalf("search: level %v err %v, want warn from /b.yaml", c, err)
	}

	w.env["MISTRALBOT_CONFIG"] = "/c.yaml"
	opts = w.options("")
	opts.SearchPaths = []string{"/b.yaml"}
	if c, err = Load(opts); err != nil || c.Log.Level != "error" {
		t.Fatalf("MISTRALBOT_CONFIG: err %v, want level error", err)
	}
	if c, err = Load(w.options("/explicit.yaml")); err != nil || c.Log.Level != "debug" {
		t.Fatalf("explicit path: err %v, want level debug", err)
	}
	_, err = Load(w.options("/missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "/missing.yaml") {
		t.Errorf("missing explicit file: err %v, want one naming the path", err)
	}
	if _, err := Load(world{}.options("")); err != nil {
		t.Errorf("no file at all: %v", err)
	}
}

func TestEmptyAndNullValuesMeanDefault(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "llm:\n  model:\nslack:\nbot: {}\n", nil)
	if c.LLM.Model != DefaultModel(ProviderOpenRouter) || c.Slack.Mode != "socket" || c.Bot.HistoryMessages != 50 {
		t.Errorf("null values did not fall back to defaults: %+v", c.LLM)
	}
}
