package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"mistralbot/bots"
	"mistralbot/internal/redistest"
)

// testRedisURL is the server the Redis tests use, database 0: the store
// tests keep apart by key prefix (what the store offers), never empty the
// database, and so need no lease from redistest (which never leases 0).
func testRedisURL() string { return redistest.BaseURL() }

// testPrefix is a fresh key prefix, so tests never see each other's keys.
func testPrefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "mistralbot-test:" + hex.EncodeToString(b) + ":"
}

// openTestRedis opens a store on the test server under opts.KeyPrefix (a
// fresh one when empty) and deletes its keys at cleanup. A server that does
// not answer fails the test: CI installs one, and so should you.
func openTestRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	if opts.URL == "" {
		opts.URL = testRedisURL()
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = testPrefix()
	}
	r, err := OpenRedis(context.Background(), opts)
	if err != nil {
		t.Fatalf("Redis tests need a server at %s (set MISTRALBOT_TEST_REDIS_URL to use another): %v\n"+
			"start one with: apt-get install -y redis-server && redis-server --save '' --appendonly no --daemonize yes", RedactURL(opts.URL), err)
	}
	t.Cleanup(func() {
		deleteRedisKeys(t, opts.URL, opts.KeyPrefix)
		_ = r.Close()
	})
	return r
}

// deleteRedisKeys removes every key under prefix, on a connection of its own.
func deleteRedisKeys(t testing.TB, url, prefix string) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("clean up keys %s*: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("clean up keys %s*: %v", prefix, err)
		}
	}
}

func TestRedisContract(t *testing.T) {
	runContract(t, func(t *testing.T) bots.Store { return openTestRedis(t, RedisOptions{}) })
}

func TestRedisTwoStoresOneWinner(t *testing.T) {
	prefix := testPrefix()
	a := openTestRedis(t, RedisOptions{KeyPrefix: prefix})
	b := openTestRedis(t, RedisOptions{KeyPrefix: prefix})
	ctx := context.Background()
	for round := range 5 {
		id := "slack:Ev" + strconv.Itoa(round)
		var winsA, winsB atomic.Int64
		var wg sync.WaitGroup
		for i := range 100 {
			s, wins := a, &winsA
			if i%2 == 1 {
				s, wins = b, &winsB
			}
			wg.Go(func() {
				ok, err := s.Claim(ctx, id, time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := winsA.Load() + winsB.Load(); n != 1 {
			t.Fatalf("round %d: %d winners across two stores (%d on A, %d on B); want exactly 1", round, n, winsA.Load(), winsB.Load())
		}
	}

	// A setting written through one store is read by the other at once.
	must(t, a.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("es")}))
	wantSettings(t, b, "slack:C1", "es", "", "", nil)
	must(t, b.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("")}))
	wantSettings(t, a, "slack:C1", "", "", "", nil)

	// Usage recorded through both adds up.
	at := time.Now()
	must(t, a.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", PromptTokens: 3, Time: at}))
	must(t, b.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", PromptTokens: 4, Time: at}))
	u, err := a.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(at))
	if err != nil || u.Requests != 2 || u.PromptTokens != 7 {
		t.Fatalf("usage across two stores = %+v, %v; want 2 requests, 7 tokens", u, err)
	}
}

// roundTrips counts what reaches the network: hook calls and writes on the
// connections.
type roundTrips struct {
	process, pipelines, dials, writes atomic.Int64
}

func (c *roundTrips) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c.dials.Add(1)
		conn, err := next(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: conn, writes: &c.writes}, nil
	}
}

func (c *roundTrips) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.process.Add(1)
		return next(ctx, cmd)
	}
}

func (c *roundTrips) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.pipelines.Add(1)
		return next(ctx, cmds)
	}
}

