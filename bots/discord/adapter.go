// Package discord is mistralbot's Discord adapter: the gateway (mentions,
// threads, DMs, reactions), application commands over the gateway or the
// HTTP interactions endpoint, streamed replies within Discord's limits, and
// command registration and invite links. It is the only package importing
// discordgo.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// Engine is what the adapter needs from the Engine (bots/engine); Stopper
// and Rater are its optional capabilities.
type Engine interface {
	Dispatch(ctx context.Context, conv bots.Conversations, msg bots.Message) (bots.Disposition, error)
	Command(ctx context.Context, conv bots.Conversations, cmd bots.Command) bots.Response
	Answer(ctx context.Context, ask *bots.Ask, reply bots.Reply) error
	TranslateMessage(ctx context.Context, conv bots.Conversations, msg bots.Message, target string) error
	ClaimDelivery(ctx context.Context, key string) bool
}

// Options configure an Adapter. Token is required; the rest have defaults.
type Options struct {
	// StopButton shows a Stop button on an answer being written in a
	// channel or thread: the asker or a member with Manage Channels stops
	// it (the Engine must be a Stopper).
	StopButton bool
	// Token is the bot token (with or without the "Bot " prefix).
	Token string
	// ApplicationID is the application's id (interactions, commands).
	ApplicationID string
	// PublicKey is the application's hex Ed25519 public key, needed by
	// InteractionsHandler.
	PublicKey string
	// APIURL replaces https://discord.com for REST calls (a REST proxy, a
	// test server); GatewayURL replaces the gateway Discord advertises.
	APIURL, GatewayURL string
	// ShardID and ShardCount split guilds between processes (DMs arrive on
	// shard 0 only); ShardCount is at least 1 (discord.shard_count).
	ShardID, ShardCount int
	// GuildID is the guild commands are registered in ("" = global).
	GuildID string
	// FollowThreads passes un-mentioned messages in threads to the Engine,
	// which answers where the bot already took part.
	FollowThreads bool
	// AttachmentMaxBytes bounds the text read from one attachment
	// (bot.attachment_max_bytes, at least 1); ReplyChain bounds the
	// referenced messages followed outside threads (default 10).
	AttachmentMaxBytes int
	ReplyChain         int
	// Files bounds the images and documents read (bot.image_max_bytes);
	// its TextMaxBytes defaults to AttachmentMaxBytes.
	Files bots.FileLimits
	// TranslateReactions subscribes to reactions and translates a message
	// when someone reacts with a flag.
	TranslateReactions bool
	// Engine answers messages and commands; required by Run and the
	// interactions handler.
	Engine Engine
	Logger *slog.Logger
	Hooks  Hooks
	// HTTPClient is the base client for REST and attachment downloads; its
	// transport is wrapped, never modified. nil = a client with a 20 s
	// timeout.
	HTTPClient *http.Client
	// Now is the clock; nil = time.Now.
	Now func() time.Time

	// Tuning without a configuration key; zero values get Discord's
	// documented defaults.
	// EditBudget calls per EditWindow per channel before headers tell
	// better (default 5 per 5 s); MinEditInterval spaces the edits of one
	// message (default 1 s).
	EditBudget      int
	EditWindow      time.Duration
	MinEditInterval time.Duration
	// GlobalPerSecond bounds the REST calls per second on every route but
	// the interaction endpoints: Discord's global limit of a bot token
	// (discord.requests_per_second; required, negative = no bound). Processes sharing a token (shards)
	// should share it out. Posts, final edits and every other call wait for
	// it; intermediate edits are skipped when it is short, keeping a fifth
	// of it for the calls that must go.
	GlobalPerSecond int
	// Workers handle gateway events (default 4, events of one channel stay
	// in order).
	Workers int
	// ReconnectDelay is the first delay after a failed gateway connect,
	// doubled up to MaxReconnectDelay (defaults 1 s and 2 min); Run keeps
	// reconnecting for as long as it runs, and after MaxReconnects
	// consecutive failures logs each further one as an error (default 10).
	ReconnectDelay    time.Duration
	MaxReconnectDelay time.Duration
	MaxReconnects     int
	// OpenTimeout bounds one gateway connect until READY (default 30 s).
	OpenTimeout time.Duration
	// ShutdownGrace is how long Run lets event handlers finish once the
	// gateway is closed before cancelling them (server.shutdown_grace;
	// 0: at once).
	ShutdownGrace time.Duration
	// TypingInterval repeats the typing indicator (default 8 s; Discord
	// shows it for 10 s).
	TypingInterval time.Duration
	// TokenLifetime is how long interaction tokens are used before replies
	// continue as channel messages (default 14 min; Discord's is 15).
	TokenLifetime time.Duration
	// TimestampWindow is the accepted age of a signed HTTP interaction
	// (default 5 min).
	TimestampWindow time.Duration
	// RetryDelay is the pause before an answer's call that failed with a
	// 5xx or a network error is tried again (default 1 s; a thread start
	// doubles it per try).
	RetryDelay time.Duration
	// LinkPreviews lets Discord show previews (embeds) of links in
	// answers (bot.link_previews). Off by default: answers carry the
	// SUPPRESS_EMBEDS flag, so a link the model was made to write cannot
	// leak data through the preview Discord fetches.
	LinkPreviews bool
}

