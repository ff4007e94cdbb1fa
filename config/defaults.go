package config

import (
	"net/textproto"
	"slices"
	"strings"
	"time"

	"mistralbot/llm"
)

// DefaultSystemPrompt is bot.system_prompt's default. The Engine adds the
// language instruction after it.
const DefaultSystemPrompt = `You are mistralbot, a helpful assistant in a team chat, powered by Mistral Small.
Answer accurately and concisely, in standard Markdown; put code in fenced blocks with a language tag.
Several people may write in one thread: their messages start with their name.
If you are not sure, say so; never invent facts, links or APIs.`

// defaults returns every key with its default, flat ("llm.model"). It is
// the single list of keys: SetDefault, the env layer, the unknown-key check
// and the example file test all read it. Keys whose default depends on the
// provider or the model are zero here and resolved by resolve().
func defaults() map[string]any {
	return map[string]any{
		"llm.provider":              ProviderOpenRouter,
		"llm.base_url":              "",
		"llm.api_key":               "",
		"llm.model":                 "",
		"llm.fallback_models":       []string{},
		"llm.temperature":           0.3,
		"llm.max_tokens":            1024,
		"llm.context_tokens":        0,
		"llm.timeout":               120 * time.Second,
		"llm.first_byte_timeout":    120 * time.Second,
		"llm.idle_timeout":          30 * time.Second,
		"llm.max_concurrency":       16,
		"llm.max_retries":           3,
		"llm.queue_size":            0,
		"llm.price_input_per_mtok":  0.0,
		"llm.price_output_per_mtok": 0.0,
		// OpenRouter's app attribution headers (openrouter.ai/docs/app-
		// attribution: HTTP-Referer and X-OpenRouter-Title; X-Title is the
		// name of its older examples, kept so MISTRALBOT_LLM_HEADERS_X_TITLE
		// still works); llm sends them to OpenRouter only.
		"llm.headers": map[string]string{
			"HTTP-Referer":       "https://github.com/mistralbot/mistralbot",
			"X-OpenRouter-Title": "mistralbot",
			"X-Title":            "mistralbot",
		},

		"slack.enabled":          false,
		"slack.mode":             SlackSocket,
		"slack.bot_token":        "",
		"slack.app_token":        "",
		"slack.signing_secret":   "",
		"slack.api_url":          "https://slack.com/api/",
		"slack.native_streaming": true,
		"slack.stop_button":      true,
		"slack.agent_view":       true,
		"slack.command_prefix":   "",
		"slack.team_id":          "",
		"slack.read_limits":      SlackReadStandard,

		"discord.enabled":             false,
		"discord.token":               "",
		"discord.application_id":      "",
		"discord.public_key":          "",
		"discord.api_url":             "https://discord.com/api/v9/",
		"discord.gateway_url":         "wss://gateway.discord.gg",
		"discord.shard_id":            0,
		"discord.shard_count":         1,
		"discord.guild_id":            "",
		"discord.requests_per_second": 50,
		"discord.stop_button":         true,

		"server.listen":                 ":8080",
		"server.shutdown_grace":         30 * time.Second,
		"server.replica_id":             "",
		"server.pprof":                  false,
		"server.ops_listen":             "",
		"server.max_connections":        0,
		"server.max_connections_per_ip": 0,

		"store.driver":        DriverBolt,
		"store.path":          "./data/mistralbot.db",
		"store.redis_url":     "",
		"store.key_prefix":    "mistralbot:",
		"store.start_timeout": 30 * time.Second,

		"bot.system_prompt":            DefaultSystemPrompt,
		"bot.language":                 "auto",
		"bot.follow_threads":           true,
		"bot.history_messages":         50,
		"bot.allowed_channels":         []string{},
		"bot.allowed_users":            []string{},
		"bot.admins":                   []string{},
		"bot.rate_per_user":            10,
		"bot.max_pending_per_user":     3,
		"bot.daily_tokens_per_channel": int64(0),
		"bot.daily_usd_cap":            0.0,
		"bot.translate_reactions":      true,
		"bot.link_previews":            false,
		"bot.max_prompt_chars":         4000,
		"bot.attachment_max_bytes":     100000,
		"bot.max_reply_bytes":          0,
		"bot.max_images":               4,
		"bot.image_max_bytes":          10 << 20,
		"bot.pdf_ocr":                  false,
		"bot.pdf_ocr_max_pages":        20,
		"bot.voice_notes":              false,
		"bot.voice_max_seconds":        300,
		"bot.summary_confirm_usd":      0.05,
		"bot.summary_max_messages":     5000,

		"log.level":  "info",
		"log.format": "json",

		"tools.enabled":          false,
		"tools.max_rounds":       4,
		"tools.timeout":          30 * time.Second,
		"tools.budget":           2 * time.Minute,
		"tools.approval_timeout": 10 * time.Minute,
		"tools.max_result_bytes": 16 << 10,
		"tools.fetch_url":        false,
		"tools.read_history":     true,
		"tools.web_search":       false,
	}
}