func (c *roundTrips) reset() {
	c.process.Store(0)
	c.pipelines.Store(0)
	c.dials.Store(0)
	c.writes.Store(0)
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func TestRedisRoundTrips(t *testing.T) {
	rt := &roundTrips{}
	r := openTestRedis(t, RedisOptions{Hooks: []goredis.Hook{rt}})
	ctx := context.Background()
	must(t, r.Ping(ctx)) // the pooled connection exists now
	cases := []struct {
		name string
		call func() error
		// process or pipeline: which hook one round trip goes through.
		pipeline bool
	}{
		{"AddUsage", func() error {
			return r.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", User: "slack:U1", PromptTokens: 1, CompletionTokens: 2, CostUSD: 0.1})
		}, true},
		{"Take", func() error { _, _, err := r.Take(ctx, "u", 10, time.Minute, time.Now()); return err }, true},
		{"Claim", func() error { _, err := r.Claim(ctx, "ev", time.Minute); return err }, false},
		{"Settings", func() error { _, err := r.Settings(ctx, "slack:C1"); return err }, false},
		{"UpdateSettings", func() error {
			return r.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("fr"), Model: ptr("")})
		}, true},
	}
	for _, c := range cases {
		rt.reset()
		must(t, c.call())
		wantP, wantPl := int64(1), int64(0)
		if c.pipeline {
			wantP, wantPl = 0, 1
		}
		if rt.process.Load() != wantP || rt.pipelines.Load() != wantPl || rt.dials.Load() != 0 || rt.writes.Load() != 1 {
			t.Errorf("%s: %d commands, %d pipelines, %d dials, %d socket writes; want exactly one round trip (%d, %d, 0, 1)",
				c.name, rt.process.Load(), rt.pipelines.Load(), rt.dials.Load(), rt.writes.Load(), wantP, wantPl)
		}
	}
	u, err := r.Usage(ctx, bots.ScopeUser, "slack:U1", bots.Month(time.Now()))
	if err != nil || u.Requests != 1 || u.CompletionTokens != 2 {
		t.Fatalf("usage after the counted AddUsage = %+v, %v", u, err)
	}
}

func TestRedisUsageExpiry(t *testing.T) {
	r := openTestRedis(t, RedisOptions{})
	ctx := context.Background()
	at := time.Now()
	must(t, r.AddUsage(ctx, bots.UsageRecord{Channel: "c", User: "u", PromptTokens: 1, Time: at}))
	for _, tc := range []struct {
		t        usageTarget
		min, max time.Duration
	}{
		{usageTarget{bots.ScopeChannel, "c", bots.Day(at)}, 39 * 24 * time.Hour, 41 * 24 * time.Hour},
		{usageTarget{bots.ScopeUser, "u", bots.Month(at)}, 399 * 24 * time.Hour, 401 * 24 * time.Hour},
		{usageTarget{bots.ScopeGlobal, "", bots.Day(at)}, 39 * 24 * time.Hour, 41 * 24 * time.Hour},
	} {
		ttl, err := r.client.TTL(ctx, r.usageKey(tc.t)).Result()
		must(t, err)
		if ttl < tc.min || ttl > tc.max {
			t.Errorf("TTL of %s = %s; want between %s and %s", r.usageKey(tc.t), ttl, tc.min, tc.max)
		}
	}
}

func TestRedisOpenErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := l.Addr().String()
	must(t, l.Close())
	ctx := context.Background()

	url := "redis://:s3cret-pw@" + closed + "/0"
	_, err = OpenRedis(ctx, RedisOptions{URL: url, OpenTimeout: 3 * time.Second})
	if err == nil {
		t.Fatal("OpenRedis on a closed port succeeded")
	}
	if !strings.Contains(err.Error(), closed) || strings.Contains(err.Error(), "s3cret") || !errors.Is(err, bots.ErrStoreUnavailable) {
		t.Errorf("error %q: want the address %s, no password, wrapping ErrStoreUnavailable", err, closed)
	}
	if !strings.Contains(err.Error(), "redis://:xxxxx@"+closed) {
		t.Errorf("error %q does not show the redacted URL", err)
	}

	for _, bad := range []string{"redis://:s3cret-pw@host:notaport/0", "http://:s3cret-pw@localhost/", "redis://:s3cret-pw@localhost/0?bogus=1", ""} {
		_, err := OpenRedis(ctx, RedisOptions{URL: bad})
		if err == nil {
			t.Errorf("OpenRedis(%q) succeeded", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %q shows the password", err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379":           "redis://127.0.0.1:6379",
		"redis://:pw@h:6379/2":             "redis://:xxxxx@h:6379/2",
		"rediss://user:pw@h:6380":          "rediss://user:xxxxx@h:6380",
		"redis://tokenonly@h:6379":         "redis://xxxxx@h:6379",
		"redis://:p%40ss@h:1/0?protocol=3": "redis://:xxxxx@h:1/0?protocol=3",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q; want %q", in, got, want)
		}
	}
	if got := RedactURL("redis://:pw@h:6379/%zz"); strings.Contains(got, "pw") {
		t.Errorf("RedactURL of an unparsable URL = %q; shows the password", got)
	}
}
