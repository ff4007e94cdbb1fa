package engine

import (
	"context"
	"sync"
	"time"

	"mistralbot/bots"
)

// StoreWait bounds the store calls a reply waits for before its first
// platform call (the claim, the settings and the daily caps' counters,
// issued together by Dispatch). A frozen store (Redis not answering) then
// costs a question one StoreWait, not one per call in a row (issue 12: 12 s
// with several 2 s timeouts); what the store could not say falls back as
// each call documents (this process's claim, the config's settings, the
// caps allowed). It equals the journal's own bound (journal.Timeout).
const StoreWait = 2 * time.Second

// Issue 12, store latency: a reply waits for at most one store round trip
// before its first platform call. What Dispatch needs from the store is
// asked at once and waited for together (one round trip of latency):
//
//   - the claim of the delivery's keys (one ClaimAll, else one Claim per
//     key, in parallel): it decides between replicas, so it is waited for;
//   - the channel's settings when they are not cached (a disabled channel
//     must not answer): read beside the claim, not after it;
//   - the counters of the daily caps, when caps are set: reads, no side
//     effect, so reading them for a duplicate costs nothing.
//
// The rate per user is counted in process and reported to the store in
// the background (rate.go); the journal entry is written in the
// background and settled before the answer's first text, not before
// OpenReply (see push in journal.go for why a crash is still recovered).

// dispatchReads is what Dispatch read from the store beside the claim.
type dispatchReads struct {
	settings bots.Settings
	caps     capUsage
}

// claimAndRead claims the delivery's keys and reads the settings and the
// caps' counters of msg, all at once within StoreWait. It reports whether
// the claim succeeded (false: a duplicate).
func (e *Engine) claimAndRead(ctx context.Context, msg bots.Message) (bool, dispatchReads) {
	sctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	var r dispatchReads
	var wg sync.WaitGroup
	if s, ok := e.settings.Get(msg.SettingsID()); ok {
		r.settings = s
	} else {
		wg.Go(func() { r.settings = e.Settings(sctx, msg.SettingsID()) })
	}
	wg.Go(func() { r.caps = e.readCaps(sctx, msg) })
	ev, id := claimKeys(msg)
	claimed := e.claim(sctx, ev, id)
	wg.Wait()
	return claimed, r
}

// parallel runs fns concurrently and waits for all of them.
func parallel(fns ...func()) {
	if len(fns) == 1 {
		fns[0]()
		return
	}
	var wg sync.WaitGroup
	for _, f := range fns {
		wg.Go(f)
	}
	wg.Wait()
}