// Keys returns every configuration key, sorted. A map or list key
// (llm.headers, channels, tools.mcp_servers) is listed once, without its
// entries.
func Keys() []string {
	d := defaults()
	keys := make([]string, 0, len(d)+2)
	for k := range d {
		keys = append(keys, k)
	}
	keys = append(keys, "channels", toolsKey)
	slices.Sort(keys)
	return keys
}

// providerDefaults returns a provider's base URL and model. The llm
// package owns these facts (and the model table below), so the client and
// the config never disagree.
func providerDefaults(name string) (baseURL, model string, ok bool) {
	switch name {
	case ProviderOpenRouter, ProviderMistral, ProviderOpenAI:
		d := llm.Dialect(name)
		return llm.DefaultBaseURL(d), llm.DefaultModel(d), true
	}
	return "", "", false
}

// DefaultModel returns the model used when llm.model is empty, "" for an
// unknown provider.
func DefaultModel(providerName string) string {
	_, m, _ := providerDefaults(providerName)
	return m
}

// FallbackContextTokens is llm.context_tokens for a model this package does
// not know: small enough for any current chat model.
const FallbackContextTokens = 32768

// ModelFacts are the known context window and prices of a model.
type ModelFacts struct {
	ContextTokens      int
	PriceInputPerMTok  float64
	PriceOutputPerMTok float64
}

// KnownModel returns what llm knows of a model id; `mistralbot check`
// reads the live figures from the provider's /models.
func KnownModel(id string) (ModelFacts, bool) {
	ctx, in, out, ok := llm.KnownModel(id)
	return ModelFacts{ctx, in, out}, ok
}

// IsRetired reports whether a model id is retired (Mistral Small v24.09
// and older), so asking for it fails at the provider.
func IsRetired(model string) bool { return llm.IsRetired(model) }

// resolve fills the defaults that depend on other keys and puts values in
// canonical form.
func (c *Config) resolve() {
	for _, s := range []*string{&c.LLM.Provider, &c.Slack.Mode, &c.Store.Driver, &c.Log.Level, &c.Log.Format} {
		*s = strings.ToLower(strings.TrimSpace(*s))
	}
	if baseURL, model, ok := providerDefaults(c.LLM.Provider); ok {
		if c.LLM.BaseURL == "" {
			c.LLM.BaseURL = baseURL
		}
		if c.LLM.Model == "" {
			c.LLM.Model = model
		}
	}
	facts, known := KnownModel(c.LLM.Model)
	c.LLM.ContextTokensSet = c.LLM.ContextTokens != 0
	if c.LLM.ContextTokens == 0 {
		c.LLM.ContextTokens = FallbackContextTokens
		if known {
			c.LLM.ContextTokens = facts.ContextTokens
		}
	}
	if c.LLM.PriceInputPerMTok == 0 {
		c.LLM.PriceInputPerMTok = facts.PriceInputPerMTok
	}
	if c.LLM.PriceOutputPerMTok == 0 {
		c.LLM.PriceOutputPerMTok = facts.PriceOutputPerMTok
	}
	if c.LLM.QueueSize == 0 && c.LLM.MaxConcurrency > 0 {
		c.LLM.QueueSize = 8 * c.LLM.MaxConcurrency
	}
	headers := make(map[string]string, len(c.LLM.Headers))
	for name, val := range c.LLM.Headers {
		if val != "" {
			headers[textproto.CanonicalMIMEHeaderKey(name)] = val
		}
	}
	c.LLM.Headers = headers
	c.LLM.FallbackModels = cleanList(c.LLM.FallbackModels)
	c.Bot.AllowedChannels = cleanList(c.Bot.AllowedChannels)
	c.Bot.AllowedUsers = cleanList(c.Bot.AllowedUsers)
	c.Bot.Admins = cleanList(c.Bot.Admins)
	if c.Channels == nil {
		c.Channels = map[string]Channel{}
	}
}

// cleanList trims items and drops empty ones; never nil.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
