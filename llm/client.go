package llm

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"mistralbot/internal/retry"
	"mistralbot/internal/wait"
)

// MaxOpenRouterModels is OpenRouter's cap on the models field: the model
// plus two fallbacks per request.
const MaxOpenRouterModels = 3

// Defaults applied by New to zero Options fields that have no
// configuration key (config owns the defaults of those that have one:
// llm.first_byte_timeout, llm.idle_timeout, llm.max_retries).
const (
	DefaultBackoffBase   = 500 * time.Millisecond
	DefaultBackoffMax    = 10 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultReadHold batches reads of the provider's connection: see
	// Options.ReadHold.
	DefaultReadHold = 2 * time.Millisecond
)

// Options configure a Client.
type Options struct {
	// Dialect selects the provider family; empty means OpenRouter.
	Dialect Dialect
	// BaseURL is the API base, e.g. https://openrouter.ai/api/v1; empty
	// means DefaultBaseURL(Dialect).
	BaseURL string
	APIKey  string
	// Model is the default model (empty: DefaultModel(Dialect));
	// FallbackModels are tried in order when it is unavailable.
	Model          string
	FallbackModels []string
	// Headers are extra request headers, sent with every request, except
	// OpenRouter's attribution headers (HTTP-Referer, X-OpenRouter-Title,
	// X-OpenRouter-Categories, X-Title), sent to OpenRouter only.
	Headers map[string]string
	// Timeout bounds a whole request including retries and the stream;
	// FirstByteTimeout the wait for the response headers; IdleTimeout the
	// silence between two chunks once they came. 0 means no limit: New
	// invents no value, llm.timeout, llm.first_byte_timeout and
	// llm.idle_timeout in config give them.
	Timeout          time.Duration
	FirstByteTimeout time.Duration
	IdleTimeout      time.Duration
	// MaxRetries bounds retries before the first byte (llm.max_retries;
	// 0 or negative: none); BackoffBase/BackoffMax shape the exponential
	// backoff with full jitter (defaults 500ms and 10s).
	MaxRetries  int
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for
	// (default 30s); a longer one ends the retries and is reported in
	// Error.RetryAfter.
	MaxRetryAfter time.Duration
	// ContextTokens is the configured context window (llm.context_tokens
	// when the operator set it; 0: learn it from the server, see Probe and
	// ContextWindow). A response counting this many prompt tokens was
	// truncated by the server.
	ContextTokens int
	// Prices in USD per million tokens, used when the provider reports no
	// cost.
	PriceInputPerMTok  float64
	PriceOutputPerMTok float64
	// ReadInterval: on HTTP/1.1, once the first visible text has arrived,
	// the stream is read at most once per ReadInterval if it is positive
	// (default 0: every chunk as it arrives). The first token is never
	// held back, nothing after the final chunk, [DONE] or the end of the
	// body, but the last token can wait up to ReadInterval: pacing cannot
	// know which read carries it. Off by default since issue 20 session
	// 8: with the runtime's sysmon kept awake (cmd/mistralbot, sysmon.go)
	// a 100 ms pace saved 2-5 ms of CPU per 300-token reply (20 against
	// 23-25 ms) and cost 23-43 ms of completion gap (BENCHMARKS.md). On
	// HTTP/2 reads are never paced: its transport reads every frame as it
	// arrives anyway, so pacing would only delay the text.
	ReadInterval time.Duration
	// ReadHold: a read of the provider's connection that follows a busy
	// one (about two frames or more) waits until ReadHold has passed
	// since, so the frames of every reply sharing the connection that
	// arrive meanwhile are read in one system call and one wake-up
	// (default 2ms; negative: every frame as it arrives; see batchConn).
	// No byte waits longer than ReadHold, the last token included. Used
	// only by the client's own transport (no HTTPClient).
	ReadHold   time.Duration
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Client streams chat completions. Safe for concurrent use.
type Client struct {
	opts Options
	base string
	http *http.Client
	log  *slog.Logger
	est  *Estimator

	// Hooks replaced by tests.
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func() float64 // in [0, 1)

	mu      sync.Mutex
	retired map[string]bool          // models the provider called unknown
	windows map[string]ContextWindow // context windows the server stated
	images  map[string]ImageSupport  // image input the server stated
	noTools map[string]bool          // models whose server refused tools
}

// New validates opts, fills in defaults and returns a Client.
func New(opts Options) (*Client, error) {
	if opts.Dialect == "" {
		opts.Dialect = OpenRouter
	}
	switch opts.Dialect {
	case OpenRouter, Mistral, OpenAI:
	default:
		return nil, fmt.Errorf("llm: unknown dialect %q (want openrouter, mistral or openai)", opts.Dialect)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL(opts.Dialect)
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: base URL %q is not an http(s) URL", opts.BaseURL)
	}
	if opts.Model == "" {
		opts.Model = DefaultModel(opts.Dialect)
	}
	if opts.Timeout < 0 || opts.FirstByteTimeout < 0 || opts.IdleTimeout < 0 {
		return nil, fmt.Errorf("llm: timeouts must not be negative (0: none)")
	}
	opts.MaxRetries = max(opts.MaxRetries, 0)
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = DefaultBackoffBase
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffBase)
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.ReadHold == 0 {
		opts.ReadHold = DefaultReadHold
	}
	if opts.PriceInputPerMTok < 0 || opts.PriceOutputPerMTok < 0 {
		return nil, fmt.Errorf("llm: prices must not be negative")
	}
	c := &Client{
		opts:    opts,
		base:    strings.TrimRight(opts.BaseURL, "/"),
		http:    opts.HTTPClient,
		log:     opts.Logger,
		est:     &Estimator{},
		now:     time.Now,
		sleep:   wait.Sleep,
		jitter:  rand.Float64,
		retired: map[string]bool{},
		windows: map[string]ContextWindow{},
		images:  map[string]ImageSupport{},
		noTools: map[string]bool{},
	}
	if c.http == nil {
		// No Timeout: streams are bounded by ctx and the idle timer. Many
		// replies stream at once from one host: keep their connections.
		//
		// What an open stream costs on HTTP/2, and why it stays: net/http
		// runs every request on a goroutine of its own until the response
		// ends ($GOROOT/src/net/http/h2_bundle.go, Go 1.26, roundTrip:
		// "go cs.doRequest(req, streamf)"; writeRequest: "It returns nil
		// after the request is written, the response read, and the
		// request stream is half-closed by the peer", its last loop
		// waiting on cs.peerClosed, cs.abort, ctx.Done() or cs.reqCancel).
		// No option ends it sooner, and golang.org/x/net/http2 v0.59.0 is
		// the same code: about 4 KiB of stack per answer (issue 20,
		// BENCHMARKS.md session 8). The flow-control window we advertise
		// (4 MiB per stream, http2transportDefaultStreamFlow) costs
		// memory only for data that arrived and was not read yet: the
		// pipe's 1 KiB chunks while a stream is read as it comes; what
		// the model sends while a reply waits for its Discord thread
		// (early.go) waits there too, at most the answer.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		t.DialContext = batchDialer(opts.ReadHold)
		c.http = &http.Client{Transport: newH2Pool(t)}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Model returns the default model id.
func (c *Client) Model() string { return c.opts.Model }

// Dialect returns the dialect the client speaks.
func (c *Client) Dialect() Dialect { return c.opts.Dialect }

// Estimator returns the client's token estimator, calibrated after every
// stream that reports usage.prompt_tokens.
func (c *Client) Estimator() *Estimator { return c.est }

// Stream sends req and returns the open stream once the provider answered
// with a stream, after any retries and fallbacks. Failures before the
// first byte are retried (connection errors, 408, 429, 5xx) honouring
// Retry-After; then the fallback models are tried in order (OpenRouter
// also gets them in its models field). Errors are *Error. The caller must
// Close the stream.
func (c *Client) Stream(ctx context.Context, req Request) (*Stream, error) {
	if len(req.Messages) == 0 {
		return nil, &Error{Code: CodeInvalid, Message: "no messages to send"}
	}
	if e := checkTools(req); e != nil {
		return nil, e
	}
	if req.WebSearch != nil && !c.WebSearchAvailable() {
		return nil, &Error{Code: CodeInvalid, Message: "web search is available through OpenRouter only (see WebSearchAvailable)"}
	}
	start := c.now()
	var cancel context.CancelFunc = func() {}
	if c.opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
	}
	cands := c.candidates(req)
	var last *Error
	for i := 0; i < len(cands); {
		model := cands[i]
		// OpenRouter walks its models field server-side, at most 3 models
		// per request ("'models' array must have 3 items or fewer",
		// coder/xum#2963); the candidates beyond are tried from here.
		rest := cands[i+1:]
		if c.opts.Dialect == OpenRouter {
			rest = rest[:min(len(rest), MaxOpenRouterModels-1)]
		}
		s, err := c.streamImages(ctx, req, model, rest)
		if err == nil {
			s.start, s.cancelAll = start, cancel
			return s, nil
		}
		last = err
		if err.Code == CodeContextLength {
			c.learnWindow(model, err.ContextTokens, "the provider's refusal")
		}
		next := i + 1
		if c.opts.Dialect == OpenRouter && err.Code != CodeNotFound {
			next = i + 1 + len(rest) // OpenRouter already tried rest
		}
		if next >= len(cands) || !c.fallBack(model, cands[next], err) {
			break
		}
		i = next
	}
	cancel()
	return nil, last
}

// candidates lists the primary model then the fallbacks, without
// duplicates, moving models the provider already called unknown to the
// end so a retired id costs one round trip per client, not per message.
func (c *Client) candidates(req Request) []string {
	primary := req.Model
	if primary == "" {
		primary = c.opts.Model
	}
	fallbacks := req.FallbackModels
	if fallbacks == nil {
		fallbacks = c.opts.FallbackModels
	}
	var live, dead []string
	seen := map[string]bool{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range append([]string{primary}, fallbacks...) {
		if m = strings.TrimSpace(m); m == "" || seen[m] {
			continue
		}
		seen[m] = true
		if c.retired[m] {
			dead = append(dead, m)
		} else {
			live = append(live, m)
		}
	}
	return append(live, dead...)
}

// fallBack decides whether the failure of model moves on to next, and
// logs why.
func (c *Client) fallBack(model, next string, err *Error) bool {
	switch {
	case err.Code == CodeNotFound && dataPolicy(err):
		// The model exists; the account's privacy settings exclude every
		// provider of it. Not retired: try the fallbacks this time only.
		c.log.Warn("llm: OpenRouter found no provider of this model that matches the account's data policy; "+
			"allow it at https://openrouter.ai/settings/privacy or change llm.model", "model", model, "fallback", next,
			"provider_message", err.Message)
		return true
	case err.Code == CodeNotFound:
		c.mu.Lock()
		c.retired[model] = true
		c.mu.Unlock()
		c.log.Warn("llm: model is unknown or retired, falling back; fix llm.model",
			"model", model, "fallback", next, "provider_message", err.Message)
		return true
	case retryable(err):
		// OpenRouter walked its models field already: next is the first
		// fallback it was not given.
		c.log.Warn("llm: model unavailable after retries, falling back",
			"model", model, "fallback", next, "error", err.Error())
		return true
	}
	return false
}

// streamModel opens a stream for one model, retrying failures before the
// first byte.
func (c *Client) streamModel(ctx context.Context, req Request, model string, rest []string) (*Stream, *Error) {
	var fallbacks []string
	if c.opts.Dialect == OpenRouter {
		fallbacks = rest
	}
	body, err := encodeRequest(c.opts.Dialect, req, model, fallbacks)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Model: model, Message: "encode request", Err: err}
	}
	acceptedTimeouts := 0
	for attempt := 0; ; attempt++ {
		s, e := c.attempt(ctx, req, model, body)
		if e == nil {
			return s, nil
		}
		e.Model = model
		if len(req.Tools) > 0 && toolsRefused(e.Status, e.Message) {
			// Before the retry decision: llama.cpp says so with a 500.
			e.Code = CodeToolsUnsupported
			c.learnNoTools(model)
			c.log.Warn("llm: the server refused the tools; ask again without them", "model", model, "provider_message", e.Message)
			return nil, e
		}
		if !retryable(e) || attempt >= c.opts.MaxRetries || ctx.Err() != nil {
			return nil, e
		}
		if e.Code == CodeTimeout && e.sent {
			// The server has the request and may still answer (and bill)
			// it; a second copy queues behind it. One more try, said out
			// loud, then the user hears of the timeout.
			if acceptedTimeouts++; acceptedTimeouts > 1 {
				return nil, e
			}
			c.log.Warn("llm: request timed out after the server accepted it; it may still be processed and billed; trying once more",
				"model", model, "error", e.Error())
		}
		d, ok := c.retryDelay(attempt, e)
		if !ok {
			return nil, e
		}
		c.log.Info("llm: retrying", "model", model, "attempt", attempt+1, "delay", d, "error", e.Error())
		if err := c.sleep(ctx, d); err != nil {
			return nil, ctxError(ctx, model, false)
		}
	}
}

