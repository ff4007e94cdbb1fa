// Package journal is the store side of the reply journal: entries
// written before an answer is queued and rewritten as its messages
// appear, removed once the final text is delivered; the replicas'
// heartbeats, beaten on a goroutine of their own; orphan detection (whose
// entries belong to a process that is gone) and the claims that keep two
// replicas from recovering one entry. It knows nothing of jobs or
// answers: the Engine (bots/engine) decides what to journal and
// regenerates what Survey reports.
//
// Store errors never hold a reply up: each call is bounded by Timeout,
// and after a failure journaling pauses for a while (the reply goes on,
// unrecoverable), so a store outage costs one timeout, not one per
// message.
package journal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"mistralbot/bots"
)

// Entry states (bots.JournalEntry.State).
const (
	// Queued: the question is accepted, nothing is posted yet.
	Queued = "queued"
	// Open: the answer is being written into the entry's Placeholder.
	Open = "open"
	// Alive marks a heartbeat entry (ID "replica:"+Owner), not a reply.
	Alive = "alive"
)

// Entry kinds (bots.JournalEntry.Kind); "" is a chat message.
const (
	KindAsk       = "ask"
	KindTranslate = "translate"
)

const (
	// Timeout bounds one journal call.
	Timeout = 2 * time.Second
	// pause is how long journaling stops after a failed call.
	pause = 10 * time.Second
	// heartbeatMisses is how many heartbeat intervals a replica may miss
	// before its replies are taken over.
	heartbeatMisses = 6
	// beatPrefix starts the id of a heartbeat entry.
	beatPrefix = "replica:"
	// claimTTL bounds the claim that keeps two replicas from recovering
	// one entry; the recovered entry is rewritten with a new incarnation,
	// so a later recovery of it needs a new claim.
	claimTTL = 10 * time.Minute
)

// ErrPaused is returned while journaling is paused after a store error.
var ErrPaused = errors.New("journal: paused after a store error")

