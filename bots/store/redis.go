package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"mistralbot/bots"
)

var _ bots.Store = (*Redis)(nil)

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// URL is "redis://[:password@]host:port[/db]" (or rediss://, unix://).
	URL string
	// KeyPrefix prefixes every key; empty means none.
	KeyPrefix string
	// DialTimeout, ReadTimeout and WriteTimeout bound each network step so
	// that no call hangs on a lost server; 0 means 2 s each.
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// OpenTimeout bounds the first ping in OpenRedis; 0 means 5 s.
	OpenTimeout time.Duration
	// PoolSize is the most connections kept open; 0 means go-redis's
	// default (10 per CPU).
	PoolSize int
	// Hooks are added to the client before its first command (metrics,
	// tests counting round trips).
	Hooks []goredis.Hook
	// Now is the clock for usage records without a time; nil means
	// time.Now. Claim expiry is the server's.
	Now func() time.Time
}

// Redis is a bots.Store on a Redis server, shared by every replica. Each
// method is one round trip. While the server is unreachable, methods return
// errors wrapping bots.ErrStoreUnavailable; go-redis reconnects by itself
// once it is back. Keys (after the prefix):
//
//	settings:<channel>            hash: language, system_prompt, model, enabled
//	usage:<period>:c:<channel>    hash: requests, prompt_tokens, completion_tokens, cost_usd
//	usage:<period>:u:<user>       same, per user
//	usage:<period>:g              same, whole bot
//	claim:<key>                   string, SET NX PX
//	rate:<key>:<window start ms>  counter, INCR + PEXPIRE
//	journal                       hash: entry id -> JSON entry
type Redis struct {
	client *goredis.Client
	prefix string
	now    func() time.Time
	url    string // redacted

	closeOnce sync.Once
	closeErr  error
}

// OpenRedis connects to opts.URL and pings it. An unreachable server is an
// error naming the URL with its password redacted.
func OpenRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	shown := RedactURL(opts.URL)
	if opts.URL == "" {
		return nil, errors.New("redis store: empty URL")
	}
	o, err := goredis.ParseURL(opts.URL)
	if err != nil {
		// url.Error repeats the raw URL, password included: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redis store: %w %s: %w", errRedisURL, shown, err)
	}
	o.DialTimeout = orDefault(opts.DialTimeout, 2*time.Second)
	o.ReadTimeout = orDefault(opts.ReadTimeout, 2*time.Second)
	o.WriteTimeout = orDefault(opts.WriteTimeout, 2*time.Second)
	o.PoolTimeout = o.ReadTimeout + time.Second
	o.ContextTimeoutEnabled = true
	// No automatic retries: a retried SET NX or INCR whose first attempt
	// reached the server would lose a claim or count twice. Callers see the
	// error and degrade.
	o.MaxRetries = -1
	o.DialerRetries = 2
	o.DisableIdentity = true
	// Our pipelines are small: run them on the main pool rather than a
	// second pool of connections with 128 KiB buffers.
	o.PipelinePoolSize = -1
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if opts.PoolSize > 0 {
		o.PoolSize = opts.PoolSize
	}
	client := goredis.NewClient(o)
	for _, h := range opts.Hooks {
		client.AddHook(h)
	}
	r := &Redis{client: client, prefix: opts.KeyPrefix, now: opts.Now, url: shown}
	if r.now == nil {
		r.now = time.Now
	}
	pctx, cancel := context.WithTimeout(ctx, orDefault(opts.OpenTimeout, 5*time.Second))
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis store: connect to %s: %w", shown, r.wrap(pctx, err))
	}
	return r, nil
}

// errRedisURL is the cause of OpenRedis's errors about its URL.
var errRedisURL = errors.New("invalid URL")

// RedactURL returns u with its password (or its whole user info when there
// is no separate password) replaced by "xxxxx", for errors and logs.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL, not shown)"
	}
	if p.User != nil {
		if _, ok := p.User.Password(); ok {
			p.User = url.UserPassword(p.User.Username(), "xxxxx")
		} else {
			p.User = url.User("xxxxx")
		}
	}
	return p.String()
}

// Ping reports whether the server answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis store: ping %s: %w", r.url, r.wrap(ctx, err))
	}
	return nil
}

// Close closes the connections. It is safe to call twice.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		if err := r.client.Close(); err != nil {
			r.closeErr = fmt.Errorf("redis store: close: %w", err)
		}
	})
	return r.closeErr
}

// wrap marks err as bots.ErrStoreUnavailable unless it is the server's
// answer to a valid connection (a Redis error reply such as WRONGTYPE), the
// caller's cancellation or a use after Close.
func (r *Redis) wrap(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return err
	}
	if errors.Is(err, goredis.ErrClosed) {
		return fmt.Errorf("%w: %w", errClosed, err)
	}
	var reply goredis.Error
	if errors.As(err, &reply) && !transientReply(reply.Error()) {
		return err
	}
	return fmt.Errorf("%w: %w", bots.ErrStoreUnavailable, err)
}

// transientReply reports whether a Redis error reply means the server
// cannot serve now (loading, failing over) rather than a bad command.
func transientReply(msg string) bool {
	for _, p := range []string{"LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "BUSY", "MISCONF"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// key prefixes a key.
func (r *Redis) key(parts ...string) string {
	return r.prefix + strings.Join(parts, ":")
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
