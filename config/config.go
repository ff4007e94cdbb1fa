// Package config loads mistralbot's configuration with viper: a YAML file,
// MISTRALBOT_* environment overrides, the conventional env names
// (OPENROUTER_API_KEY, SLACK_BOT_TOKEN, ...) and MISTRALBOT_<KEY>_FILE
// secrets. It is the only importer of viper.
//
// Precedence, highest first: MISTRALBOT_<KEY> (or MISTRALBOT_<KEY>_FILE),
// the conventional name, the YAML file, the default. Load decodes and
// reports unknown keys and wrong types; Validate reports every semantic
// problem at once. Both return errors matching ErrInvalid.
package config

import (
	"errors"
	"strings"
	"time"
)

// ErrInvalid is matched (errors.Is) by every error Load and Validate return:
// the configuration cannot be used as it is. The command exits 2 on it.
var ErrInvalid = errors.New("invalid configuration")

// ValidationError lists every problem found in a configuration. Each
// problem names the key (or environment variable) that causes it.
type ValidationError struct {
	Problems []string
}

// Error renders all problems, one per line after the first.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid configuration: " + e.Problems[0]
	}
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Providers (llm.provider).
const (
	ProviderOpenRouter = "openrouter"
	ProviderMistral    = "mistral"
	ProviderOpenAI     = "openai"
)

// Store drivers (store.driver).
const (
	DriverMemory = "memory"
	DriverBolt   = "bolt"
	DriverRedis  = "redis"
)

// Slack connection modes (slack.mode).
const (
	SlackSocket = "socket"
	SlackHTTP   = "http"
)

// Slack read limits of summaries (slack.read_limits).
const (
	SlackReadStandard       = "standard"
	SlackReadNonMarketplace = "non_marketplace"
)

// Config is the whole configuration. Field tags are the YAML keys; the
// environment name of a key is MISTRALBOT_ + the key upper-cased with "."
// (and "-") replaced by "_".
type Config struct {
	LLM     LLM     `mapstructure:"llm" yaml:"llm"`
	Slack   Slack   `mapstructure:"slack" yaml:"slack"`
	Discord Discord `mapstructure:"discord" yaml:"discord"`
	Server  Server  `mapstructure:"server" yaml:"server"`
	Store   Store   `mapstructure:"store" yaml:"store"`
	Bot     Bot     `mapstructure:"bot" yaml:"bot"`
	Log     Log     `mapstructure:"log" yaml:"log"`
	Tools   Tools   `mapstructure:"tools" yaml:"tools"`
	// Channels holds per-channel defaults keyed "slack:C123" or
	// "discord:1100"; the key keeps its case. Only settable in the file.
	Channels map[string]Channel `mapstructure:"channels" yaml:"channels"`

	// envProblems are the MISTRALBOT_* variables that set no key, found by
	// Load and reported by Validate with every other problem.
	envProblems []string
}

// LLM configures the chat-completions client.
type LLM struct {
	// Provider is openrouter, mistral or openai (generic).
	Provider string `mapstructure:"provider" yaml:"provider"`
	// BaseURL defaults by provider.
	BaseURL string `mapstructure:"base_url" yaml:"base_url"`
	// APIKey is a secret; not required for openai.
	APIKey string `mapstructure:"api_key" yaml:"api_key"`
	// Model defaults by provider.
	Model string `mapstructure:"model" yaml:"model"`
	// FallbackModels are tried in order when Model is unavailable.
	FallbackModels []string `mapstructure:"fallback_models" yaml:"fallback_models"`
	Temperature    float64  `mapstructure:"temperature" yaml:"temperature"`
	// MaxTokens is the reply budget in tokens.
	MaxTokens int `mapstructure:"max_tokens" yaml:"max_tokens"`
	// ContextTokens is the model's context window; 0 in the file means
	// "by model" and is resolved by Load.
	ContextTokens int `mapstructure:"context_tokens" yaml:"context_tokens"`
	// ContextTokensSet is true when the operator set context_tokens; when
	// false, ContextTokens is the catalogue's or the fallback figure and
	// the server's own (llm.Client.Probe) should win.
	ContextTokensSet bool `mapstructure:"-" yaml:"-"`
	// Timeout bounds one whole request; FirstByteTimeout the wait for the
	// response headers (a local server queues requests before them);
	// IdleTimeout the silence between two stream chunks. 0 disables
	// either.
	Timeout          time.Duration `mapstructure:"timeout" yaml:"timeout"`
	FirstByteTimeout time.Duration `mapstructure:"first_byte_timeout" yaml:"first_byte_timeout"`
	IdleTimeout      time.Duration `mapstructure:"idle_timeout" yaml:"idle_timeout"`
	// MaxConcurrency bounds the requests in flight.
	MaxConcurrency int `mapstructure:"max_concurrency" yaml:"max_concurrency"`
	// MaxRetries bounds retries before the first byte of a reply.
	MaxRetries int `mapstructure:"max_retries" yaml:"max_retries"`
	// QueueSize bounds the questions waiting for a slot; 0 in the file
	// means 8 x MaxConcurrency and is resolved by Load.
	QueueSize int `mapstructure:"queue_size" yaml:"queue_size"`
	// Prices in USD per million tokens; 0 in the file means "by model".
	PriceInputPerMTok  float64 `mapstructure:"price_input_per_mtok" yaml:"price_input_per_mtok"`
	PriceOutputPerMTok float64 `mapstructure:"price_output_per_mtok" yaml:"price_output_per_mtok"`
	// Headers are extra request headers, names in canonical form; an
	// empty value removes a default header.
	Headers map[string]string `mapstructure:"headers" yaml:"headers"`
}