// Adapter connects Discord to the Engine. It implements
// bots.Conversations. Create it with New; Run runs the gateway, and
// InteractionsHandler serves HTTP interactions (with or without Run).
type Adapter struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	s       *discordgo.Session
	http    *http.Client // attachments; the session has its own
	rest    *restClient  // the answer's calls, on the session's client
	budgets *budgets
	clicks  clickBudget   // how long a click may work before its answer (intime.go)
	global  *globalBudget // nil: GlobalPerSecond < 0
	pubKey  ed25519.PublicKey

	mu      sync.Mutex
	botID   string
	running bool
	ready   atomic.Bool

	disconnects chan struct{}
	stop        chan struct{} // closed when Run stops taking events
	lanes       []chan gatewayEvent
	inters      chan gatewayEvent
	wg          sync.WaitGroup // workers
	typist      typist         // the typing indicators (typing.go)
	sums        summaryRuns    // summaries running (summary.go)

	conn     connTracker
	channels *channelCache
	pending  *pendingThreads
	atts     *attachmentCache
	roles    *roleCache
}

var _ bots.Conversations = (*Adapter)(nil)

// New checks opts and builds the Discord session; nothing is connected
// until Run.
func New(opts Options) (*Adapter, error) {
	if opts.Hooks == nil {
		opts.Hooks = noHooks{}
	}
	token, api, pub, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	setDefaults(&opts)
	base := opts.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 20 * time.Second}
	}
	a := &Adapter{
		opts:        opts,
		log:         opts.Logger,
		now:         opts.Now,
		http:        base,
		budgets:     newBudgets(opts.EditBudget, opts.EditWindow, opts.Now),
		pubKey:      pub,
		disconnects: make(chan struct{}, 1),
		stop:        make(chan struct{}),
		channels:    newChannelCache(opts.Now),
		pending:     newPendingThreads(opts.Now),
		atts:        newAttachmentCache(),
		roles:       newRoleCache(opts.Now),
	}
	a.typist.send, a.typist.every = a.showTyping, opts.TypingInterval
	if opts.GlobalPerSecond > 0 {
		a.global = newGlobalBudget(opts.GlobalPerSecond, time.Second, opts.Now)
	}
	if a.s, err = a.newSession(token, api, base); err != nil {
		return nil, err
	}
	a.lanes = make([]chan gatewayEvent, opts.Workers)
	for i := range a.lanes {
		a.lanes[i] = make(chan gatewayEvent, 64)
	}
	a.inters = make(chan gatewayEvent, 64)
	return a, nil
}

// checkOptions reports every problem of opts at once (an operator fixes
// the configuration in one go) and returns the parsed token, API URL and
// interactions public key.
func checkOptions(opts Options) (token string, api *url.URL, pub ed25519.PublicKey, err error) {
	var problems []error
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(opts.Token), "Bot "))
	if token == "" {
		problems = append(problems, errors.New("discord: token is required (discord.token / DISCORD_BOT_TOKEN)"))
	}
	api, err = parseAPIURL(opts.APIURL)
	if err != nil {
		problems = append(problems, err)
	}
	if opts.GatewayURL != "" && !strings.HasPrefix(opts.GatewayURL, "ws://") && !strings.HasPrefix(opts.GatewayURL, "wss://") {
		problems = append(problems, fmt.Errorf("discord: gateway_url %q: want a ws:// or wss:// URL", opts.GatewayURL))
	}
	// config gives these (its defaults are the only ones): New checks them
	// and invents none.
	if opts.ShardCount < 1 || opts.ShardID < 0 || opts.ShardID >= opts.ShardCount {
		problems = append(problems, fmt.Errorf("discord: shard_id %d must be below shard_count %d (at least 1)", opts.ShardID, opts.ShardCount))
	}
	if opts.AttachmentMaxBytes < 1 {
		problems = append(problems, fmt.Errorf("discord: bot.attachment_max_bytes must be at least 1, got %d", opts.AttachmentMaxBytes))
	}
	if opts.GlobalPerSecond == 0 {
		problems = append(problems, errors.New("discord: discord.requests_per_second must be at least 1 (GlobalPerSecond; negative: no global budget)"))
	}
	if opts.PublicKey != "" {
		b, err := hex.DecodeString(strings.TrimSpace(opts.PublicKey))
		if err != nil || len(b) != ed25519.PublicKeySize {
			problems = append(problems, errors.New("discord: public_key must be the 64 hex characters shown in the Developer Portal"))
		}
		pub = b
	}
	if err := errors.Join(problems...); err != nil {
		return "", nil, nil, err
	}
	return token, api, pub, nil
}

