package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"mistralbot/bots"
)

// Options configure an Engine. cmd/mistralbot fills them from config.
type Options struct {
	LLM   bots.Completer
	Store bots.Store
	// Defaults are the bot.* settings every channel starts from.
	Defaults Defaults
	// Channels are the channels.<platform>:<id> entries of the config file,
	// keyed "slack:C123".
	Channels map[string]bots.ChannelSettings
	// Admins, AllowedChannels and AllowedUsers hold prefixed ids
	// ("slack:U1"); empty allow-lists allow everything.
	Admins          []string
	AllowedChannels []string
	AllowedUsers    []string
	// RatePerUser is requests per minute per user; 0 = none.
	RatePerUser int
	// MaxPendingPerUser bounds one asker's questions queued or running at
	// once, so one person cannot take every worker and queue slot; 0 =
	// none (config's bot.max_pending_per_user defaults to 3).
	MaxPendingPerUser int
	// DailyTokensPerChannel caps tokens per channel per UTC day; 0 = none.
	DailyTokensPerChannel int64
	// DailyUSDCap caps the whole bot's spend per UTC day; 0 = none.
	DailyUSDCap float64
	// ContextTokens is the model's context window; MaxTokens the reply
	// budget (llm.max_tokens; required). History is trimmed to
	// ContextTokens-MaxTokens. A zero ContextTokens is 32768: config's
	// llm.context_tokens 0 means "ask the server or the catalogue", which
	// cmd/mistralbot does before New.
	ContextTokens int
	MaxTokens     int
	Temperature   float64
	// MaxReplyBytes caps the model's text in one reply: a model that
	// ignores max_tokens, or never stops, is cut off there (its stream
	// closed) and the answer ends with the length notice. 0 derives it
	// from MaxTokens (replyBytesPerToken each, at least minReplyBytes).
	MaxReplyBytes int
	// OCR, when set, reads scanned PDFs (no text layer) attached to a
	// question (bot.pdf_ocr with llm.provider mistral); nil: they get the
	// no-text notice.
	OCR bots.OCR
	// Transcriber, when set, transcribes voice notes attached to a
	// question (bot.voice_notes with llm.provider mistral); nil: they get
	// the not-read notice. VoiceMaxSeconds bounds a note sent (as the
	// platform states its length; required with a Transcriber).
	Transcriber     bots.Transcriber
	VoiceMaxSeconds int
	// MaxImages bounds the images sent in one prompt, the question's
	// first, then the newest of the thread (bot.max_images; 0 = 4,
	// negative = none).
	MaxImages int
	// MaxConcurrency bounds replies generated at once (llm.max_concurrency;
	// required);
	// QueueSize bounds the replies waiting (0 = 8*MaxConcurrency).
	MaxConcurrency int
	QueueSize      int
	// TranslateReactions enables flag-emoji translations.
	TranslateReactions bool
	// ShutdownGrace is how long in-flight replies may run after Run's
	// context ends before they are cut off with a notice
	// (server.shutdown_grace); 0 = none: they are cut off at once. Not
	// filled here: config is its one default.
	ShutdownGrace time.Duration
	// ReplyTimeout bounds one reply from dequeue to the last edit
	// (default 5m).
	ReplyTimeout time.Duration
	// SettingsTTL is how long resolved channel settings are cached
	// (default 3s): a change made on another replica shows within it.
	SettingsTTL time.Duration
	// HistoryTTL is how long a fetched thread history is reused
	// (default 10m).
	HistoryTTL time.Duration
	// DedupeTTL is how long a message id is remembered (default 1h).
	DedupeTTL time.Duration
	// MaxPromptChars bounds a channel system prompt set with /prompt
	// (bot.max_prompt_chars; required).
	MaxPromptChars int
	// CommandPrefix is put before command names in help texts ("/").
	CommandPrefix string
	// Tokens is the token arithmetic prompts are trimmed by; nil means
	// LLM's own (the completer over the llm client implements Tokens and
	// calibrates it against the provider's prompt_tokens). Required when
	// LLM does not implement Tokens.
	Tokens bots.Tokens
	// Observer receives reply outcomes for metrics; nil = none.
	Observer bots.Observer
	// ReplicaID names this replica stably across restarts (the config's
	// value, or the host name): a restarted process then recovers at once
	// the replies its previous life left unfinished. Replicas running at
	// the same time must have different ids. "" means a random id per
	// process: what a dead process left is recovered once its heartbeat is
	// stale.
	ReplicaID string
	// HeartbeatInterval is how often a running Engine marks itself alive
	// in the store (default 10s); a replica silent for 6 intervals is dead
	// and its journaled replies are recovered by the others.
	HeartbeatInterval time.Duration
	// RecoverInterval is how often, once Recover was called, the journal is
	// searched again for replies of replicas that died (default 1m).
	RecoverInterval time.Duration
	// RecoverMaxAge: an unfinished reply older than this is closed with the
	// "interrupted" notice instead of being regenerated (default 1h).
	RecoverMaxAge time.Duration
	// Tools configure the tool loop (tools.go); none by default.
	Tools ToolOptions
	// Summary configures summaries and digests (summarize.go).
	Summary SummaryOptions
	// Now is the clock (tests inject one); nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults are the bot-wide settings (bot.* in config).
type Defaults struct {
	SystemPrompt string
	// Language is "auto" (or "") or a language code.
	Language string
	// Model is the model id; "" leaves it to the LLM client.
	Model         string
	FollowThreads bool
	// HistoryMessages is how many thread messages are read as context
	// (bot.history_messages); 0 = none: the question alone. Not filled
	// here: config is its one default.
	HistoryMessages int
}

// check validates o and normalizes what the rest of the Engine reads in
// one form (the languages, the Tokens taken from the LLM); it returns
// every problem at once.
func (o *Options) check() error {
	var problems []error
	if o.LLM == nil {
		problems = append(problems, errors.New("engine: LLM is required"))
	}
	if o.Store == nil {
		problems = append(problems, errors.New("engine: Store is required"))
	}
	if o.Tokens == nil {
		o.Tokens, _ = o.LLM.(bots.Tokens)
		if o.Tokens == nil && o.LLM != nil {
			problems = append(problems, errors.New("engine: Tokens is required when the LLM does not count tokens"))
		}
	}
	if o.ContextTokens == 0 {
		o.ContextTokens = 32768
	}
	// Options config always sets are required, not invented here: config
	// is their one default (issue 18). A missing one names its key.
	required := []struct {
		n   int
		key string
	}{
		{o.MaxTokens, "llm.max_tokens"},
		{o.MaxConcurrency, "llm.max_concurrency"},
		{o.MaxPromptChars, "bot.max_prompt_chars"},
	}
	if o.Transcriber != nil {
		required = append(required, struct {
			n   int
			key string
		}{o.VoiceMaxSeconds, "bot.voice_max_seconds"})
	}
	for _, req := range required {
		if req.n == 0 {
			problems = append(problems, fmt.Errorf("engine: %s is required (config's default: cmd/mistralbot sets it, tests use enginetest)", req.key))
		}
	}
	if o.ContextTokens <= o.MaxTokens {
		problems = append(problems, fmt.Errorf("engine: context tokens (%d) must exceed max tokens (%d)", o.ContextTokens, o.MaxTokens))
	}
	if o.MaxReplyBytes < 0 {
		problems = append(problems, fmt.Errorf("engine: max reply bytes must not be negative, got %d", o.MaxReplyBytes))
	}
	// Where config allows 0 the Engine takes it as said (issue 18):
	// history 0 is no history, grace 0 no grace. Only a negative is wrong.
	if o.Defaults.HistoryMessages < 0 {
		problems = append(problems, fmt.Errorf("engine: history messages must not be negative, got %d (bot.history_messages)", o.Defaults.HistoryMessages))
	}
	if o.ShutdownGrace < 0 {
		problems = append(problems, fmt.Errorf("engine: shutdown grace must not be negative, got %v (server.shutdown_grace)", o.ShutdownGrace))
	}
	if o.MaxConcurrency < 0 || o.MaxTokens < 0 || o.MaxPromptChars < 0 || o.QueueSize < 0 || o.RatePerUser < 0 || o.MaxPendingPerUser < 0 || o.DailyTokensPerChannel < 0 || o.DailyUSDCap < 0 {
		problems = append(problems, errors.New("engine: concurrency, queue size and limits must not be negative"))
	}
	// Languages are normalized once here ("French" -> "fr"), so that the
	// rest of the Engine only meets codes.
	var err error
	if o.Defaults.Language, err = configLanguage("bot.language", o.Defaults.Language); err != nil {
		problems = append(problems, err)
	}
	channels := make(map[string]bots.ChannelSettings, len(o.Channels))
	for id, cs := range o.Channels {
		if cs.Language != nil {
			code, err := configLanguage("channels."+id+".language", *cs.Language)
			if err != nil {
				problems = append(problems, err)
			}
			cs.Language = &code
		}
		channels[id] = cs
	}
	o.Channels = channels
	problems = append(problems, checkDigests(channels)...)
	return errors.Join(problems...)
}

// fillDefaults gives a default to the options config has no key for (the
// tunings, the clock, the logger) and to those whose zero config defines
// as derived (queue size, reply bytes, language "" = auto). Options with a
// config key are config's to default (issue 18): check requires them, or
// takes their zero as what it says (no history, no grace).
func (o *Options) fillDefaults() {
	if o.Defaults.Language == "" {
		o.Defaults.Language = bots.LanguageAuto
	}
	if o.QueueSize == 0 {
		o.QueueSize = 8 * o.MaxConcurrency
	}
	if o.MaxReplyBytes == 0 {
		o.MaxReplyBytes = max(replyBytesPerToken*o.MaxTokens, minReplyBytes)
	}
	o.Tools.fill()
	setDefault(&o.ReplyTimeout, 5*time.Minute)
	setDefault(&o.SettingsTTL, 3*time.Second)
	setDefault(&o.HistoryTTL, 10*time.Minute)
	setDefault(&o.DedupeTTL, time.Hour)
	setDefault(&o.HeartbeatInterval, 10*time.Second)
	setDefault(&o.RecoverInterval, time.Minute)
	setDefault(&o.RecoverMaxAge, time.Hour)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Summary.fill(o.MaxTokens)
	o.Admins = normalizeIDs(o.Admins)
	o.AllowedChannels = normalizeIDs(o.AllowedChannels)
	o.AllowedUsers = normalizeIDs(o.AllowedUsers)
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}