// Slack configures the Slack adapter.
type Slack struct {
	Enabled bool `mapstructure:"enabled" yaml:"enabled"`
	// Mode is socket (no public URL) or http.
	Mode string `mapstructure:"mode" yaml:"mode"`
	// BotToken (xoxb-), AppToken (xapp-, socket mode) and SigningSecret
	// (http mode) are secrets.
	BotToken      string `mapstructure:"bot_token" yaml:"bot_token"`
	AppToken      string `mapstructure:"app_token" yaml:"app_token"`
	SigningSecret string `mapstructure:"signing_secret" yaml:"signing_secret"`
	// APIURL is the Web API base.
	APIURL string `mapstructure:"api_url" yaml:"api_url"`
	// NativeStreaming uses chat.startStream/appendStream/stopStream.
	NativeStreaming bool `mapstructure:"native_streaming" yaml:"native_streaming"`
	// StopButton shows a Stop button on answers written with post+update
	// (not native streaming): the asker or an admin stops the answer.
	StopButton bool `mapstructure:"stop_button" yaml:"stop_button"`
	// AgentView selects Slack's Agent messaging experience (manifest
	// features.agent_view, the only one new apps can use); false keeps an
	// existing app on assistant_view.
	AgentView bool `mapstructure:"agent_view" yaml:"agent_view"`
	// CommandPrefix is put before every slash command name: "mb-" gives
	// /mb-ask.
	CommandPrefix string `mapstructure:"command_prefix" yaml:"command_prefix"`
	// TeamID optionally pins the workspace: the adapter refuses a bot
	// token of another one and drops other workspaces' events.
	TeamID string `mapstructure:"team_id" yaml:"team_id"`
	// ReadLimits is the read budget of summaries: "standard" (Tier 3,
	// pages of 200: Marketplace apps and a workspace's own apps) or
	// "non_marketplace" (1 request a minute, pages of 15: commercially
	// distributed apps not approved for the Marketplace, since 2025).
	ReadLimits string `mapstructure:"read_limits" yaml:"read_limits"`
}

// Discord configures the Discord adapter.
type Discord struct {
	Enabled bool `mapstructure:"enabled" yaml:"enabled"`
	// Token is the bot token, a secret.
	Token         string `mapstructure:"token" yaml:"token"`
	ApplicationID string `mapstructure:"application_id" yaml:"application_id"`
	// PublicKey verifies the HTTP interactions endpoint.
	PublicKey string `mapstructure:"public_key" yaml:"public_key"`
	// APIURL is the REST base, GatewayURL the gateway.
	APIURL     string `mapstructure:"api_url" yaml:"api_url"`
	GatewayURL string `mapstructure:"gateway_url" yaml:"gateway_url"`
	ShardID    int    `mapstructure:"shard_id" yaml:"shard_id"`
	ShardCount int    `mapstructure:"shard_count" yaml:"shard_count"`
	// GuildID registers commands in one guild only (fast during setup).
	GuildID string `mapstructure:"guild_id" yaml:"guild_id"`
	// RequestsPerSecond is the bot's global REST limit (Discord's default
	// is 50; large bots can ask Discord for more). Every replica sharing
	// the token should get its share.
	RequestsPerSecond int `mapstructure:"requests_per_second" yaml:"requests_per_second"`
	// StopButton shows a Stop button on an answer being written.
	StopButton bool `mapstructure:"stop_button" yaml:"stop_button"`
}

