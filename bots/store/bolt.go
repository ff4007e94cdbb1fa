package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"mistralbot/bots"
)

var _ bots.Store = (*Bolt)(nil)

// Bucket names. Usage holds one nested bucket per period ("2026-11-25",
// "2026-11") whose keys are usageTarget names; all values are JSON.
const (
	bucketSettings = "settings"
	bucketUsage    = "usage"
	bucketClaims   = "claims"
	bucketRates    = "rates"
	bucketJournal  = "journal"
)

// BoltOptions configure a Bolt store.
type BoltOptions struct {
	// Path is the database file; it and its directory are created on first
	// run.
	Path string
	// Timeout bounds the wait for the file lock another process holds;
	// 0 means 1 s.
	Timeout time.Duration
	// CleanupInterval is how often expired claims, idle rate windows and
	// usage counters past retention are deleted; 0 means 1 min, negative
	// disables the background cleanup (expired claims are still replaced
	// lazily).
	CleanupInterval time.Duration
	// Now is the clock for claim expiry, cleanup and usage records without a
	// time; nil means time.Now.
	Now func() time.Time
	// Logger receives cleanup failures; nil discards them.
	Logger *slog.Logger
}

// Bolt is a bots.Store in one bbolt file. Only one process may open the file
// at a time; use Redis to run several replicas.
type Bolt struct {
	db   *bolt.DB
	path string
	now  func() time.Time
	log  *slog.Logger

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error

	writing atomic.Int64 // write transactions in flight
	batched atomic.Int64 // writes that joined a batch, for tests
}

// OpenBolt opens or creates the bbolt file at opts.Path and starts its
// cleanup. A file locked by another process, a corrupt file or one that
// cannot be read is an error naming the path.
func OpenBolt(ctx context.Context, opts BoltOptions) (*Bolt, error) {
	if opts.Path == "" {
		return nil, errBoltEmptyPath
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt store: open %s: %w", opts.Path, err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.CleanupInterval == 0 {
		opts.CleanupInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o750); err != nil {
		return nil, fmt.Errorf("bolt store: create the directory of %s: %w", opts.Path, err)
	}
	db, err := openBoltFile(opts.Path, opts.Timeout)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketSettings, bucketUsage, bucketClaims, bucketRates, bucketJournal} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt store: initialize %s: %w", opts.Path, err)
	}
	// Batches form only under contention (see update): a short delay
	// gathers the writes that arrive while one commits.
	db.MaxBatchDelay = time.Millisecond
	b := &Bolt{db: db, path: opts.Path, now: opts.Now, log: opts.Logger, stop: make(chan struct{})}
	if opts.CleanupInterval > 0 {
		b.wg.Add(1)
		go b.cleanupLoop(opts.CleanupInterval)
	}
	return b, nil
}

// openBoltFile opens path, turning bbolt's errors (and any panic on a
// damaged file) into errors that name the path and say what to do.
func openBoltFile(path string, timeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("bolt store: open %s: %w: damaged database (move the file away to start afresh): %v", path, errBoltNotADatabase, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("bolt store: open %s: %w for %s (is another mistralbot running on it? several replicas need the redis store): %w", path, errBoltLocked, timeout, err)
	case isOSError(err):
		return nil, fmt.Errorf("bolt store: open %s: %w", path, err)
	default:
		// ErrInvalid, ErrChecksum, ErrVersionMismatch, "file size too
		// small": the content is not a database we can use.
		return nil, fmt.Errorf("bolt store: open %s: %w, corrupt or another kind of file (move it away to start afresh): %w", path, errBoltNotADatabase, err)
	}
}

// Causes of OpenBolt's errors, for Open to tell configuration from outage.
var (
	errBoltEmptyPath    = errors.New("bolt store: empty path")
	errBoltLocked       = errors.New("file locked by another process")
	errBoltNotADatabase = errors.New("not a valid bbolt database")
)

// isOSError reports whether err comes from the file system (permissions, a
// directory in the way) rather than from the file's content.
func isOSError(err error) bool {
	var pathErr *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pathErr) || errors.As(err, &errno)
}

