// Package slack is mistralbot's Slack adapter: it receives events, slash
// commands and shortcuts over Socket Mode or the HTTP Events API, turns
// them into bots.Message and bots.Command for the Engine, reads thread
// history, and writes streamed answers (chat.postMessage + chat.update, or
// Slack's native chat.startStream/appendStream/stopStream) paced to Slack's
// per-workspace rate limits. It is the only package importing slack-go.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"
	"golang.org/x/sync/singleflight"

	"mistralbot/bots"
	"mistralbot/internal/cache"
)

// Connection modes.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// Options configure an Adapter.
type Options struct {
	// BotToken (xoxb-) calls the Web API; AppToken (xapp-, connections:write)
	// opens Socket Mode; SigningSecret verifies HTTP requests.
	BotToken      string
	AppToken      string
	SigningSecret string
	// Mode is "socket" or "http" (slack.mode).
	Mode string
	// APIURL is the Web API base (slack.api_url, https://slack.com/api/
	// by default).
	APIURL string
	// StopButton shows a Stop button on an answer being written with
	// post+update (not native streaming): the asker or an admin cancels
	// the model request; the text so far stays, with a notice.
	StopButton bool
	// NativeStreaming uses chat.startStream/appendStream/stopStream for
	// thread replies, falling back to chat.postMessage + chat.update when
	// Slack refuses it.
	NativeStreaming bool
	// AgentView selects Slack's Agent messaging experience (manifest
	// features.agent_view): app_home_opened tab "messages" sets the
	// suggested prompts and every top-level DM message is answered in its
	// own thread. False is the assistant_view of existing apps
	// (assistant_thread_started). Config slack.agent_view.
	AgentView bool
	// LinkPreviews lets Slack unfurl links and media in the bot's posts
	// (default off: a link a prompt-injected model writes could otherwise
	// make Slack fetch a URL that carries data out). Config bot.link_previews.
	LinkPreviews bool
	// CommandPrefix is put before the canonical command names: with "mb-",
	// /mb-ask, /mb-code ... (slash command names clash across apps).
	CommandPrefix string
	// TeamID pins the workspace (slack.team_id, "" = none): Run refuses a
	// bot token of another workspace, and events and commands of other
	// workspaces are dropped with a warning (team.go).
	TeamID string
	// FollowThreads passes thread messages without a mention to the
	// Engine (which answers where the bot already spoke).
	FollowThreads bool
	// AttachmentMaxBytes bounds one downloaded text file
	// (bot.attachment_max_bytes, at least 1).
	AttachmentMaxBytes int
	// Files bounds the images and documents read (bot.image_max_bytes);
	// its TextMaxBytes defaults to AttachmentMaxBytes.
	Files bots.FileLimits
	// TranslateReactions translates a message when someone reacts with a
	// flag emoji.
	TranslateReactions bool
	// UpdatesPerMinute is the chat.update budget per workspace shared by
	// every reply in flight (default 40; Slack's Tier 3 allows about 50).
	// StreamsPerMinute budgets chat.startStream+stopStream (default 16 of
	// Tier 2's 20) and AppendsPerMinute chat.appendStream (default 80 of
	// Tier 4's 100).
	UpdatesPerMinute int
	StreamsPerMinute int
	AppendsPerMinute int
	// ReducedReads applies the read limits Slack sets since 2025 for
	// commercially distributed apps not approved for the Marketplace:
	// conversations.history/replies at 1 request per minute, 15 messages
	// a page (slack.read_limits: non_marketplace; span.go). False is
	// Tier 3 (about 50 a minute) with pages of 200, which Marketplace
	// apps and a workspace's own internal apps keep.
	ReducedReads bool
	// EditInterval is the least time between two edits of one reply
	// (default 1s).
	EditInterval time.Duration
	// PingTimeout is how long the Socket Mode websocket may go without a
	// ping from Slack before it is taken for dead and reconnected
	// (default 30s, slack-go's; Slack pings every few seconds).
	PingTimeout time.Duration
	Engine      Engine
	Logger      *slog.Logger
	// Hooks receive metrics events; nil means none.
	Hooks      Hooks
	HTTPClient *http.Client
	// Now is the clock (caches, budgets); nil means time.Now.
	Now func() time.Time
}