// Options configure a Journal.
type Options struct {
	Store bots.JournalStore
	// Claims holds the recovery claims, shared by the replicas.
	Claims bots.Claimer
	// ReplicaID names this replica stably across restarts; "" means the
	// random incarnation id (see Journal.Owner).
	ReplicaID string
	// HeartbeatInterval is how often the heartbeat is written; a replica
	// silent for 6 intervals is dead.
	HeartbeatInterval time.Duration
	// Now is the calendar clock written in entries; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Journal is one Engine's side of the reply journal. Safe for concurrent
// use.
type Journal struct {
	opts        Options
	incarnation string
	seq         atomic.Uint64
	pausedUntil atomic.Int64 // unix nanoseconds, monotonic enough for a pause

	mu sync.Mutex
	// inflight holds the entries of replies this process is producing;
	// leftover those it finished but could not remove yet (retried by
	// the upkeep). Survey never reports an entry of this incarnation.
	inflight map[string]struct{}
	leftover map[string]struct{}
}

// New returns a Journal with a fresh incarnation id.
func New(opts Options) (*Journal, error) {
	if opts.Store == nil || opts.Claims == nil {
		return nil, errors.New("journal: Store and Claims are required")
	}
	if opts.HeartbeatInterval <= 0 {
		return nil, errors.New("journal: HeartbeatInterval must be positive")
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("journal: incarnation id: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Journal{opts: opts, incarnation: hex.EncodeToString(b[:]),
		inflight: map[string]struct{}{}, leftover: map[string]struct{}{}}, nil
}

// Owner is this process's name in entries: the replica id, else the
// incarnation.
func (j *Journal) Owner() string {
	if j.opts.ReplicaID != "" {
		return j.opts.ReplicaID
	}
	return j.incarnation
}

// Incarnation is the id of this process's life.
func (j *Journal) Incarnation() string { return j.incarnation }

// NewEntry returns a new reply entry, owned by this process and tracked
// as in flight.
func (j *Journal) NewEntry(key bots.ConversationKey, msg bots.Message) bots.JournalEntry {
	en := bots.JournalEntry{
		ID:  "reply:" + j.incarnation + ":" + strconv.FormatUint(j.seq.Add(1), 10),
		Key: key, Message: msg, State: Queued,
		Owner: j.Owner(), Incarnation: j.incarnation, Started: j.opts.Now(),
	}
	j.Track(en.ID)
	return en
}

// Adopt makes a recovered entry this process's (if it dies too, the next
// one recovers it again) and tracks it.
func (j *Journal) Adopt(en *bots.JournalEntry) {
	en.Owner, en.Incarnation = j.Owner(), j.incarnation
	j.Track(en.ID)
}

// Write stores or replaces en, within Timeout. It returns ErrPaused while
// paused; a failure pauses journaling.
func (j *Journal) Write(ctx context.Context, en bots.JournalEntry) error {
	if j.Paused() {
		return ErrPaused
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Timeout)
	defer cancel()
	if err := j.opts.Store.Journal(ctx, en); err != nil {
		j.pause()
		return err
	}
	return nil
}

// Remove removes entry id, within Timeout (same pause rules as Write).
func (j *Journal) Remove(ctx context.Context, id string) error {
	if j.Paused() {
		return ErrPaused
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Timeout)
	defer cancel()
	if err := j.opts.Store.Unjournal(ctx, id); err != nil {
		j.pause()
		return err
	}
	return nil
}

// End removes a finished reply's entry; when that fails it is kept as a
// leftover and removed by a later upkeep (recovering it would answer a
// second time).
func (j *Journal) End(ctx context.Context, id string) error {
	if err := j.Remove(ctx, id); err != nil {
		j.leave(id)
		return err
	}
	j.Untrack(id)
	return nil
}

// Failed pauses journaling after a failed store operation that carried an
// entry with other records in one write (the Engine's admission of a
// message, bots.Admitter: its claims, rate token and entry), the same
// pause as after a failed Write: an outage costs one timeout, not one per
// message. The caller then goes on without the entry.
func (j *Journal) Failed() { j.pause() }

// Paused reports whether journaling is paused.
func (j *Journal) Paused() bool { return time.Now().UnixNano() < j.pausedUntil.Load() }

func (j *Journal) pause() { j.pausedUntil.Store(time.Now().Add(pause).UnixNano()) }

// Track records id as in flight here.
func (j *Journal) Track(id string) {
	j.mu.Lock()
	j.inflight[id] = struct{}{}
	j.mu.Unlock()
}

// Untrack forgets id (finished, or left for recovery).
func (j *Journal) Untrack(id string) {
	j.mu.Lock()
	delete(j.inflight, id)
	delete(j.leftover, id)
	j.mu.Unlock()
}

func (j *Journal) leave(id string) {
	j.mu.Lock()
	delete(j.inflight, id)
	j.leftover[id] = struct{}{}
	j.mu.Unlock()
}

// RetryLeftovers removes the entries of finished replies whose removal
// failed, stopping at the first failure.
func (j *Journal) RetryLeftovers(ctx context.Context) {
	j.mu.Lock()
	ids := make([]string, 0, len(j.leftover))
	for id := range j.leftover {
		ids = append(ids, id)
	}
	j.mu.Unlock()
	for _, id := range ids {
		if err := j.Remove(ctx, id); err != nil {
			return
		}
		j.Untrack(id)
	}
}

// List returns every entry (replies and heartbeats).
func (j *Journal) List(ctx context.Context) ([]bots.JournalEntry, error) {
	return j.opts.Store.Journaled(ctx)
}

// Claim claims the recovery of en for this process; false means another
// replica has it.
func (j *Journal) Claim(ctx context.Context, en bots.JournalEntry) (bool, error) {
	return j.opts.Claims.Claim(ctx, "recover:"+en.ID+":"+en.Incarnation, claimTTL)
}