// retryDelay is Retry-After when the provider gave one (false when it is
// longer than MaxRetryAfter), else exponential backoff with full jitter:
// uniform in [0, min(BackoffMax, BackoffBase*2^attempt)).
func (c *Client) retryDelay(attempt int, e *Error) (time.Duration, bool) {
	if e.RetryAfter > c.opts.MaxRetryAfter {
		return e.RetryAfter, false
	}
	b := retry.Backoff{Base: c.opts.BackoffBase, Max: c.opts.BackoffMax, Jitter: 1, Rand: c.jitter}
	return b.Delay(attempt, e.RetryAfter), true
}

// ctxError reports a request ended by the caller's context.
func ctxError(ctx context.Context, model string, partial bool) *Error {
	e := &Error{Code: CodeUnavailable, Model: model, Message: "request canceled", Partial: partial, Err: ctx.Err()}
	if ctx.Err() == context.DeadlineExceeded {
		e.Code, e.Message = CodeTimeout, "request timed out"
	}
	return e
}

// redact removes the API key from provider text (some echo it back).
func (c *Client) redact(s string) string {
	if k := c.opts.APIKey; len(k) >= 8 {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	return s
}

// dataPolicy reports OpenRouter's 404 "No endpoints found matching your
// data policy": an account setting, not a retired model.
func dataPolicy(err *Error) bool {
	return strings.Contains(strings.ToLower(err.Message), "data policy")
}
