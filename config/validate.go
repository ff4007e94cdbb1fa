package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// problems collects "key: message" lines.
type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, key+": "+fmt.Sprintf(format, args...))
}

// Validate reports every problem of a loaded configuration at once, as a
// *ValidationError whose problems each start with the key at fault. It
// never quotes a secret.
func (c *Config) Validate() error {
	p := problems(slices.Clone(c.envProblems))
	c.validateLLM(&p)
	c.validateSlack(&p)
	c.validateDiscord(&p)
	c.validateServerStore(&p)
	c.validateBot(&p)
	c.validateChannels(&p)
	c.validateTools(&p)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		p.add("log.level", "unknown level %q (want debug, info, warn or error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		p.add("log.format", "unknown format %q (want json or text)", c.Log.Format)
	}
	if len(p) > 0 {
		return &ValidationError{Problems: p}
	}
	return nil
}

func (c *Config) validateLLM(p *problems) {
	l := &c.LLM
	_, _, knownProvider := providerDefaults(l.Provider)
	if !knownProvider {
		// The base URL, key and model defaults all follow from the
		// provider: report the cause only, not its three consequences.
		p.add("llm.provider", "unknown provider %q (want openrouter, mistral or openai)", l.Provider)
	} else {
		checkURL(p, "llm.base_url", l.BaseURL, true, "http", "https")
		if l.APIKey == "" && (l.Provider == ProviderOpenRouter || l.Provider == ProviderMistral) {
			p.add("llm.api_key", "required for provider %s: set %s or %s",
				l.Provider, envName("llm.api_key"), conventionalNames("llm.api_key", l.Provider)[0])
		}
		// Retired model ids are not problems here: ReplaceRetired swaps
		// them for the current Mistral Small with a warning, so the bot
		// still runs.
		if l.Model == "" {
			p.add("llm.model", "required")
		}
	}
	if l.Temperature < 0 || l.Temperature > 2 {
		p.add("llm.temperature", "%g is outside [0, 2]", l.Temperature)
	}
	switch {
	case l.ContextTokens < 1:
		p.add("llm.context_tokens", "must be at least 1, got %d", l.ContextTokens)
	case l.MaxTokens >= l.ContextTokens:
		p.add("llm.max_tokens", "%d leaves no room for the question in a context of %d tokens (llm.context_tokens)",
			l.MaxTokens, l.ContextTokens)
	}
	if l.MaxTokens < 1 {
		p.add("llm.max_tokens", "must be at least 1, got %d", l.MaxTokens)
	}
	notNegative(p, "llm.timeout", int64(l.Timeout))
	notNegative(p, "llm.first_byte_timeout", int64(l.FirstByteTimeout))
	notNegative(p, "llm.idle_timeout", int64(l.IdleTimeout))
	validateFallbacks(p, l)
	if l.MaxConcurrency < 1 {
		p.add("llm.max_concurrency", "must be at least 1, got %d", l.MaxConcurrency)
	}
	notNegative(p, "llm.max_retries", int64(l.MaxRetries))
	notNegative(p, "llm.queue_size", int64(l.QueueSize))
	if l.PriceInputPerMTok < 0 {
		p.add("llm.price_input_per_mtok", "must not be negative")
	}
	if l.PriceOutputPerMTok < 0 {
		p.add("llm.price_output_per_mtok", "must not be negative")
	}
	for _, name := range sortedKeys(l.Headers) {
		if !validHeaderName(name) {
			p.add("llm.headers", "%q is not a valid header name", name)
		}
	}
}

func (c *Config) validateSlack(p *problems) {
	s := &c.Slack
	if s.Mode != SlackSocket && s.Mode != SlackHTTP {
		p.add("slack.mode", "unknown mode %q (want socket or http)", s.Mode)
	}
	checkURL(p, "slack.api_url", s.APIURL, true, "http", "https")
	if s.ReadLimits != SlackReadStandard && s.ReadLimits != SlackReadNonMarketplace {
		p.add("slack.read_limits", "unknown value %q (want %s or %s)", s.ReadLimits, SlackReadStandard, SlackReadNonMarketplace)
	}
	if !validCommandPrefix(s.CommandPrefix) || len(s.CommandPrefix)+len("translate") > 31 {
		p.add("slack.command_prefix", "%q: use at most 22 lower-case letters, digits, - or _", s.CommandPrefix)
	}
	if !s.Enabled {
		return
	}
	// Token kinds by prefix: https://docs.slack.dev/authentication/tokens
	// (bot xoxb-, user xoxp-, app-level xapp-).
	switch {
	case s.BotToken == "":
		p.add("slack.bot_token", "required when slack.enabled: set %s", strings.Join(EnvNames("slack.bot_token"), " or "))
	case strings.HasPrefix(s.BotToken, "xapp-"):
		p.add("slack.bot_token", "is an app-level token (xapp-...): give the Bot User OAuth Token (xoxb-...) here and the app token as slack.app_token")
	case !strings.HasPrefix(s.BotToken, "xoxb-"):
		p.add("slack.bot_token", "must be a Bot User OAuth Token starting with xoxb- (OAuth & Permissions page; not a user xoxp- token)")
	case strings.ContainsAny(s.BotToken, " \t\r\n"):
		p.add("slack.bot_token", "contains white space (a copy-paste accident?)")
	}
	switch s.Mode {
	case SlackSocket:
		if s.AppToken == "" {
			p.add("slack.app_token", "required in socket mode: set %s (an app-level token, xapp-...)",
				strings.Join(EnvNames("slack.app_token"), " or "))
		} else if !strings.HasPrefix(s.AppToken, "xapp-") {
			p.add("slack.app_token", "must be an app-level token starting with xapp- (not a bot or user token)")
		} else if strings.ContainsAny(s.AppToken, " \t\r\n") {
			p.add("slack.app_token", "contains white space (a copy-paste accident?)")
		}
	case SlackHTTP:
		if s.SigningSecret == "" {
			p.add("slack.signing_secret", "required in http mode: set %s",
				strings.Join(EnvNames("slack.signing_secret"), " or "))
		}
	}
}

