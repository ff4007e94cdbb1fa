// Package engine turns messages and commands into streamed answers: the
// Engine dispatches (filters, claims, limits, lanes and the worker pool),
// keeps the history cache, resolves channel settings, builds the prompt,
// runs the answer loop against the domain's model port (bots.Completer)
// and writes through the adapter's bots.Reply; it journals replies
// (bots/journal) and recovers those a dead process left. It imports the
// domain (bots), bots/i18n, bots/journal and internal/cache; never llm,
// never an adapter.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/journal"
	"mistralbot/internal/cache"
)

// Engine turns messages and commands into streamed answers. Its methods are
// safe for concurrent use.
type Engine struct {
	// stores is opts.Store by role: each part of the Engine names the
	// role it uses (the journal's, bots.JournalStore, is jr's).
	stores struct {
		settings bots.SettingsStore
		usage    bots.UsageStore
		claims   bots.Claimer
		leases   bots.Leaser
		// The optional capabilities dispatch.go uses when the store has
		// them (nil otherwise): one write for a message's claims, and one
		// for its claims, rate token and journal entry.
		multi bots.MultiClaimer
		admit bots.Admitter
	}
	opts      Options
	tokens    bots.Tokens // opts.Tokens, else opts.LLM's
	log       *slog.Logger
	now       func() time.Time
	pool      *pool
	settings  *cache.Cache[string, bots.Settings]
	histories *cache.Cache[bots.ConversationKey, []bots.Turn]
	// transcripts are voice notes' texts by the audio's SHA-256 (voice.go).
	transcripts *cache.Cache[[32]byte, string]
	joined      *cache.Cache[bots.ConversationKey, struct{}]
	claims      *cache.Cache[string, struct{}] // dedupe keys claimed here (dispatch.go)
	notices     *cache.Cache[string, struct{}] // limit notices given per user (limits.go)
	running     atomic.Bool
	stopped     atomic.Bool
	commands    *commands.Commands // slash commands (bots/commands; commands.go here)
	jr          *journal.Journal   // the reply journal (bots/journal; journal.go here)
	recovery    recovery           // what Recover was given, one pass at a time (recover.go)
	idWatch     idWatch            // journaled replies in flight (journal.go)
	// redeliveries are undelivered replies this process retries
	// (redeliver.go).
	redeliveries redeliveries
	inflight     inflight                          // controlled replies a Stop click can cancel (stop.go)
	rated        *cache.Cache[string, ratedAnswer] // finished answers open to votes (feedback.go)
	unsaved      unsavedUsage                      // usage the store refused, retried once (usage.go)
	regen        *regenerations                    // answers a Regenerate click may replace (regenerate.go)
	waiters      approvalWaiters                   // answers waiting on an approval (approval.go)
	sum          summaries                         // summaries waiting for their confirm button (summarize.go)
	digestWait   digestBackoff                     // failed digests not retried before a time (digestlease.go)
}

// New checks opts (the options config has a key for are required or
// taken as given), fills the tunings config has no key for and returns an
// Engine; call Run to start its workers.
func New(opts Options) (*Engine, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts.fillDefaults()
	jr, err := journal.New(journal.Options{Store: opts.Store, Claims: opts.Store, ReplicaID: opts.ReplicaID,
		HeartbeatInterval: opts.HeartbeatInterval, Now: opts.Now, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e := &Engine{
		opts:        opts,
		tokens:      opts.Tokens,
		log:         opts.Logger,
		now:         opts.Now,
		pool:        newPool(opts.QueueSize, opts.MaxPendingPerUser),
		settings:    cache.New[string, bots.Settings](4096, opts.SettingsTTL, opts.Now),
		histories:   cache.New[bots.ConversationKey, []bots.Turn](1024, opts.HistoryTTL, opts.Now),
		transcripts: cache.New[[32]byte, string](1024, 24*time.Hour, opts.Now),
		joined:      cache.New[bots.ConversationKey, struct{}](16384, 7*24*time.Hour, opts.Now),
		rated:       cache.New[string, ratedAnswer](16384, 7*24*time.Hour, opts.Now),
		claims:      cache.New[string, struct{}](claimCacheSize, opts.DedupeTTL, opts.Now),
		notices:     cache.New[string, struct{}](noticeCacheSize, noticeWindow, opts.Now),
		jr:          jr,
		sum:         summaries{pending: cache.New[string, bots.SummaryJob](1024, confirmTTL, opts.Now)},
		regen:       newRegenerations(opts.Now),
	}
	e.stores.settings, e.stores.usage, e.stores.claims, e.stores.leases = opts.Store, opts.Store, opts.Store, opts.Store
	e.stores.multi, _ = opts.Store.(bots.MultiClaimer)
	e.stores.admit, _ = opts.Store.(bots.Admitter)
	fs, _ := opts.Store.(bots.FeedbackStore)
	e.commands = commands.New(commands.Options{Settings: commandPorts{e}, Limits: commandPorts{e}, Usage: opts.Store,
		Feedback: fs, Admins: opts.Admins, Prefix: opts.CommandPrefix, MaxPromptChars: opts.MaxPromptChars,
		Now: opts.Now, Logger: opts.Logger})
	return e, nil
}

// claimCacheSize bounds the Engine's own dedupe claims: two keys per
// message, so an hour of 9 messages a second before the oldest is evicted
// (the store holds the rest, when it answers).
const claimCacheSize = 1 << 16

// Run runs MaxConcurrency workers until ctx ends. Then it stops taking
// work, finishes every queued reply with the localized "interrupted"
// notice, lets in-flight replies run for ShutdownGrace, cuts off those
// still running (they end with the notice too) and returns once every
// worker has exited. Replies are journaled while they run, and a reply
// whose last text could not be delivered stays journaled for Recover.
// While it runs, the Engine writes its heartbeat to the store. Run may be
// called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	// In-flight replies must outlive ctx by the grace period: they run on a
	// context that keeps ctx's values but is cancelled only by us.
	work, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	// The heartbeat outlives the workers: what they leave journaled is
	// taken over by other replicas once it is removed.
	e.recovery.start()
	stopBeats := e.jr.Heartbeat(work, e.upkeep)
	defer func() {
		stopBeats()
		e.retryUsage(context.WithoutCancel(work))
	}()
	stopWatch := e.watchIDs(work)
	defer stopWatch() // before the heartbeat stops: after the workers
	var wg sync.WaitGroup
	for range e.opts.MaxConcurrency {
		wg.Go(func() {
			for j := e.pool.next(); j != nil; j = e.pool.next() {
				e.process(work, j)
				e.pool.done(j)
			}
		})
	}
	<-ctx.Done()
	e.stopped.Store(true)
	e.pool.close()

	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()

	grace, cancelGrace := context.WithTimeout(work, e.opts.ShutdownGrace)
	defer cancelGrace()
	for _, j := range e.pool.drain() {
		e.interrupt(grace, j)
	}
	select {
	case <-workersDone:
	case <-grace.Done():
		e.log.Warn("shutdown grace over; cutting off replies in flight", "grace", e.opts.ShutdownGrace)
		cut()
		<-workersDone
	}
	return nil
}

// Options returns the options in effect, the keyless tunings filled:
// what cmd/mistralbot's tests check against config, the single source of
// defaults.
// The slices and maps are the Engine's own: read them, do not change
// them.
func (e *Engine) Options() Options { return e.opts }

// InFlight returns the number of replies being generated.
func (e *Engine) InFlight() int { _, r := e.pool.stats(); return r }

// QueueDepth returns the number of replies waiting for a worker.
func (e *Engine) QueueDepth() int { w, _ := e.pool.stats(); return w }
