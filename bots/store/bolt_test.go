package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"mistralbot/bots"
)

func openTestBolt(t testing.TB, opts BoltOptions) *Bolt {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "data", "mistralbot.db")
	}
	b, err := OpenBolt(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestBoltContract(t *testing.T) {
	runContract(t, func(t *testing.T) bots.Store { return openTestBolt(t, BoltOptions{}) })
}

func TestBoltClocked(t *testing.T) {
	runClocked(t, func(t *testing.T, now func() time.Time) clockedStore {
		b := openTestBolt(t, BoltOptions{Now: now, CleanupInterval: -1})
		return clockedStore{Store: b, sweep: func() { must(t, b.sweep()) }}
	})
}

func TestBoltCreatesDirectoryAndKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "mistralbot.db")
	b, err := OpenBolt(ctx, BoltOptions{Path: path})
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("database file not created: %v", err)
	}
	must(t, b.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("it")}))
	must(t, b.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", PromptTokens: 9, Time: time.Now()}))
	must(t, b.Journal(ctx, bots.JournalEntry{ID: "r1", State: "streaming", Started: time.Now()}))
	must(t, b.Close())

	b, err = OpenBolt(ctx, BoltOptions{Path: path})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer b.Close()
	wantSettings(t, b, "slack:C1", "it", "", "", nil)
	u, err := b.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(time.Now()))
	if err != nil || u.PromptTokens != 9 {
		t.Fatalf("usage after reopen = %+v, %v; want 9 prompt tokens", u, err)
	}
	es, err := b.Journaled(ctx)
	if err != nil || len(es) != 1 || es[0].ID != "r1" {
		t.Fatalf("journal after reopen = %+v, %v; want r1", es, err)
	}
}

func TestBoltCorruptFile(t *testing.T) {
	for _, size := range []int{100, 4096, 64 << 10} {
		dir := t.TempDir()
		path := filepath.Join(dir, "mistralbot.db")
		garbage := make([]byte, size)
		_, _ = rand.Read(garbage)
		if err := os.WriteFile(path, garbage, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenBolt(context.Background(), BoltOptions{Path: path})
		if err == nil {
			t.Fatalf("OpenBolt on %d bytes of garbage succeeded; want an error", size)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a valid bbolt database") {
			t.Errorf("error %q does not name the path %s and say what is wrong", err, path)
		}
		// The bad file is left as it was: nothing is lost or overwritten.
		if got, _ := os.ReadFile(path); !bytes.Equal(got, garbage) {
			t.Errorf("OpenBolt modified the corrupt file (%d bytes)", size)
		}
	}
}

func TestBoltUnreadablePath(t *testing.T) {
	dir := t.TempDir()
	asDir := filepath.Join(dir, "isdir.db")
	must(t, os.Mkdir(asDir, 0o750))
	file := filepath.Join(dir, "plainfile")
	must(t, os.WriteFile(file, []byte("x"), 0o600))
	underFile := filepath.Join(file, "sub", "mistralbot.db")
	for _, path := range []string{asDir, underFile} {
		_, err := OpenBolt(context.Background(), BoltOptions{Path: path})
		if err == nil {
			t.Fatalf("OpenBolt(%s) succeeded; want an error", path)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the path %s", err, path)
		}
	}
	if _, err := OpenBolt(context.Background(), BoltOptions{}); err == nil {
		t.Error("OpenBolt with an empty path succeeded; want an error")
	}
}

func TestBoltLockedByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mistralbot.db")
	first := openTestBolt(t, BoltOptions{Path: path})
	// flock(2) locks belong to the open file, so a second open in this
	// process conflicts exactly as another process would.
	began := time.Now()
	_, err := OpenBolt(context.Background(), BoltOptions{Path: path, Timeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("second OpenBolt on a locked file succeeded; want an error")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") || !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("error %q does not name the path and the lock", err)
	}
	if waited := time.Since(began); waited > 30*time.Second {
		t.Errorf("OpenBolt waited %s for the lock; want about the 100ms timeout", waited)
	}
	must(t, first.Close())
	second := openTestBolt(t, BoltOptions{Path: path, Timeout: 100 * time.Millisecond})
	must(t, second.Ping(context.Background()))
}

func TestBoltBackgroundCleanup(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	b := openTestBolt(t, BoltOptions{Now: clock.Now, CleanupInterval: 5 * time.Millisecond})
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if _, err := b.Claim(ctx, k, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := b.Take(ctx, "rate", 5, time.Minute, clock.Now()); err != nil {
		t.Fatal(err)
	}
	count := func(bucket string) int {
		n := 0
		_ = b.db.View(func(tx *bolt.Tx) error { n = tx.Bucket([]byte(bucket)).Stats().KeyN; return nil })
		return n
	}
	if count(bucketClaims) != 3 || count(bucketRates) != 1 {
		t.Fatalf("before expiry: %d claims, %d rate windows; want 3, 1", count(bucketClaims), count(bucketRates))
	}
	clock.Add(2 * time.Minute)
	eventually(t, 5*time.Second, "the background cleanup", func() bool {
		return count(bucketClaims) == 0 && count(bucketRates) == 0
	})
	// Close stops the cleanup goroutine (goleak in TestMain checks it is gone).
	must(t, b.Close())
	if err := b.Ping(ctx); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
}

func TestBoltCanceledContext(t *testing.T) {
	b := openTestBolt(t, BoltOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.AddUsage(ctx, bots.UsageRecord{Channel: "c"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("AddUsage with a canceled context = %v; want context.Canceled", err)
	}
	if _, err := OpenBolt(ctx, BoltOptions{Path: filepath.Join(t.TempDir(), "x.db")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenBolt with a canceled context = %v; want context.Canceled", err)
	}
}
