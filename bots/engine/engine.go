package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"mistralbot/bots"
	"mistralbot/internal/cache"
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
	// budget. History is trimmed to ContextTokens-MaxTokens. Defaults:
	// 32768 and 1024.
	ContextTokens int
	MaxTokens     int
	Temperature   float64
	// MaxReplyBytes caps the model's text in one reply: a model that
	// ignores max_tokens, or never stops, is cut off there (its stream
	// closed) and the answer ends with the length notice. 0 derives it
	// from MaxTokens (replyBytesPerToken each, at least minReplyBytes).
	MaxReplyBytes int
	// MaxImages bounds the images sent in one prompt, the question's
	// first, then the newest of the thread (bot.max_images; 0 = 4,
	// negative = none).
	MaxImages int
	// MaxConcurrency bounds replies generated at once (default 16);
	// QueueSize bounds the replies waiting (0 = 8*MaxConcurrency).
	MaxConcurrency int
	QueueSize      int
	// TranslateReactions enables flag-emoji translations.
	TranslateReactions bool
	// ShutdownGrace is how long in-flight replies may run after Run's
	// context ends before they are cut off with a notice (default 10s).
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
	// (default 4000).
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
	Model           string
	FollowThreads   bool
	HistoryMessages int
}

// Engine turns messages and commands into streamed answers. Its methods are
// safe for concurrent use.
type Engine struct {
	opts      Options
	tokens    bots.Tokens // opts.Tokens, else opts.LLM's
	log       *slog.Logger
	now       func() time.Time
	pool      *pool
	settings  *cache.Cache[string, bots.Settings]
	histories *cache.Cache[bots.ConversationKey, []bots.Turn]
	joined    *cache.Cache[bots.ConversationKey, struct{}]
	claims    *cache.Cache[string, struct{}] // dedupe keys claimed here (dispatch.go)
	notices   *cache.Cache[string, struct{}] // limit notices given per user (limits.go)
	running   atomic.Bool
	stopped   atomic.Bool
	jr        *journal // the reply journal (journal.go)
	idWatch   idWatch  // journaled replies in flight (journal.go)
	// redeliveries are undelivered replies this process retries
	// (redeliver.go).
	redeliveries redeliveries
	inflight     inflight                          // controlled replies a Stop click can cancel (stop.go)
	rated        *cache.Cache[string, ratedAnswer] // finished answers open to votes (feedback.go)
	unsaved      unsavedUsage                      // usage the store refused, retried once (usage.go)
	regen        *regenerations                    // answers a Regenerate click may replace (regenerate.go)
}