// Engine is what the adapter needs from the Engine (bots/engine).
type Engine interface {
	// Dispatch decides on a message and queues its answer.
	Dispatch(ctx context.Context, conv bots.Conversations, msg bots.Message) (bots.Disposition, error)
	// Command runs a slash command or shortcut; Answer streams its Ask.
	Command(ctx context.Context, conv bots.Conversations, cmd bots.Command) bots.Response
	Answer(ctx context.Context, ask *bots.Ask, reply bots.Reply) error
	// TranslateMessage answers a flag reaction with a translation.
	TranslateMessage(ctx context.Context, conv bots.Conversations, msg bots.Message, target string) error
	// ClaimDelivery claims a delivery key once (replayed commands).
	ClaimDelivery(ctx context.Context, key string) bool
	// Settings are a channel's resolved settings (language, model).
	Settings(ctx context.Context, channelID string) bots.Settings
	// Stop and Feedback are the answer controls' clicks.
	Stop(ctx context.Context, p bots.Platform, replyID, userID string, admin bool) (bots.StopResult, error)
	Feedback(ctx context.Context, p bots.Platform, replyID, userID string, up bool) (bots.FeedbackResult, error)
	// Summarize runs a summary job (blocking for all of it); CatchUp
	// tells a mention that asks for one (summarize.go).
	Summarize(ctx context.Context, conv bots.Conversations, job *bots.SummaryJob, out bots.SummaryOutput) error
	CatchUp(msg bots.Message) (bots.Command, bool)
	// FeedbackReason records a 👎's reason (reason.go).
	FeedbackReason(ctx context.Context, p bots.Platform, replyID, userID, reason string) (bots.FeedbackResult, error)
	// Regenerate answers a Regenerate click (regenerate.go).
	Regenerate(ctx context.Context, p bots.Platform, replyID, userID string, admin bool, gone func(context.Context)) (bots.RegenerateResult, error)
}

// Hooks receive counts for metrics. Implementations must be safe for
// concurrent use and must not block.
type Hooks interface {
	// Event counts one incoming event, command or interaction by type.
	Event(eventType string)
	// Deduped counts one redelivery dropped by the adapter.
	Deduped()
	// RateLimited counts one 429 from a Web API method.
	RateLimited(method string)
	// APIError counts one ok:false answer (or HTTP error) of a method.
	APIError(method, code string)
}

type noHooks struct{}

func (noHooks) Event(string)            {}
func (noHooks) Deduped()                {}
func (noHooks) RateLimited(string)      {}
func (noHooks) APIError(string, string) {}

// Adapter connects one Slack app to the Engine. It implements
// bots.Conversations. Safe for concurrent use.
type Adapter struct {
	opts  Options
	log   *slog.Logger
	hooks Hooks
	now   func() time.Time
	api   *slackgo.Client
	http  *http.Client

	// Set by auth.test in Run.
	botUserID string
	botID     string
	teamID    string
	teamURL   string // "https://acme.slack.com/", for permalinks
	botUser   string // the bot's user name
	ready     atomic.Bool
	socketUp  atomic.Bool

	users *userCache
	files *cache.Cache[string, bots.Attachment]
	// images caches image attachments (data: URLs of up to ~1 MB) apart.
	images *cache.Cache[string, bots.Attachment]
	// fetching collapses concurrent fetches of one file (a mention arrives
	// as app_mention and as message, handled at the same time).
	fetching singleflight.Group
	seen     *cache.Cache[string, struct{}]
	// viewing is the channel each user is viewing (team:user -> id), from
	// app_context_changed and assistant_thread_context_changed.
	viewing *cache.Cache[string, string]
	// titled holds the DM threads already titled (channel:thread).
	titled *cache.Cache[string, struct{}]
	teams  sync.Map // team id -> *workspace

	mu     sync.Mutex
	runCtx context.Context // Run's context; nil before Run and after it ends
	work   sync.WaitGroup  // event handlers started by the HTTP handler or socket
}

var _ bots.Conversations = (*Adapter)(nil)