func (c *Config) validateDiscord(p *problems) {
	d := &c.Discord
	checkURL(p, "discord.api_url", d.APIURL, true, "http", "https")
	checkURL(p, "discord.gateway_url", d.GatewayURL, false, "ws", "wss")
	if d.RequestsPerSecond < 1 {
		p.add("discord.requests_per_second", "must be at least 1, got %d (Discord's default global limit is 50)", d.RequestsPerSecond)
	}
	if d.ShardCount < 1 {
		p.add("discord.shard_count", "must be at least 1, got %d", d.ShardCount)
	} else if d.ShardID >= d.ShardCount {
		p.add("discord.shard_id", "%d must be below discord.shard_count (%d)", d.ShardID, d.ShardCount)
	}
	notNegative(p, "discord.shard_id", int64(d.ShardID))
	checkSnowflake(p, "discord.application_id", d.ApplicationID)
	checkSnowflake(p, "discord.guild_id", d.GuildID)
	if d.PublicKey != "" {
		if b, err := hex.DecodeString(d.PublicKey); err != nil || len(b) != 32 {
			p.add("discord.public_key", "must be the application's 64-hex-digit public key")
		}
	}
	switch {
	case d.Enabled && d.Token == "":
		p.add("discord.token", "required when discord.enabled: set %s", strings.Join(EnvNames("discord.token"), " or "))
	case d.Token != "" && !discordTokenShape(d.Token):
		p.add("discord.token", "is not a Discord bot token (three dot-separated parts, the first the bot's id in base64: Developer Portal > Bot > Reset Token)")
	}
}