// Server configures the HTTP listener.
type Server struct {
	Listen string `mapstructure:"listen" yaml:"listen"`
	// ShutdownGrace is how long in-flight replies may finish on shutdown.
	ShutdownGrace time.Duration `mapstructure:"shutdown_grace" yaml:"shutdown_grace"`
	// ReplicaID names this replica stably across restarts, so that after a
	// crash it finishes the replies it left in flight; "" means the host
	// name. Replicas running at the same time need different ids.
	ReplicaID string `mapstructure:"replica_id" yaml:"replica_id"`
	// Pprof serves Go's profiler under /debug/pprof/ (on OpsListen when
	// set, else Listen). Off by
	// default: profiles show code paths and cost CPU while taken.
	Pprof bool `mapstructure:"pprof" yaml:"pprof"`
	// OpsListen, when set, serves /healthz, /readyz, /metrics and
	// /debug/pprof on this address instead of Listen, which then serves
	// the platform webhooks only (e.g. "127.0.0.1:9090" or a private
	// interface, so that only the webhooks are public).
	OpsListen string `mapstructure:"ops_listen" yaml:"ops_listen"`
	// MaxConnections bounds the connections open on Listen at once (each
	// holds a file descriptor); 0 means half the process's file-descriptor
	// limit, at most 4096.
	MaxConnections int `mapstructure:"max_connections" yaml:"max_connections"`
	// MaxConnectionsPerIP bounds the connections one peer address holds
	// (0: no bound, the default: behind a TLS proxy, which Slack's HTTPS
	// Request URLs usually mean, every connection has the proxy's address).
	MaxConnectionsPerIP int `mapstructure:"max_connections_per_ip" yaml:"max_connections_per_ip"`
}

// Store configures settings, usage and dedupe storage.
type Store struct {
	// Driver is memory, bolt or redis.
	Driver string `mapstructure:"driver" yaml:"driver"`
	// Path is the bbolt file.
	Path string `mapstructure:"path" yaml:"path"`
	// RedisURL (redis://user:password@host:6379/0) may hold a password.
	RedisURL string `mapstructure:"redis_url" yaml:"redis_url"`
	// KeyPrefix starts every Redis key, so that several bots can share one
	// Redis database.
	KeyPrefix string `mapstructure:"key_prefix" yaml:"key_prefix"`
	// StartTimeout is how long run and check wait for a Redis server that
	// is not reachable yet, retrying with backoff; 0 tries once.
	StartTimeout time.Duration `mapstructure:"start_timeout" yaml:"start_timeout"`
}

