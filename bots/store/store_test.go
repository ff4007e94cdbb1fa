package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestOpenSelectsDriver(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d", "x.db")
	prefix := testPrefix()
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Driver: DriverMemory}, "*store.Memory"},
		{Options{Driver: DriverBolt, Path: path}, "*store.Bolt"},
		{Options{Driver: DriverRedis, RedisURL: testRedisURL(), KeyPrefix: prefix}, "*store.Redis"},
	}
	for _, c := range cases {
		s, err := Open(ctx, c.opts)
		if err != nil {
			t.Fatalf("Open(%s): %v", c.opts.Driver, err)
		}
		var got string
		switch s.(type) {
		case *Memory:
			got = "*store.Memory"
		case *Bolt:
			got = "*store.Bolt"
		case *Redis:
			got = "*store.Redis"
		}
		if got != c.want {
			t.Errorf("Open(%s) = %T; want %s", c.opts.Driver, s, c.want)
		}
		must(t, s.Ping(ctx))
		must(t, s.Close())
	}
	deleteRedisKeys(t, testRedisURL(), prefix)
	if b, err := Open(ctx, Options{Driver: DriverBolt, Path: path}); err != nil {
		t.Fatalf("reopen bolt: %v", err)
	} else {
		must(t, b.Close())
	}
	for _, d := range []string{"", "sqlite", "Redis"} {
		_, err := Open(ctx, Options{Driver: d})
		if err == nil || !strings.Contains(err.Error(), "unknown driver") {
			t.Errorf("Open(driver %q) = %v; want an unknown driver error", d, err)
		}
	}
}