// New checks opts, fills defaults and returns an Engine; call Run to
// start its workers.
func New(opts Options) (*Engine, error) {
	var problems []error
	if opts.LLM == nil {
		problems = append(problems, errors.New("engine: LLM is required"))
	}
	if opts.Store == nil {
		problems = append(problems, errors.New("engine: Store is required"))
	}
	if opts.Tokens == nil {
		opts.Tokens, _ = opts.LLM.(bots.Tokens)
		if opts.Tokens == nil && opts.LLM != nil {
			problems = append(problems, errors.New("engine: Tokens is required when the LLM does not count tokens"))
		}
	}
	if opts.ContextTokens == 0 {
		opts.ContextTokens = 32768
	}
	if opts.MaxTokens == 0 {
		opts.MaxTokens = 1024
	}
	if opts.ContextTokens <= opts.MaxTokens {
		problems = append(problems, fmt.Errorf("engine: context tokens (%d) must exceed max tokens (%d)", opts.ContextTokens, opts.MaxTokens))
	}
	if opts.MaxReplyBytes < 0 {
		problems = append(problems, fmt.Errorf("engine: max reply bytes must not be negative, got %d", opts.MaxReplyBytes))
	}
	if opts.MaxConcurrency < 0 || opts.QueueSize < 0 || opts.RatePerUser < 0 || opts.MaxPendingPerUser < 0 || opts.DailyTokensPerChannel < 0 || opts.DailyUSDCap < 0 {
		problems = append(problems, errors.New("engine: concurrency, queue size and limits must not be negative"))
	}
	// Languages are normalized once here ("French" -> "fr"), so that the
	// rest of the Engine only meets codes.
	var err error
	if opts.Defaults.Language, err = configLanguage("bot.language", opts.Defaults.Language); err != nil {
		problems = append(problems, err)
	}
	channels := make(map[string]bots.ChannelSettings, len(opts.Channels))
	for id, cs := range opts.Channels {
		if cs.Language != nil {
			code, err := configLanguage("channels."+id+".language", *cs.Language)
			if err != nil {
				problems = append(problems, err)
			}
			cs.Language = &code
		}
		channels[id] = cs
	}
	opts.Channels = channels
	jr, err := newJournal()
	if err != nil {
		problems = append(problems, fmt.Errorf("engine: incarnation id: %w", err))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if opts.Defaults.Language == "" {
		opts.Defaults.Language = bots.LanguageAuto
	}
	if opts.Defaults.HistoryMessages <= 0 {
		opts.Defaults.HistoryMessages = 50
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = 16
	}
	if opts.QueueSize == 0 {
		opts.QueueSize = 8 * opts.MaxConcurrency
	}
	if opts.MaxReplyBytes == 0 {
		opts.MaxReplyBytes = max(replyBytesPerToken*opts.MaxTokens, minReplyBytes)
	}
	setDefault(&opts.ShutdownGrace, 10*time.Second)
	setDefault(&opts.ReplyTimeout, 5*time.Minute)
	setDefault(&opts.SettingsTTL, 3*time.Second)
	setDefault(&opts.HistoryTTL, 10*time.Minute)
	setDefault(&opts.DedupeTTL, time.Hour)
	setDefault(&opts.HeartbeatInterval, 10*time.Second)
	setDefault(&opts.RecoverInterval, time.Minute)
	setDefault(&opts.RecoverMaxAge, time.Hour)
	if opts.MaxPromptChars <= 0 {
		opts.MaxPromptChars = 4000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Admins = normalizeIDs(opts.Admins)
	opts.AllowedChannels = normalizeIDs(opts.AllowedChannels)
	opts.AllowedUsers = normalizeIDs(opts.AllowedUsers)
	return &Engine{
		opts:      opts,
		tokens:    opts.Tokens,
		log:       opts.Logger,
		now:       opts.Now,
		pool:      newPool(opts.QueueSize, opts.MaxPendingPerUser),
		settings:  cache.New[string, bots.Settings](4096, opts.SettingsTTL, opts.Now),
		histories: cache.New[bots.ConversationKey, []bots.Turn](1024, opts.HistoryTTL, opts.Now),
		joined:    cache.New[bots.ConversationKey, struct{}](16384, 7*24*time.Hour, opts.Now),
		rated:     cache.New[string, ratedAnswer](16384, 7*24*time.Hour, opts.Now),
		claims:    cache.New[string, struct{}](claimCacheSize, opts.DedupeTTL, opts.Now),
		notices:   cache.New[string, struct{}](noticeCacheSize, noticeWindow, opts.Now),
		jr:        jr,
		regen:     newRegenerations(opts.Now),
	}, nil
}

// claimCacheSize bounds the Engine's own dedupe claims: two keys per
// message, so an hour of 9 messages a second before the oldest is evicted
// (the store holds the rest, when it answers).
const claimCacheSize = 1 << 16

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Run runs MaxConcurrency workers until ctx ends. Then it stops taking
// work, finishes every queued reply with the localized "interrupted"
// notice, lets in-flight replies run for ShutdownGrace, cuts off those
// still running (they end with the notice too) and returns once every
// worker has exited. Replies are journaled while they run, and a reply
// whose last text could not be delivered stays journaled for Recover.
// While it runs, the Engine writes its heartbeat to the store. Run may be
// called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	// In-flight replies must outlive ctx by the grace period: they run on a
	// context that keeps ctx's values but is cancelled only by us.
	work, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	// The heartbeat outlives the workers: what they leave journaled is
	// taken over by other replicas once it is removed.
	stopBeats := e.startHeartbeat(work)
	defer stopBeats()
	stopWatch := e.watchIDs(work)
	defer stopWatch() // before the heartbeat stops: after the workers
	var wg sync.WaitGroup
	for range e.opts.MaxConcurrency {
		wg.Go(func() {
			for j := e.pool.next(); j != nil; j = e.pool.next() {
				e.process(work, j)
				e.pool.done(j)
			}
		})
	}
	<-ctx.Done()
	e.stopped.Store(true)
	e.pool.close()

	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()

	grace, cancelGrace := context.WithTimeout(work, e.opts.ShutdownGrace)
	defer cancelGrace()
	for _, j := range e.pool.drain() {
		e.interrupt(grace, j)
	}
	select {
	case <-workersDone:
	case <-grace.Done():
		e.log.Warn("shutdown grace over; cutting off replies in flight", "grace", e.opts.ShutdownGrace)
		cut()
		<-workersDone
	}
	return nil
}

// InFlight returns the number of replies being generated.
func (e *Engine) InFlight() int { _, r := e.pool.stats(); return r }

// QueueDepth returns the number of replies waiting for a worker.
func (e *Engine) QueueDepth() int { w, _ := e.pool.stats(); return w }

// HandleMessage decides whether msg gets an answer (mention, DM, follow-up
// in a thread the bot joined), deduplicates it, checks allow-lists and
// limits, and queues the answer. It returns quickly; the answer is written
// through conv. It returns an error only when the message could not be
// queued and the asker could not be told.
func (e *Engine) HandleMessage(ctx context.Context, conv bots.Conversations, msg bots.Message) error {
	_, err := e.Dispatch(ctx, conv, msg)
	return err
}
