package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"mistralbot/bots"
	"mistralbot/internal/retry"
	"mistralbot/internal/wait"
)

// Options select and configure a store for Open (store.* in config).
type Options struct {
	// Driver is "memory", "bolt" or "redis".
	Driver string
	// Path is the bbolt file (driver bolt); its directory is created.
	Path string
	// RedisURL is the server (driver redis), "redis://:password@host:6379/0".
	RedisURL string
	// KeyPrefix prefixes every Redis key (store.key_prefix; empty: none).
	KeyPrefix string
	// StartTimeout bounds how long Open waits for a Redis server that is
	// not reachable yet (a container starting next to this one), retrying
	// with backoff (store.start_timeout); 0 means one attempt.
	StartTimeout time.Duration
	// Logger receives the bolt store's background cleanup failures and
	// Open's retries; the stores return every other error to the caller.
	Logger *slog.Logger
}

// ErrConfig is matched (errors.Is) by the errors of Open that a change of
// configuration or deployment fixes: an unknown driver, an invalid Redis
// URL or database, refused Redis credentials, a bbolt path under a regular
// file or not writable, a file that is not a bbolt database. The other
// errors of Open are outages (a Redis server down, a file locked by
// another process): the same configuration may work later.
var ErrConfig = errors.New("store configuration")

// configError marks err as ErrConfig, keeping its message.
type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == ErrConfig }

// Open opens the store opts.Driver names. It never returns a nil store
// with a nil error, nor a non-nil store with an error. Errors name the
// bbolt path or the Redis URL (password redacted) and the cause; those a
// configuration change fixes match ErrConfig. A Redis server that is not
// reachable is retried for opts.StartTimeout.
func Open(ctx context.Context, opts Options) (bots.Store, error) {
	if opts.StartTimeout < 0 {
		return nil, configError{fmt.Errorf("store: start timeout %s is negative (store.start_timeout; 0: one attempt)", opts.StartTimeout)}
	}
	switch opts.Driver {
	case DriverMemory:
		return NewMemory(MemoryOptions{}), nil
	case DriverBolt:
		b, err := OpenBolt(ctx, BoltOptions{Path: opts.Path, Logger: opts.Logger})
		if err != nil {
			return nil, classifyBolt(err)
		}
		return b, nil
	case DriverRedis:
		r, err := openRedisRetrying(ctx, opts)
		if err != nil {
			return nil, err
		}
		return r, nil
	default:
		return nil, configError{fmt.Errorf("store: unknown driver %q (want %q, %q or %q)", opts.Driver, DriverMemory, DriverBolt, DriverRedis)}
	}
}

// classifyBolt marks the errors of OpenBolt that the configuration or the
// deployment fixes: a path that cannot be a file (a regular file where a
// directory must be, a directory where the file must be), no permission,
// a read-only file system, an empty path, a file that is not a database.
// A lock held by another process, a full disk or an I/O error are outages.
func classifyBolt(err error) error {
	switch {
	case errors.Is(err, errBoltLocked), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EIO):
		return err
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.EISDIR), errors.Is(err, fs.ErrPermission),
		errors.Is(err, syscall.EROFS), errors.Is(err, errBoltEmptyPath), errors.Is(err, errBoltNotADatabase),
		errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.ELOOP):
		return configError{err}
	}
	return err
}

// Backoff between attempts to reach Redis at start: doubling from
// startBackoffMin up to startBackoffMax.
const (
	startBackoffMin = 100 * time.Millisecond
	startBackoffMax = 2 * time.Second
)

// openRedisRetrying opens the Redis store, retrying while the server is
// unreachable, for opts.StartTimeout at most.
func openRedisRetrying(ctx context.Context, opts Options) (*Redis, error) {
	limit := opts.StartTimeout
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var r *Redis
	err := retryStart(ctx, limit, func(ctx context.Context) error {
		var err error
		r, err = OpenRedis(ctx, RedisOptions{URL: opts.RedisURL, KeyPrefix: opts.KeyPrefix})
		if err != nil {
			err = classifyRedis(err)
		}
		return err
	}, func(attempt int, wait time.Duration, err error) {
		log.Warn("store not reachable yet, retrying", "attempt", attempt, "retry_in", wait.String(), "err", err)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// retryStart calls try until it succeeds, fails with ErrConfig, ctx ends
// or limit has passed (limit 0: one attempt), sleeping with doubling
// backoff between attempts. It returns try's last error.
func retryStart(ctx context.Context, limit time.Duration, try func(context.Context) error, retrying func(attempt int, wait time.Duration, err error)) error {
	deadline := time.Now().Add(limit)
	backoff := retry.Backoff{Base: startBackoffMin, Max: startBackoffMax}
	for attempt := 1; ; attempt++ {
		err := try(ctx)
		if err == nil || errors.Is(err, ErrConfig) || limit <= 0 {
			return err
		}
		pause := backoff.Delay(attempt-1, 0)
		if !time.Now().Add(pause).Before(deadline) {
			return fmt.Errorf("%w (gave up after %d attempts in %s)", err, attempt, limit)
		}
		retrying(attempt, pause, err)
		if wait.Sleep(ctx, pause) != nil {
			return err
		}
	}
}

// classifyRedis marks the errors of OpenRedis that a configuration change
// fixes: an invalid URL or database number, a database the server does not
// have, refused credentials, a host name that does not exist.
func classifyRedis(err error) error {
	if errors.Is(err, errRedisURL) {
		return configError{err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return configError{fmt.Errorf("%w (host %q not found: check store.redis_url)", err, dns.Name)}
	}
	var reply goredis.Error
	if errors.As(err, &reply) {
		msg := reply.Error()
		// https://redis.io/docs/latest/commands/select/ ("ERR DB index is
		// out of range"), https://redis.io/docs/latest/commands/auth/
		// (WRONGPASS, NOAUTH), NOPERM from ACLs.
		for _, p := range []string{"ERR DB index", "WRONGPASS", "NOAUTH", "NOPERM", "ERR invalid password", "ERR AUTH"} {
			if strings.HasPrefix(msg, p) {
				return configError{err}
			}
		}
	}
	return err
}