// newSession builds the discordgo session with its HTTP going through our
// transport (budgets, API and gateway URLs, hooks) and sets a.rest. It
// turns off what discordgo would otherwise do on its own: retries,
// reconnects and logging are the adapter's.
func (a *Adapter) newSession(token string, api *url.URL, base *http.Client) (*discordgo.Session, error) {
	opts := a.opts
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	// The transport applies the timeout once the global budget lets a
	// request through: waiting for the budget is not a slow Discord.
	s.Client = &http.Client{
		CheckRedirect: base.CheckRedirect,
		Jar:           base.Jar,
		Transport: &transport{base: rt, api: api, gateway: opts.GatewayURL, budgets: a.budgets, global: a.global,
			timeout: base.Timeout, hooks: opts.Hooks, now: opts.Now},
	}
	// Bound what discordgo would do forever: 429s come back to the Sink,
	// which retries a bounded number of times; reconnects are Run's.
	a.rest = &restClient{http: s.Client, auth: s.Token, ua: s.UserAgent, log: opts.Logger, retryDelay: opts.RetryDelay}
	if !opts.LinkPreviews {
		a.rest.flags = flagSuppressEmbeds
	}
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 1
	s.ShouldReconnectOnError = false
	s.SyncEvents = true // handlers hand events to our workers at once
	s.LogLevel = -1     // discordgo logs with the log package; we log ourselves
	s.Dialer = a.conn.dialer(opts.OpenTimeout)
	s.ShardID, s.ShardCount = opts.ShardID, opts.ShardCount
	s.Identify.Intents = gatewayIntents(opts)
	s.AddHandler(a.onEvent)
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		a.ready.Store(false)
		select {
		case a.disconnects <- struct{}{}:
		default:
		}
	})
	return s, nil
}

// gatewayIntents asks only for the events the adapter handles: reactions
// only when they are translated.
func gatewayIntents(opts Options) discordgo.Intent {
	intents := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages |
		discordgo.IntentsMessageContent
	if opts.TranslateReactions {
		intents |= discordgo.IntentsGuildMessageReactions | discordgo.IntentsDirectMessageReactions
	}
	return intents
}

func setDefaults(o *Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.ReplyChain, 10)
	def(&o.EditBudget, 5)
	def(&o.Workers, 4)
	def(&o.MaxReconnects, 10)
	dur(&o.EditWindow, 5*time.Second)
	dur(&o.MinEditInterval, time.Second)
	dur(&o.ReconnectDelay, time.Second)
	dur(&o.MaxReconnectDelay, 2*time.Minute)
	dur(&o.OpenTimeout, 30*time.Second)
	dur(&o.TypingInterval, 8*time.Second)
	dur(&o.TokenLifetime, 14*time.Minute)
	dur(&o.TimestampWindow, 5*time.Minute)
	dur(&o.RetryDelay, time.Second)
}

// Ready reports whether the gateway session is up (READY or RESUMED
// received, not disconnected since).
func (a *Adapter) Ready() bool { return a.ready.Load() }

// me returns the bot's user id ("" before READY).
func (a *Adapter) me() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

// Run connects to the gateway and handles events until ctx ends (then it
// returns nil after in-flight events are handed over) or Discord refuses
// the bot for good: a fatal close code (bad token, disallowed intents, bad
// shard), returned as an error that says what to fix. An unreachable
// gateway is retried for as long as Run runs (Ready is false meanwhile).
func (a *Adapter) Run(ctx context.Context) error {
	if a.opts.Engine == nil {
		return errors.New("discord: Run needs an Engine")
	}
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("discord: Run called twice")
	}
	a.running = true
	a.mu.Unlock()

	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.sums.mu.Lock()
	a.sums.ctx = work
	a.sums.mu.Unlock()
	for _, lane := range a.lanes {
		a.wg.Add(1)
		go a.worker(work, lane)
	}
	for range a.opts.Workers {
		a.wg.Add(1)
		go a.worker(work, a.inters)
	}
	err := a.connect(ctx)
	a.ready.Store(false)
	_ = a.s.Close()
	close(a.stop)
	// Workers finish the events they hold (their REST calls are bounded by
	// the client timeout), then the context of anything still running ends.
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	grace := time.NewTimer(a.opts.ShutdownGrace)
	select {
	case <-done:
	case <-grace.C:
		a.log.Warn("discord: event handlers still running after server.shutdown_grace; cancelling them", "grace", a.opts.ShutdownGrace)
	}
	grace.Stop()
	a.sums.mu.Lock()
	a.sums.ctx = nil // no summary starts now
	a.sums.mu.Unlock()
	cancel()
	<-done
	a.sums.runs.Wait()
	if t, ok := a.s.Client.Transport.(*transport); ok {
		if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
	return err
}