// New checks opts and returns an Adapter. It does no I/O: Run calls
// auth.test.
func New(opts Options) (*Adapter, error) {
	var problems []error
	if !strings.HasPrefix(opts.BotToken, "xoxb-") {
		problems = append(problems, errors.New("slack: slack.bot_token must be a bot token (xoxb-...)"))
	}
	switch opts.Mode {
	case ModeSocket:
		if !strings.HasPrefix(opts.AppToken, "xapp-") {
			problems = append(problems, errors.New("slack: socket mode needs slack.app_token, an app-level token (xapp-...) with connections:write"))
		}
	case ModeHTTP:
		if opts.SigningSecret == "" {
			problems = append(problems, errors.New("slack: http mode needs slack.signing_secret"))
		}
	default:
		problems = append(problems, fmt.Errorf("slack: slack.mode %q: want socket or http", opts.Mode))
	}
	if opts.Engine == nil {
		problems = append(problems, errors.New("slack: an Engine is required"))
	}
	// config gives these (its defaults are the only ones): New checks them
	// and invents none.
	if opts.APIURL == "" {
		problems = append(problems, errors.New("slack: slack.api_url is required (Slack's is https://slack.com/api/)"))
	}
	if opts.AttachmentMaxBytes < 1 {
		problems = append(problems, fmt.Errorf("slack: bot.attachment_max_bytes must be at least 1, got %d", opts.AttachmentMaxBytes))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(opts.APIURL, "/") {
		opts.APIURL += "/"
	}
	setDefault(&opts.UpdatesPerMinute, 40)
	setDefault(&opts.StreamsPerMinute, 16)
	setDefault(&opts.AppendsPerMinute, 80)
	if opts.EditInterval <= 0 {
		opts.EditInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Hooks == nil {
		opts.Hooks = noHooks{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Adapter{
		opts:   opts,
		log:    opts.Logger.With("platform", "slack"),
		hooks:  opts.Hooks,
		now:    opts.Now,
		http:   opts.HTTPClient,
		files:  cache.New[string, bots.Attachment](512, time.Hour, opts.Now),
		images: cache.New[string, bots.Attachment](32, time.Hour, opts.Now),
		seen:   cache.New[string, struct{}](8192, 30*time.Minute, opts.Now),
		// A user's view outlives a short break; a day-old one is stale.
		viewing: cache.New[string, string](8192, 12*time.Hour, opts.Now),
		titled:  cache.New[string, struct{}](8192, 24*time.Hour, opts.Now),
	}
	a.users = newUserCache(a, 5000, time.Hour)
	a.api = slackgo.New(opts.BotToken,
		slackgo.OptionAPIURL(opts.APIURL),
		slackgo.OptionAppLevelToken(opts.AppToken),
		slackgo.OptionHTTPClient(opts.HTTPClient),
	)
	return a, nil
}

func setDefault(p *int, v int) {
	if *p <= 0 {
		*p = v
	}
}

// Run calls auth.test to learn the bot's identity, then serves until ctx
// ends: in socket mode it runs the Socket Mode connection (reconnecting
// with bounded backoff); in http mode requests arrive through Handler. It
// waits for the event handlers it started before returning. It returns an
// error when the tokens are refused.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.authTest(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	a.runCtx = ctx
	a.mu.Unlock()
	a.ready.Store(true)
	defer func() {
		a.ready.Store(false)
		a.mu.Lock()
		a.runCtx = nil
		a.mu.Unlock()
		a.work.Wait()
	}()
	if a.opts.Mode == ModeHTTP {
		a.log.InfoContext(ctx, "slack adapter ready (http events)", "team", a.teamID, "bot_user", a.botUserID)
		<-ctx.Done()
		return nil
	}
	return a.runSocket(ctx)
}

// Ready reports whether the adapter is connected and taking events.
func (a *Adapter) Ready() bool {
	if !a.ready.Load() {
		return false
	}
	return a.opts.Mode == ModeHTTP || a.socketUp.Load()
}

// BotUserID returns the bot's user id (known once Run has started).
func (a *Adapter) BotUserID() string { return a.botUserID }

func (a *Adapter) authTest(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		err = a.apiErr(ctx, "auth.test", err, nil)
		if errors.Is(err, ErrInvalidAuth) {
			// The URL too: a real token sent to a fake workspace (compose's
			// default slack.api_url) is refused as well.
			return fmt.Errorf("slack: slack.bot_token (SLACK_BOT_TOKEN) was refused by auth.test at %s (slack.api_url); check it is the Bot User OAuth Token of the installed app: %w", a.opts.APIURL, err)
		}
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	a.botUserID, a.botID, a.teamID = res.UserID, res.BotID, res.TeamID
	a.teamURL, a.botUser = res.URL, res.User
	return a.checkTeam(res.TeamID)
}

// spawn runs f on a goroutine owned by the adapter (Run waits for it),
// with a context derived from Run's and bounded by timeout.
func (a *Adapter) spawn(timeout time.Duration, f func(ctx context.Context)) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.runCtx == nil || a.runCtx.Err() != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(a.runCtx, timeout)
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		defer cancel()
		f(ctx)
	}()
	return true
}
