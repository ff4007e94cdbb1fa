package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"mistralbot/bots"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The reply journal. Every accepted question is written to the store
// before it is queued (State JournalQueued) and rewritten when its answer's
// messages appear (JournalOpen, with their ids): at most one write per new
// platform message, never per token, done off the model's stream. The entry is removed once the final
// text is delivered. What a killed process leaves behind is finished by
// Recover, in this process or another replica.
//
// Which entries are orphans is told by heartbeats: each running Engine
// rewrites a JournalAlive entry every HeartbeatInterval. An entry whose
// owner's heartbeat is missing or stale, or comes from another incarnation
// (the replica restarted), is recovered; a live owner's entries are never
// touched, however long its queue. Store errors never hold a reply up:
// writes are bounded by journalTimeout, and after a failure journaling
// pauses for journalPause (the reply goes on, unrecoverable).

// Journal entry states.
const (
	// JournalQueued: the question is accepted, nothing is posted yet.
	JournalQueued = "queued"
	// JournalOpen: the answer is being written into Placeholder.
	JournalOpen = "open"
	// JournalAlive marks a heartbeat entry (ID "replica:"+Owner), not a
	// reply.
	JournalAlive = "alive"
)

// Entry kinds (JournalEntry.Kind).
const (
	kindAsk       = "ask"
	kindTranslate = "translate"
)

const (
	// journalTimeout bounds one journal call.
	journalTimeout = 2 * time.Second
	// journalPause is how long journaling stops after a failed write, so a
	// store outage costs one timeout, not one per message.
	journalPause = 10 * time.Second
	// heartbeatMisses is how many heartbeat intervals a replica may miss
	// before its replies are taken over.
	heartbeatMisses = 6
	// beatPrefix starts the id of a heartbeat entry.
	beatPrefix = "replica:"
)

// errJournalPaused is returned while journaling is paused.
var errJournalPaused = errors.New("engine: journal paused after a store error")

// journal is the Engine's side of the reply journal.
type journal struct {
	incarnation string
	seq         atomic.Uint64
	pausedUntil atomic.Int64 // unix nanoseconds

	mu sync.Mutex
	// inflight holds the entries of replies this Engine is producing;
	// leftover those it finished but could not remove yet (retried with
	// each heartbeat). Recover skips every entry of this incarnation.
	inflight map[string]struct{}
	leftover map[string]struct{}
	// convs is what Recover was given; later passes reuse it.
	convs map[bots.Platform]bots.Conversations

	pass sync.Mutex // one recovery pass at a time
}

func newJournal() (*journal, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &journal{incarnation: hex.EncodeToString(b[:]),
		inflight: map[string]struct{}{}, leftover: map[string]struct{}{}}, nil
}

// jobJournal is a job's journal entry and what was written of it.
type jobJournal struct {
	// ready is closed when the first write of the entry is over (push
	// writes it in the background: see settle).
	ready   chan struct{}
	entry   bots.JournalEntry
	written []string // placeholder ids in the store
	off     bool     // a write failed: no more rewrites for this reply
	// Recovered replies only.
	recovered bool
	reopen    []string // the messages the previous attempt posted
	expired   bool     // older than RecoverMaxAge: the notice, no answer
	// redelivered counts this process's redeliveries of the reply
	// (redeliver.go).
	redelivered int
}

// settle waits for the entry's first write. Everything that could post
// for the job, or touch its entry, settles first: the model request does
// not wait for the fsync, but no answer reaches the platform before its
// entry is in the store. Safe on nil.
func (jr *jobJournal) settle() {
	if jr != nil && jr.ready != nil {
		<-jr.ready
	}
}

// recovered reports whether j finishes a reply of an earlier process.
func (j *job) recovered() bool { return j.jr != nil && j.jr.recovered }

// owner is this Engine's name in journal entries.
func (e *Engine) owner() string {
	if e.opts.ReplicaID != "" {
		return e.opts.ReplicaID
	}
	return e.jr.incarnation
}

