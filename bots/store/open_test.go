package store

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// unresolvable is a host name no resolver knows, refused by Go's resolver
// itself (a label longer than 63 bytes is no domain name), so that the
// test sends no DNS query off the machine (a name like
// no-such-host.invalid is asked of the system's name server).
var unresolvable = strings.Repeat("x", 64) + ".invalid"

// TestOpenFailuresNameTheCause: every way the store can fail to open at
// start gives a nil store (never a nil pointer in a non-nil interface), an
// error naming the path or URL and the cause, and the right class:
// ErrConfig for what the configuration fixes, not for an outage.
func TestOpenFailuresNameTheCause(t *testing.T) {
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked.db")
	holder, err := OpenBolt(context.Background(), BoltOptions{Path: locked, CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	regular := filepath.Join(dir, "regular")
	must(t, os.WriteFile(regular, []byte("x"), 0o600))
	garbage := filepath.Join(dir, "garbage.db")
	must(t, os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 1000)), 0o600))
	down := "redis://:hunter2secret@127.0.0.1:" + strconv.Itoa(freePort(t)) + "/0"
	redisBase := testRedisURL()

	cases := []struct {
		name   string
		opts   Options
		config bool
		want   []string
		absent []string
	}{
		{"bolt locked by another process", Options{Driver: DriverBolt, Path: locked}, false,
			[]string{locked, "locked by another process"}, nil},
		{"bolt directory under a regular file", Options{Driver: DriverBolt, Path: filepath.Join(regular, "data", "m.db")}, true,
			[]string{filepath.Join(regular, "data", "m.db"), "not a directory"}, nil},
		{"bolt path is a directory", Options{Driver: DriverBolt, Path: dir}, true, []string{dir}, nil},
		{"bolt file is not a database", Options{Driver: DriverBolt, Path: garbage}, true,
			[]string{garbage, "not a valid bbolt database"}, nil},
		{"bolt empty path", Options{Driver: DriverBolt}, true, []string{"empty path"}, nil},
		{"unknown driver", Options{Driver: "mongo"}, true, []string{`"mongo"`}, nil},
		{"negative start timeout", Options{Driver: DriverMemory, StartTimeout: -time.Second}, true, []string{"store.start_timeout", "-1s"}, nil},
		{"redis down", Options{Driver: DriverRedis, RedisURL: down}, false,
			[]string{"127.0.0.1:", "connection refused", "xxxxx"}, []string{"hunter2secret"}},
		{"redis not a database number", Options{Driver: DriverRedis, RedisURL: "redis://:hunter2secret@127.0.0.1:6379/notadb"}, true,
			[]string{"invalid URL", "notadb"}, []string{"hunter2secret"}},
		{"redis database out of range", Options{Driver: DriverRedis, RedisURL: strings.TrimRight(redisBase, "/") + "/9999"}, true,
			[]string{"9999", "DB index is out of range"}, nil},
		{"redis host not resolvable", Options{Driver: DriverRedis, RedisURL: "redis://" + unresolvable + ":6379/0"}, true,
			[]string{unresolvable, "not found"}, nil},
		{"redis not a redis URL", Options{Driver: DriverRedis, RedisURL: "http://127.0.0.1:6379/0"}, true,
			[]string{"invalid URL"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			st, err := Open(ctx, c.opts)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			if st != nil {
				t.Fatalf("Open returned a non-nil store %#v with its error", st)
			}
			if got := errors.Is(err, ErrConfig); got != c.config {
				t.Errorf("errors.Is(err, ErrConfig) = %v, want %v: %v", got, c.config, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(err.Error(), a) {
					t.Errorf("error shows %q: %v", a, err)
				}
			}
		})
	}
}

// TestRetryStartBacksOffBoundedly: an outage is retried with doubling
// backoff until the limit, a configuration error never, and a success
// ends the wait.
func TestRetryStartBacksOffBoundedly(t *testing.T) {
	outage := errors.New("connection refused")
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var waits []time.Duration
		calls := 0
		err := retryStart(t.Context(), 10*time.Second, func(context.Context) error {
			calls++
			if calls == 5 {
				return nil
			}
			return outage
		}, func(_ int, w time.Duration, _ error) { waits = append(waits, w) })
		if err != nil || calls != 5 {
			t.Fatalf("err %v after %d calls, want success on the 5th", err, calls)
		}
		want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
		if len(waits) != len(want) {
			t.Fatalf("waits %v, want %v", waits, want)
		}
		for i := range want {
			if waits[i] != want[i] {
				t.Errorf("waits %v, want %v", waits, want)
			}
		}
		if took := time.Since(start); took != 1500*time.Millisecond {
			t.Errorf("took %s, want 1.5s", took)
		}

		start = time.Now()
		calls = 0
		err = retryStart(t.Context(), 10*time.Second, func(context.Context) error { calls++; return outage }, func(int, time.Duration, error) {})
		if !errors.Is(err, outage) || !strings.Contains(err.Error(), "gave up after") {
			t.Errorf("err = %v, want the outage and how long it was tried", err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("tried for %s, limit 10s", took)
		}
		if calls < 5 || calls > 12 {
			t.Errorf("%d attempts in 10 s (backoff 0.1 s doubling to 2 s)", calls)
		}

		calls = 0
		err = retryStart(t.Context(), 10*time.Second, func(context.Context) error {
			calls++
			return configError{errors.New("bad URL")}
		}, func(int, time.Duration, error) {})
		if !errors.Is(err, ErrConfig) || calls != 1 {
			t.Errorf("configuration error: %v after %d calls, want 1", err, calls)
		}

		calls = 0
		err = retryStart(t.Context(), -1, func(context.Context) error { calls++; return outage }, func(int, time.Duration, error) {})
		if err != outage || calls != 1 {
			t.Errorf("no retry asked: %v after %d calls", err, calls)
		}
	})
}
