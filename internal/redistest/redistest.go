// Package redistest gives tests a Redis database of their own on the test
// server (MISTRALBOT_TEST_REDIS_URL, default redis://127.0.0.1:6379).
//
// Tests that run the real binary cannot give it a private key prefix
// without changing the environment they test, and they empty their
// database before they start. With fixed database numbers two `go test`
// processes of one package (two developers, or CI beside a developer)
// emptied each other's data mid-test. Here a test leases a free database
// among 1..15 with a lock key taken by SET NX with an expiry, renews it
// while it runs, and empties and releases it at cleanup; a process that
// dies without cleanup frees its database when the lease expires.
// Database 0 is never leased: the store tests share it under random key
// prefixes, and a developer's own bot uses it by default.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// LeaseKey holds the lease in a leased database. It is outside the bot's
// key prefix ("mistralbot:" by default), so nothing the bot scans sees it.
const LeaseKey = "mistralbot-test:lease"

// Databases are the numbers a lease may take (Redis has 16 by default).
var Databases = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

const (
	// leaseTTL is how long a lease outlives its holder's last renewal:
	// long enough that a loaded machine renews in time, short enough that
	// a killed test process frees its database soon.
	leaseTTL = 60 * time.Second
	// renewEvery renews well inside the TTL.
	renewEvery = 10 * time.Second
	// waitForFree bounds the wait when every database is leased.
	waitForFree = 3 * time.Minute
)

// ErrBusy says that every database tried is leased by someone else.
var ErrBusy = errors.New("every test database is leased")

// BaseURL is the test server's URL as configured, without a database.
func BaseURL() string {
	if u := os.Getenv("MISTRALBOT_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// URL leases an empty database for t and returns the test server's URL
// with that database selected. The database is emptied and released when
// t's cleanup runs (register the processes that use it after this call, so
// that they stop first). A server that does not answer fails t.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitForFree)
	defer cancel()
	l, err := Acquire(ctx, BaseURL(), Databases, leaseTTL)
	for errors.Is(err, ErrBusy) && ctx.Err() == nil {
		// Every database is in use by other test processes: wait for one.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
		l, err = Acquire(ctx, BaseURL(), Databases, leaseTTL)
	}
	if err != nil {
		t.Fatalf("this test needs a Redis database of its own on the test server "+
			"(MISTRALBOT_TEST_REDIS_URL, default redis://127.0.0.1:6379; scripts/ensure-redis.sh starts one): %v", err)
	}
	l.renewEvery(renewEvery)
	t.Cleanup(func() {
		if err := l.Release(); err != nil {
			t.Errorf("redistest: %v", err)
		}
	})
	return l.URL
}

// Lease is one held database.
type Lease struct {
	// DB is the leased database and URL the server's URL selecting it.
	DB  int
	URL string

	client *redis.Client
	token  string
	ttl    time.Duration

	stop    chan struct{}
	stopped sync.WaitGroup
	mu      sync.Mutex
	lost    error // set when a renewal found the lease gone or taken
}

// takeScript takes the lease if nobody holds it and empties the database
// in the same atomic step, so that no other process can hold it between
// the two and nothing of an earlier holder survives.
var takeScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('FLUSHDB')
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`)

// renewScript extends the lease only while this holder still has it.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

// releaseScript empties the database and drops the lease, only while this
// holder still has it: a holder whose lease expired must not empty a
// database that another process now uses.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('FLUSHDB')
  return 1
end
return 0`)

// Acquire leases the first free database of dbs on the server at base for
// ttl, emptied. It returns ErrBusy when each of dbs is leased. It starts
// no renewal; URL does.
func Acquire(ctx context.Context, base string, dbs []int, ttl time.Duration) (*Lease, error) {
	// The URL is not shown in errors: it may hold a password.
	opts, err := redis.ParseURL(base)
	if err != nil {
		return nil, fmt.Errorf("MISTRALBOT_TEST_REDIS_URL: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("MISTRALBOT_TEST_REDIS_URL: %w", err)
	}
	token := newToken()
	for _, db := range dbs {
		o := *opts
		o.DB = db
		c := redis.NewClient(&o)
		took, err := takeScript.Run(ctx, c, []string{LeaseKey}, token, ttl.Milliseconds()).Int()
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("lease database %d on %s: %w", db, opts.Addr, err)
		}
		if took == 1 {
			u.Path = "/" + strconv.Itoa(db)
			return &Lease{DB: db, URL: u.String(), client: c, token: token, ttl: ttl}, nil
		}
		_ = c.Close()
	}
	return nil, fmt.Errorf("%w (databases %v)", ErrBusy, dbs)
}

// Renew extends the lease by its TTL. It returns false when the lease is
// no longer this holder's (it expired, and maybe another process took it).
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := renewScript.Run(ctx, l.client, []string{LeaseKey}, l.token, l.ttl.Milliseconds()).Int()
	return n == 1, err
}

// renewEvery renews the lease in the background until Release.
func (l *Lease) renewEvery(d time.Duration) {
	l.stop = make(chan struct{})
	l.stopped.Add(1)
	go func() {
		defer l.stopped.Done()
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), d)
			held, err := l.Renew(ctx)
			cancel()
			// A failed call is retried at the next tick: the TTL leaves
			// room for several.
			if err == nil && !held {
				l.mu.Lock()
				l.lost = fmt.Errorf("the lease on database %d expired while the test ran: another process may have used it", l.DB)
				l.mu.Unlock()
				return
			}
		}
	}()
}

// Release stops the renewal, empties the database and frees it, if the
// lease is still this holder's. It reports a lease lost while held.
func (l *Lease) Release() error {
	if l.stop != nil {
		close(l.stop)
		l.stopped.Wait()
	}
	defer l.client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := releaseScript.Run(ctx, l.client, []string{LeaseKey}, l.token).Int()
	l.mu.Lock()
	lost := l.lost
	l.mu.Unlock()
	switch {
	case lost != nil:
		return lost
	case err != nil:
		return fmt.Errorf("release database %d: %w", l.DB, err)
	case n != 1:
		return fmt.Errorf("the lease on database %d was gone at release: another process may have used it", l.DB)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}