// push journals j and queues it, and returns once the entry's first write
// is over (stored, or failed and logged); a job that could not be queued
// leaves the journal (its caller tells the asker).
func (e *Engine) push(ctx context.Context, j *job) error {
	ent := bots.JournalEntry{
		ID:  "reply:" + e.jr.incarnation + ":" + strconv.FormatUint(e.jr.seq.Add(1), 10),
		Key: j.key, Message: j.msg, State: JournalQueued,
		Owner: e.owner(), Incarnation: e.jr.incarnation, Started: e.now(),
	}
	switch j.kind {
	case jobAsk:
		cmd := j.ask.Cmd
		cmd.Msg = bots.Message{} // it is the entry's Message
		ent.Kind, ent.Command = kindAsk, &cmd
	case jobTranslate:
		ent.Kind, ent.Target = kindTranslate, j.target
	}
	j.jr = &jobJournal{entry: ent, ready: make(chan struct{})}
	j.seq = e.regen.next()
	e.jr.track(ent.ID)
	// Written in the background, overlapping the model request; settle
	// waits for it. The goroutine is the job's: every path of the job
	// settles before it ends.
	go func() {
		defer close(j.jr.ready)
		e.journalStore(ctx, j)
	}()
	err := e.pool.push(j)
	if err != nil {
		e.journalEnd(ctx, j, false)
		return err
	}
	e.regen.queued(j.key, j.seq) // an older answer of the conversation is no longer the latest
	// Queued means journaled: the caller (and a test counting entries, or
	// a shutdown right after) finds the entry in the store once push
	// returns. The worker does not wait for this: it may already be asking
	// the model; only its first post settles.
	j.jr.settle()
	return nil
}

// journalWrite stores j's entry, unless an earlier write failed.
func (e *Engine) journalWrite(ctx context.Context, j *job) {
	j.jr.settle()
	e.journalStore(ctx, j)
}