// Path returns the database file.
func (b *Bolt) Path() string { return b.path }

// Ping fails once the store is closed.
func (b *Bolt) Ping(ctx context.Context) error {
	if err := b.view(ctx, func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("bolt store: ping: %w", err)
	}
	return nil
}

// Close stops the cleanup and closes the file. It is safe to call twice.
func (b *Bolt) Close() error {
	b.closeOnce.Do(func() {
		close(b.stop)
		b.wg.Wait()
		if err := b.db.Close(); err != nil {
			b.closeErr = fmt.Errorf("bolt store: close %s: %w", b.path, err)
		}
	})
	return b.closeErr
}

// view runs fn in a read transaction unless ctx is done.
func (b *Bolt) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := b.db.View(fn)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// update runs fn in a write transaction unless ctx is done. Alone, it
// commits at once; while other writes are in flight (a busy bot: claims,
// journal entries and usage of many replies), it joins them in one
// transaction, one fsync for all (bbolt's Batch), instead of queueing for
// the single writer one fsync at a time. fn may then run more than once
// (a failing neighbour is retried alone): it must only depend on the
// transaction, not on what an earlier run left in its closure.
func (b *Bolt) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if b.writing.Add(1) == 1 {
		err = b.db.Update(fn)
	} else {
		b.batched.Add(1)
		err = b.db.Batch(fn)
	}
	b.writing.Add(-1)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// batch runs fn in a write transaction shared with every write that
// arrives within MaxBatchDelay (group commit: one fsync for all), even
// when it is alone, where update would commit at once. For the journal and
// usage writes, which come in bursts of several per reply (queued, open,
// unjournal, usage) and whose callers can spare a millisecond; the claim
// stays on update, which commits a lone write without waiting. Durability
// is unchanged: bbolt's DB.Batch returns only once the shared transaction
// is committed and fsynced (db.go, Batch waits on the call's error, sent
// after db.Update). fn may run more than once: see update.
func (b *Bolt) batch(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.writing.Add(1)
	b.batched.Add(1)
	err := b.db.Batch(fn)
	b.writing.Add(-1)
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return errClosed
	}
	return err
}

// cleanupLoop sweeps every interval until Close.
func (b *Bolt) cleanupLoop(interval time.Duration) {
	defer b.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			if err := b.sweep(); err != nil {
				b.log.Warn("bolt store: cleanup failed", "path", b.path, "err", err)
			}
		}
	}
}

// sweep deletes expired claims, rate windows idle for a whole window and
// usage periods past retention, in one transaction.
func (b *Bolt) sweep() error {
	now := b.now()
	return b.db.Update(func(tx *bolt.Tx) error {
		var stale [][]byte
		err := tx.Bucket([]byte(bucketClaims)).ForEach(func(k, v []byte) error {
			var c boltClaim
			if json.Unmarshal(v, &c) != nil || !now.Before(c.Expires) {
				stale = append(stale, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket([]byte(bucketClaims)), stale); err != nil {
			return err
		}
		stale = stale[:0]
		err = tx.Bucket([]byte(bucketRates)).ForEach(func(k, v []byte) error {
			var r boltRate
			if json.Unmarshal(v, &r) != nil || now.Sub(r.LastSeen) > time.Duration(r.Window) {
				stale = append(stale, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteKeys(tx.Bucket([]byte(bucketRates)), stale); err != nil {
			return err
		}
		stale = stale[:0]
		usage := tx.Bucket([]byte(bucketUsage))
		err = usage.ForEachBucket(func(k []byte) error {
			if expiredPeriod(bots.Period(k), now) {
				stale = append(stale, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := usage.DeleteBucket(k); err != nil {
				return fmt.Errorf("delete usage %s: %w", k, err)
			}
		}
		return nil
	})
}

// deleteKeys deletes keys from bk; bbolt forbids deleting inside ForEach,
// so sweeps collect first.
func deleteKeys(bk *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := bk.Delete(k); err != nil {
			return fmt.Errorf("delete %s: %w", k, err)
		}
	}
	return nil
}
