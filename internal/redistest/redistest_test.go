package redistest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// TestMain checks that a released lease leaves no renewal goroutine.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// client opens a connection to database db of the test server.
func client(t *testing.T, db int) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	o.DB = db
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func acquire(t *testing.T, dbs []int) *Lease {
	t.Helper()
	l, err := Acquire(context.Background(), BaseURL(), dbs, time.Minute)
	if err != nil {
		t.Fatalf("acquire %v: %v", dbs, err)
	}
	return l
}

// acquireWaiting takes db, waiting while other test processes hold it.
func acquireWaiting(t *testing.T, db int) *Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitForFree)
	defer cancel()
	for {
		l, err := Acquire(ctx, BaseURL(), []int{db}, time.Minute)
		if err == nil {
			return l
		}
		if !errors.Is(err, ErrBusy) || ctx.Err() != nil {
			t.Fatalf("acquire database %d: %v", db, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two holders never share a database, and a held one is not handed out.
func TestLeasesAreExclusive(t *testing.T) {
	a := acquire(t, Databases)
	defer a.Release()
	b := acquire(t, Databases)
	defer b.Release()
	if a.DB == b.DB {
		t.Fatalf("two leases on database %d", a.DB)
	}
	if a.DB < 1 || a.DB > 15 || b.DB < 1 || b.DB > 15 {
		t.Fatalf("leased databases %d and %d, want 1..15 (0 is shared by the store tests)", a.DB, b.DB)
	}
	if l, err := Acquire(context.Background(), BaseURL(), []int{a.DB}, time.Minute); !errors.Is(err, ErrBusy) {
		if l != nil {
			_ = l.Release()
		}
		t.Fatalf("a held database was leased again: %v", err)
	}
	if !strings.HasSuffix(a.URL, "/"+strconv.Itoa(a.DB)) {
		t.Fatalf("URL %q does not select database %d", a.URL, a.DB)
	}
}

// A holder that died leaves its data and an expiring lease: the next
// holder gets the database empty, and the dead holder's late release
// empties nothing of the new holder's.
func TestLeaseAfterADeadHolderStartsEmpty(t *testing.T) {
	dead := acquire(t, Databases)
	c := client(t, dead.DB)
	ctx := context.Background()
	if err := c.Set(ctx, "left-by-the-dead-holder", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// It dies: no more renewals, and the lease runs out.
	if err := c.PExpire(ctx, LeaseKey, time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}

	next := acquireWaiting(t, dead.DB)
	defer next.Release()
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 1 {
		keys, _ := c.Keys(ctx, "*").Result()
		t.Fatalf("the new holder's database holds %v (%v), want only the lease", keys, err)
	}
	if err := c.Set(ctx, "the-new-holders", "y", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := dead.Release(); err == nil {
		t.Fatal("releasing a lost lease reported no error")
	}
	if n, err := c.Exists(ctx, "the-new-holders", LeaseKey).Result(); err != nil || n != 2 {
		t.Fatalf("the dead holder's release emptied the new holder's database: %d of 2 keys left (%v)", n, err)
	}
}

// Renewal extends only the holder's own lease.
func TestRenewExtendsOnlyItsOwnLease(t *testing.T) {
	l := acquire(t, Databases)
	c := client(t, l.DB)
	ctx := context.Background()
	if err := c.PExpire(ctx, LeaseKey, 2*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if held, err := l.Renew(ctx); err != nil || !held {
		t.Fatalf("renew of a held lease: held %v, %v", held, err)
	}
	if ttl, err := c.PTTL(ctx, LeaseKey).Result(); err != nil || ttl <= 2*time.Second {
		t.Fatalf("after renewal the lease has %v left (%v), want about its TTL of a minute", ttl, err)
	}

	// It expired and another process took the database.
	if err := c.Set(ctx, LeaseKey, "another-process", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	defer c.Del(ctx, LeaseKey)
	if held, err := l.Renew(ctx); err != nil || held {
		t.Fatalf("renew of a lease another process holds: held %v, %v", held, err)
	}
	if err := l.Release(); err == nil {
		t.Fatal("releasing a lease another process holds reported no error")
	}
	if v, err := c.Get(ctx, LeaseKey).Result(); err != nil || v != "another-process" {
		t.Fatalf("the other process's lease is %q (%v) after the release", v, err)
	}
}

// URL gives the test a database it holds until its cleanup, and the
// cleanup empties it and lets it go.
func TestURLHoldsTheDatabaseForTheTest(t *testing.T) {
	var db int
	var token string
	t.Run("user", func(t *testing.T) {
		u := URL(t)
		o, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		db = o.DB
		c := client(t, db)
		if token, err = c.Get(context.Background(), LeaseKey).Result(); err != nil {
			t.Fatalf("database %d of %s carries no lease: %v", db, u, err)
		}
		if err := c.Set(context.Background(), "the-tests-data", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	c := client(t, db)
	v, err := c.Get(context.Background(), LeaseKey).Result()
	if err == nil && v == token {
		t.Fatalf("database %d is still leased to the finished test", db)
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	if err != nil { // nobody took it since: it must be empty
		if n, err := c.Exists(context.Background(), "the-tests-data").Result(); err != nil || n != 0 {
			t.Fatalf("the finished test's data is still in database %d (%v)", db, err)
		}
	}
}
