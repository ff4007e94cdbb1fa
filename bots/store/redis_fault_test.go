package store

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots"
)

// redisServer is a private redis-server the test owns, without persistence.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	cmd  *exec.Cmd
}

// startRedisServer starts redis-server on a free port and waits until it
// accepts connections.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = "/usr/bin/redis-server"
		if _, statErr := exec.LookPath(bin); statErr != nil {
			t.Fatalf("the Redis fault tests run a private redis-server, which is not installed (%v): apt-get install -y redis-server", err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	must(t, l.Close())
	s := &redisServer{t: t, bin: bin, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.t.TempDir(), "--daemonize", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	eventually(s.t, 10*time.Second, "redis-server to accept connections on "+s.addr(), func() bool {
		c, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
}

// stop kills the server and waits for it.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// signal sends sig to the running server.
func (s *redisServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// wantUnavailable checks that every kind of call fails fast with an error
// wrapping bots.ErrStoreUnavailable, and that Ping fails.
func wantUnavailable(t *testing.T, r *Redis, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func() error{
		"Ping":     func() error { return r.Ping(ctx) },
		"Settings": func() error { _, err := r.Settings(ctx, "c"); return err },
		"UpdateSettings": func() error {
			return r.UpdateSettings(ctx, "c", bots.ChannelSettings{Language: ptr("fr")})
		},
		"AddUsage":  func() error { return r.AddUsage(ctx, bots.UsageRecord{Channel: "c", PromptTokens: 1}) },
		"Usage":     func() error { _, err := r.Usage(ctx, bots.ScopeGlobal, "", bots.Day(time.Now())); return err },
		"Claim":     func() error { _, err := r.Claim(ctx, "ev", time.Minute); return err },
		"Take":      func() error { _, _, err := r.Take(ctx, "k", 1, time.Minute, time.Now()); return err },
		"Journal":   func() error { return r.Journal(ctx, bots.JournalEntry{ID: "j"}) },
		"Unjournal": func() error { return r.Unjournal(ctx, "j") },
		"Journaled": func() error { _, err := r.Journaled(ctx); return err },
	}
	for name, call := range calls {
		began := time.Now()
		err := call()
		if !errors.Is(err, bots.ErrStoreUnavailable) {
			t.Errorf("%s with Redis gone = %v; want an error wrapping ErrStoreUnavailable", name, err)
		}
		if took := time.Since(began); took > within {
			t.Errorf("%s with Redis gone took %s; want under %s (nothing may hang)", name, took, within)
		}
	}
}

// wantRecovered polls until the store works again, then checks a write and
// a read.
func wantRecovered(t *testing.T, r *Redis) {
	t.Helper()
	ctx := context.Background()
	began := time.Now()
	eventually(t, 10*time.Second, "the store to recover", func() bool { return r.Ping(ctx) == nil })
	t.Logf("store answered again %s after the server did", time.Since(began).Round(time.Millisecond))
	must(t, r.AddUsage(ctx, bots.UsageRecord{Channel: "after", PromptTokens: 4}))
	u, err := r.Usage(ctx, bots.ScopeChannel, "after", bots.Day(time.Now()))
	if err != nil || u.PromptTokens < 4 {
		t.Fatalf("usage after recovery = %+v, %v", u, err)
	}
	ok, err := r.Claim(ctx, "after-"+strconv.FormatInt(time.Now().UnixNano(), 10), time.Minute)
	if err != nil || !ok {
		t.Fatalf("Claim after recovery = %v, %v", ok, err)
	}
}

func TestRedisRestartWhileRunning(t *testing.T) {
	srv := startRedisServer(t)
	r, err := OpenRedis(context.Background(), RedisOptions{URL: "redis://" + srv.addr(), KeyPrefix: "fault:"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	must(t, r.AddUsage(ctx, bots.UsageRecord{Channel: "before", PromptTokens: 1}))
	if ok, err := r.Claim(ctx, "ev-before", time.Minute); err != nil || !ok {
		t.Fatalf("Claim before the crash = %v, %v", ok, err)
	}

	srv.stop()
	wantUnavailable(t, r, 10*time.Second)
	// Still down on a second round: nothing got stuck in a bad state.
	wantUnavailable(t, r, 10*time.Second)

	srv.start()
	wantRecovered(t, r)
}

func TestRedisFrozenServer(t *testing.T) {
	srv := startRedisServer(t)
	r, err := OpenRedis(context.Background(), RedisOptions{
		URL: "redis://" + srv.addr(), KeyPrefix: "frozen:",
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	must(t, r.Ping(context.Background()))

	// SIGSTOP: the kernel still accepts connections but nothing answers;
	// the read timeout must end every call.
	srv.signal(syscall.SIGSTOP)
	wantUnavailable(t, r, 5*time.Second)
	srv.signal(syscall.SIGCONT)
	wantRecovered(t, r)
}