// Bot holds the defaults of every channel and the limits.
type Bot struct {
	SystemPrompt string `mapstructure:"system_prompt" yaml:"system_prompt"`
	// Language is "auto" or a BCP-47 code.
	Language        string `mapstructure:"language" yaml:"language"`
	FollowThreads   bool   `mapstructure:"follow_threads" yaml:"follow_threads"`
	HistoryMessages int    `mapstructure:"history_messages" yaml:"history_messages"`
	// AllowedChannels and AllowedUsers are empty for "all"; ids are
	// prefixed "slack:" or "discord:", like Admins.
	AllowedChannels []string `mapstructure:"allowed_channels" yaml:"allowed_channels"`
	AllowedUsers    []string `mapstructure:"allowed_users" yaml:"allowed_users"`
	Admins          []string `mapstructure:"admins" yaml:"admins"`
	// RatePerUser is requests per minute; DailyTokensPerChannel and
	// DailyUSDCap (whole bot) reset at midnight UTC. 0 = no limit.
	RatePerUser int `mapstructure:"rate_per_user" yaml:"rate_per_user"`
	// MaxPendingPerUser bounds one user's questions queued or being
	// answered at once (0 = no bound), so one person cannot take the bot.
	MaxPendingPerUser     int     `mapstructure:"max_pending_per_user" yaml:"max_pending_per_user"`
	DailyTokensPerChannel int64   `mapstructure:"daily_tokens_per_channel" yaml:"daily_tokens_per_channel"`
	DailyUSDCap           float64 `mapstructure:"daily_usd_cap" yaml:"daily_usd_cap"`
	// TranslateReactions translates a message when someone reacts with a
	// flag emoji.
	TranslateReactions bool `mapstructure:"translate_reactions" yaml:"translate_reactions"`
	// LinkPreviews lets the platforms show previews of links in answers
	// (Discord embeds, Slack unfurls). Off by default: a link the model
	// was made to write cannot leak data through the preview's fetch.
	LinkPreviews bool `mapstructure:"link_previews" yaml:"link_previews"`
	// MaxPromptChars bounds a channel system prompt set from the chat.
	MaxPromptChars int `mapstructure:"max_prompt_chars" yaml:"max_prompt_chars"`
	// AttachmentMaxBytes bounds the text read from one attachment.
	AttachmentMaxBytes int `mapstructure:"attachment_max_bytes" yaml:"attachment_max_bytes"`
	// MaxReplyBytes caps the text of one answer (a model ignoring
	// llm.max_tokens is cut off there, with the length notice); 0 derives
	// it from llm.max_tokens (8 bytes per token, at least 16 KiB).
	MaxReplyBytes int `mapstructure:"max_reply_bytes" yaml:"max_reply_bytes"`
	// MaxImages bounds the images sent in one prompt (0: none).
	MaxImages int `mapstructure:"max_images" yaml:"max_images"`
	// ImageMaxBytes bounds one image or document file fetched.
	ImageMaxBytes int `mapstructure:"image_max_bytes" yaml:"image_max_bytes"`
	// PDFOCR reads scanned PDFs (no text layer) with Mistral's OCR API;
	// llm.provider must be mistral. Each page is billed (recorded in the
	// asker's usage).
	PDFOCR bool `mapstructure:"pdf_ocr" yaml:"pdf_ocr"`
	// PDFOCRMaxPages bounds the pages read with OCR from one document,
	// the first ones (and so its cost).
	PDFOCRMaxPages int `mapstructure:"pdf_ocr_max_pages" yaml:"pdf_ocr_max_pages"`
	// VoiceNotes transcribes voice notes and audio files (Slack audio
	// clips, Discord voice messages) with Mistral's transcription API;
	// llm.provider must be mistral. Each minute is billed (recorded in the
	// asker's usage). Off, audio is never downloaded.
	VoiceNotes bool `mapstructure:"voice_notes" yaml:"voice_notes"`
	// VoiceMaxSeconds bounds a note transcribed (and so its cost): longer
	// ones, as the platform states their length, get a notice.
	VoiceMaxSeconds int `mapstructure:"voice_max_seconds" yaml:"voice_max_seconds"`
	// SummaryConfirmUSD: a summary estimated above it waits for the
	// asker's confirm button (0 = never asks; with no known prices the
	// estimate is $0).
	SummaryConfirmUSD float64 `mapstructure:"summary_confirm_usd" yaml:"summary_confirm_usd"`
	// SummaryMaxMessages bounds the messages one summary reads.
	SummaryMaxMessages int `mapstructure:"summary_max_messages" yaml:"summary_max_messages"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error; Format json or text.
	Level  string `mapstructure:"level" yaml:"level"`
	Format string `mapstructure:"format" yaml:"format"`
}

// Channel holds the config-file defaults of one channel; empty fields
// inherit the bot.* defaults.
type Channel struct {
	Language     string `mapstructure:"language" yaml:"language,omitempty"`
	SystemPrompt string `mapstructure:"system_prompt" yaml:"system_prompt,omitempty"`
	Model        string `mapstructure:"model" yaml:"model,omitempty"`
	// Enabled is nil when not set.
	Enabled *bool `mapstructure:"enabled" yaml:"enabled,omitempty"`
	// Tools is the channel's allow-list of tools, by exposed name
	// ("github__search_issues", "fetch_url") or by server ("github"):
	// nil (not set) allows every configured tool, an empty list none.
	Tools []string `mapstructure:"tools" yaml:"tools,omitempty"`
	// Digest schedules a daily digest of the channel: "daily 09:00
	// Europe/Paris" ("" = none); /digest from the chat wins over it.
	Digest string `mapstructure:"digest" yaml:"digest,omitempty"`
}

// Enabled returns the enabled platforms, "slack" then "discord".
func (c *Config) Enabled() []string {
	var out []string
	if c.Slack.Enabled {
		out = append(out, "slack")
	}
	if c.Discord.Enabled {
		out = append(out, "discord")
	}
	return out
}
