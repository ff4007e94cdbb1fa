package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/journal"
)

// The reply journal, the Engine's side (the store's side, heartbeats and
// orphan detection are bots/journal). Every accepted question is written
// to the store before it is queued (journal.Queued: a message by its
// admission, in the same store write as its claim, admit.go; a command's
// answer, a translation by push) and rewritten when
// its answer's messages appear (journal.Open, with their ids): at most
// one write per new platform message, never per token, done off the
// model's stream. The entry is removed once the final text is delivered.
// What a killed process leaves behind is finished by Recover, in this
// process or another replica.

// jobJournal is a job's journal entry and what was written of it.
type jobJournal struct {
	// ready is closed when the first write of the entry is over (push
	// writes it in the background: see settle); nil when the entry was
	// written before the job was made (a message's admission).
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

// push journals j and queues it, and returns once the entry's first write
// is over (stored, or failed and logged); a job that could not be queued
// leaves the journal (its caller tells the asker). A job that comes with
// its entry (j.jr: a message admitted by dispatch, whose admission wrote
// it, admit.go) is only queued: its caller removes the entry if it
// cannot be.
func (e *Engine) push(ctx context.Context, j *job) error {
	own := j.jr == nil
	if own {
		ent := e.jr.NewEntry(j.key, j.msg)
		switch j.kind {
		case jobAsk:
			cmd := j.ask.Cmd
			cmd.Msg = bots.Message{} // it is the entry's Message
			ent.Kind, ent.Command = journal.KindAsk, &cmd
		case jobTranslate:
			ent.Kind, ent.Target = journal.KindTranslate, j.target
		}
		j.jr = &jobJournal{entry: ent, ready: make(chan struct{})}
		// Written in the background, overlapping the model request;
		// settle waits for it. The goroutine is the job's: every path of
		// the job settles before it ends.
		go func() {
			defer close(j.jr.ready)
			e.journalStore(ctx, j)
		}()
	}
	j.seq = e.regen.next()
	err := e.pool.push(j)
	if err != nil {
		if own {
			e.journalEnd(ctx, j, false)
		}
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
	if err := e.jr.Write(ctx, jr.entry); err != nil {
		jr.off = true
		if errors.Is(err, journal.ErrPaused) {
			return
		}
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
	j.jr.entry.Placeholder, j.jr.entry.State, j.jr.written = ids, journal.Open, ids
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
		e.jr.Untrack(id)
		if e.redeliver(j) {
			e.log.WarnContext(ctx, "reply not delivered; this process tries it again", "key", j.key.String(), "journal_id", id,
				"in", redeliverDelay(j.jr.redelivered))
			return
		}
		e.log.WarnContext(ctx, "reply left in the journal for recovery", "key", j.key.String(), "journal_id", id)
		return
	}
	if err := e.jr.End(ctx, id); err != nil {
		// Recovering it would answer a second time: the upkeep retries.
		e.log.WarnContext(ctx, "finished reply not removed from the journal; retrying", "journal_id", id, "err", err)
	}
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