// journalStore writes j's entry (see journalWrite).
func (e *Engine) journalStore(ctx context.Context, j *job) {
	jr := j.jr
	if jr == nil || jr.off {
		return
	}
	if e.journalPaused() {
		jr.off = true
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer cancel()
	if err := e.opts.Store.Journal(ctx, jr.entry); err != nil {
		jr.off = true
		e.pauseJournal()
		e.log.WarnContext(ctx, "reply not journaled: a crash now would leave it unfinished",
			"key", jr.entry.Key.String(), "journal_id", jr.entry.ID, "err", err)
	}
}

// journalIDs records the ids of the reply's messages when they changed
// since the last write. It reports whether the reply has posted any.
func (e *Engine) journalIDs(ctx context.Context, j *job, r bots.MessageIDs) (some bool) {
	j.jr.settle()
	ids := r.IDs()
	if len(ids) == 0 || slices.Equal(ids, j.jr.written) {
		return len(ids) > 0
	}
	j.jr.entry.Placeholder, j.jr.entry.State, j.jr.written = ids, JournalOpen, ids
	e.journalWrite(ctx, j)
	return true
}

// undelivered reports whether a reply whose last platform call failed with
// err stays journaled for another attempt: when the shutdown cut it, or
// when the failure is Transient (the platform down, 5xx, 429 beyond the
// writer's retries) or its deadline passed waiting for the platform. A
// Permanent failure (not in the channel, archived, forbidden) would fail
// again, and an Uncertain one may have been delivered: those end the
// entry at once (the adapter has told the asker what it could).
func undelivered(work context.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case work.Err() != nil:
		return true
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return bots.ClassOf(err) == bots.Transient
}

// journalEnd removes j's entry once its reply is finished. keep leaves it
// for recovery: the final text could not be delivered before shutdown.
func (e *Engine) journalEnd(ctx context.Context, j *job, keep bool) {
	if j.jr == nil {
		return
	}
	j.jr.settle()
	id := j.jr.entry.ID
	if keep {
		e.jr.untrack(id)
		if e.redeliver(j) {
			e.log.WarnContext(ctx, "reply not delivered; this process tries it again", "key", j.key.String(), "journal_id", id,
				"in", redeliverDelay(j.jr.redelivered))
			return
		}
		e.log.WarnContext(ctx, "reply left in the journal for recovery", "key", j.key.String(), "journal_id", id)
		return
	}
	if err := e.unjournal(ctx, id); err != nil {
		// Recovering it would answer a second time: keep retrying.
		e.jr.leave(id)
		e.log.WarnContext(ctx, "finished reply not removed from the journal; retrying", "journal_id", id, "err", err)
		return
	}
	e.jr.untrack(id)
}

func (e *Engine) unjournal(ctx context.Context, id string) error {
	if e.journalPaused() {
		return errJournalPaused
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journalTimeout)
	defer cancel()
	if err := e.opts.Store.Unjournal(ctx, id); err != nil {
		e.pauseJournal()
		return err
	}
	return nil
}

func (e *Engine) journalPaused() bool { return time.Now().UnixNano() < e.jr.pausedUntil.Load() }

func (e *Engine) pauseJournal() { e.jr.pausedUntil.Store(time.Now().Add(journalPause).UnixNano()) }

func (jr *journal) track(id string) {
	jr.mu.Lock()
	jr.inflight[id] = struct{}{}
	jr.mu.Unlock()
}

func (jr *journal) untrack(id string) {
	jr.mu.Lock()
	delete(jr.inflight, id)
	delete(jr.leftover, id)
	jr.mu.Unlock()
}

func (jr *journal) leave(id string) {
	jr.mu.Lock()
	delete(jr.inflight, id)
	jr.leftover[id] = struct{}{}
	jr.mu.Unlock()
}

// journalPoll is how often the replies in flight have their message ids
// looked at (idWatch): the platform posts asynchronously, so a message may
// appear after the last Update (a stalled model), and a long answer's
// later parts appear while it streams. Once a second: a reply has few
// messages, and its first one is journaled as soon as an Update sees it.
const journalPoll = time.Second

// journaledReply journals the ids of the messages its Reply posts. No
// goroutine of its own: the first ids are written by a short-lived one
// started by the Update that sees them (the model's stream never waits for
// the store), later ones by the Engine's idWatch.
type journaledReply struct {
	bots.Reply
	e   *Engine
	j   *job
	ids bots.MessageIDs

	// journaled is set once the first ids are in the journal (or being
	// written): from then on tokens cost one atomic load here.
	journaled atomic.Bool
	writes    sync.WaitGroup

	mu     sync.Mutex // serializes the journal writes of this reply
	halted bool
}

var (
	_ bots.Reply      = (*journaledReply)(nil)
	_ bots.MessageIDs = (*journaledReply)(nil)
)

// journaled wraps reply so that its message ids reach the journal; replies
// that do not tell their ids are returned as they are.
func (e *Engine) journaled(j *job, reply bots.Reply) bots.Reply {
	ids, ok := reply.(bots.MessageIDs)
	if !ok || j.jr == nil {
		return reply
	}
	r := &journaledReply{Reply: reply, e: e, j: j, ids: ids}
	e.idWatch.add(r)
	return r
}

// Update implements Reply.
func (r *journaledReply) Update(ctx context.Context, text string) error {
	err := r.Reply.Update(ctx, text)
	if !r.journaled.Load() && len(r.ids.IDs()) > 0 && r.journaled.CompareAndSwap(false, true) {
		ctx := context.WithoutCancel(ctx)
		r.writes.Go(func() { r.sync(ctx) })
	}
	return err
}

// sync journals the reply's ids if they changed since the last write.
func (r *journaledReply) sync(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.halted {
		return
	}
	if r.e.journalIDs(ctx, r.j, r.ids) {
		r.journaled.Store(true)
	}
}

// Finish implements Reply. When the final text did not arrive, the entry
// may stay for recovery: it gets the ids of every message posted.
func (r *journaledReply) Finish(ctx context.Context, text string) error {
	err := r.Reply.Finish(ctx, text)
	r.e.idWatch.remove(r)
	r.writes.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.halted = true
	if err != nil {
		r.e.journalIDs(ctx, r.j, r.ids)
	}
	return err
}

// idWatch holds the journaled replies in flight; one goroutine of the
// Engine (watchIDs) journals their new message ids every journalPoll.
type idWatch struct {
	mu      sync.Mutex
	replies map[*journaledReply]struct{}
}

func (w *idWatch) add(r *journaledReply) {
	w.mu.Lock()
	if w.replies == nil {
		w.replies = map[*journaledReply]struct{}{}
	}
	w.replies[r] = struct{}{}
	w.mu.Unlock()
}

func (w *idWatch) remove(r *journaledReply) {
	w.mu.Lock()
	delete(w.replies, r)
	w.mu.Unlock()
}

func (w *idWatch) snapshot() []*journaledReply {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*journaledReply, 0, len(w.replies))
	for r := range w.replies {
		out = append(out, r)
	}
	return out
}

// watchIDs runs the idWatch, and the redeliveries (redeliver.go), until
// the returned stop is called (Run calls it once the workers are done).
func (e *Engine) watchIDs(ctx context.Context) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(journalPoll)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			for _, r := range e.idWatch.snapshot() {
				r.sync(ctx)
			}
			e.redeliverDue(ctx)
		}
	}()
	return func() {
		close(quit)
		<-done
		if n := e.redeliveries.pending(); n > 0 {
			e.log.WarnContext(ctx, "undelivered replies left in the journal for the next start", "replies", n)
		}
	}
}

// IDs returns the wrapped reply's ids.
func (r *journaledReply) IDs() []string { return r.ids.IDs() }