func (c *Config) validateServerStore(p *problems) {
	if _, port, err := net.SplitHostPort(c.Server.Listen); err != nil {
		p.add("server.listen", "%q is not host:port (e.g. \":8080\")", c.Server.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add("server.listen", "%q has no valid port", c.Server.Listen)
	}
	if c.Server.OpsListen != "" {
		if _, port, err := net.SplitHostPort(c.Server.OpsListen); err != nil {
			p.add("server.ops_listen", "%q is not host:port (e.g. \"127.0.0.1:9090\")", c.Server.OpsListen)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			p.add("server.ops_listen", "%q has no valid port", c.Server.OpsListen)
		} else if c.Server.OpsListen == c.Server.Listen && n != 0 {
			p.add("server.ops_listen", "%q is server.listen too: give the operational endpoints their own address", c.Server.OpsListen)
		}
	}
	notNegative(p, "server.max_connections", int64(c.Server.MaxConnections))
	notNegative(p, "server.max_connections_per_ip", int64(c.Server.MaxConnectionsPerIP))
	notNegative(p, "server.shutdown_grace", int64(c.Server.ShutdownGrace))
	notNegative(p, "store.start_timeout", int64(c.Store.StartTimeout))
	switch c.Store.Driver {
	case DriverMemory:
	case DriverBolt:
		if c.Store.Path == "" {
			p.add("store.path", "required for the bolt driver")
		}
	case DriverRedis:
		if c.Store.RedisURL == "" {
			p.add("store.redis_url", "required for the redis driver: set %s", envName("store.redis_url"))
		}
	default:
		p.add("store.driver", "unknown driver %q (want memory, bolt or redis)", c.Store.Driver)
	}
	if c.Store.RedisURL != "" {
		// Never quote the URL: it may hold a password.
		u, err := url.Parse(c.Store.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			p.add("store.redis_url", "must be a redis://, rediss:// or unix:// URL")
		}
	}
}

func (c *Config) validateBot(p *problems) {
	b := &c.Bot
	checkLanguage(p, "bot.language", b.Language, false)
	notNegative(p, "bot.history_messages", int64(b.HistoryMessages))
	notNegative(p, "bot.max_reply_bytes", int64(b.MaxReplyBytes))
	checkIDs(p, "bot.allowed_channels", b.AllowedChannels)
	checkIDs(p, "bot.allowed_users", b.AllowedUsers)
	checkIDs(p, "bot.admins", b.Admins)
	notNegative(p, "bot.rate_per_user", int64(b.RatePerUser))
	notNegative(p, "bot.max_pending_per_user", int64(b.MaxPendingPerUser))
	notNegative(p, "bot.daily_tokens_per_channel", b.DailyTokensPerChannel)
	if b.DailyUSDCap < 0 {
		p.add("bot.daily_usd_cap", "must not be negative")
	}
	if b.MaxPromptChars < 1 {
		p.add("bot.max_prompt_chars", "must be at least 1, got %d", b.MaxPromptChars)
	}
	if b.AttachmentMaxBytes < 1 {
		// The adapters take this as given (no default of their own).
		p.add("bot.attachment_max_bytes", "must be at least 1, got %d", b.AttachmentMaxBytes)
	}
	notNegative(p, "bot.max_images", int64(b.MaxImages))
	notNegative(p, "bot.image_max_bytes", int64(b.ImageMaxBytes))
	c.validateMistralOnly(p)
	if b.SummaryConfirmUSD < 0 {
		p.add("bot.summary_confirm_usd", "must not be negative")
	}
	if b.SummaryMaxMessages < 1 || b.SummaryMaxMessages > 10000 {
		p.add("bot.summary_max_messages", "must be 1 to 10000, got %d", b.SummaryMaxMessages)
	}
}

func (c *Config) validateChannels(p *problems) {
	for _, id := range sortedKeys(c.Channels) {
		ch := c.Channels[id]
		key := "channels." + id
		if !prefixedID(id) {
			p.add(key, `the channel id must be prefixed "slack:" or "discord:" (e.g. "slack:C123")`)
		}
		checkLanguage(p, key+".language", ch.Language, true)
		validateChannelTools(p, key+".tools", ch.Tools)
	}
}

func notNegative(p *problems, key string, n int64) {
	if n < 0 {
		p.add(key, "must not be negative")
	}
}

func checkURL(p *problems, key, raw string, required bool, schemes ...string) {
	if raw == "" {
		if required {
			p.add(key, "required")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !slices.Contains(schemes, u.Scheme) {
		p.add(key, "must be an absolute %s:// URL", strings.Join(schemes, ":// or "))
	}
}

func checkSnowflake(p *problems, key, id string) {
	if id == "" {
		return
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		p.add(key, "%q is not a Discord id (digits only)", id)
	}
}

// checkLanguage accepts "auto" or a BCP-47 tag ("fr", "pt-BR"), and ""
// when empty means "inherit".
func checkLanguage(p *problems, key, code string, emptyOK bool) {
	if code == "" && emptyOK || strings.EqualFold(code, "auto") {
		return
	}
	if _, err := language.Parse(code); err != nil || code == "" {
		p.add(key, "%q is not a BCP-47 language code (e.g. en, fr, de, it, es, pt-BR) or auto", code)
	}
}

func prefixedID(id string) bool {
	for _, prefix := range []string{"slack:", "discord:"} {
		if rest, ok := strings.CutPrefix(id, prefix); ok && rest != "" {
			return true
		}
	}
	return false
}

func checkIDs(p *problems, key string, ids []string) {
	for _, id := range ids {
		if !prefixedID(id) {
			p.add(key, `%q must be prefixed "slack:" or "discord:" (e.g. "slack:U123", "discord:1100")`, id)
		}
	}
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 127 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validCommandPrefix accepts what Slack allows in a command name.
func validCommandPrefix(prefix string) bool {
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validateFallbacks checks llm.fallback_models: ids without white space,
// none twice, none equal to llm.model. More than OpenRouter's cap of 3
// models per request is fine: llm sends the first ones in the models
// field and tries the rest itself.
func validateFallbacks(p *problems, l *LLM) {
	seen := map[string]bool{}
	for i, m := range l.FallbackModels {
		key := fmt.Sprintf("llm.fallback_models[%d]", i)
		switch {
		case strings.ContainsAny(m, " \t\n"):
			p.add(key, "%q is not a model id (it contains white space)", m)
		case strings.EqualFold(m, l.Model):
			p.add(key, "%q is llm.model itself", m)
		case seen[strings.ToLower(m)]:
			p.add(key, "%q is listed twice", m)
		}
		seen[strings.ToLower(m)] = true
	}
}

// discordTokenShape reports whether a bot token (with or without "Bot ")
// has the shape Discord's tokens have: three dot-separated base64url parts,
// the first the bot's user id (a snowflake) in base64
// (https://github.com/serenity-rs/serenity/issues/1032). It catches a
// pasted client secret, public key or truncated token before Discord
// refuses it at run time.
func discordTokenShape(token string) bool {
	token = strings.TrimPrefix(strings.TrimSpace(token), "Bot ")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	for _, part := range parts {
		if part == "" || strings.Trim(part, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
			return false
		}
	}
	id, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return false
	}
	_, err = strconv.ParseUint(string(id), 10, 64)
	return err == nil
}
