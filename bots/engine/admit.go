package engine

import (
	"context"
	"strings"
	"sync"

	"mistralbot/bots"
	"mistralbot/bots/journal"
)

// A message's admission: what the store must say before its answer is
// queued. Issue 12: each reply waits for at most one store round trip
// before its first platform call. With Redis frozen, sequential 2 s
// timeouts once made 12 s; then the claim, settings and limits went side
// by side but the journal entry was a second trip before the first post.
// Now the claims, the asker's rate token and the journal entry are one
// atomic store write (bots.Admitter), beside the settings and the daily
// caps (reads): one round trip, and the entry is stored before anything
// is posted, as recovery needs.

// admission is what admit found.
type admission struct {
	claimed bool // false: a duplicate delivery
	set     bots.Settings
	hit     *limitHit // the first limit the message is over, if any
	// jr is the journal entry the admission wrote (tracked, off when the
	// write failed); nil when the store has no Admit (push writes it) or
	// when nothing was written (a duplicate, over the rate, a channel
	// cached as disabled).
	jr *jobJournal
}

// admit claims msg (this process's claims first: a duplicate seen here
// costs no store call), and, side by side, reads its channel's settings
// (cached), checks the daily caps, and has the store claim it, take its
// rate token and journal it in one write.
//
// The rate token is taken in the same atomic write only when the claim
// is won, rather than taken beside the claim and refunded when it is
// lost: a refund is a second write that a crash or an outage can skip,
// and between the two a racing duplicate could be refused for a token
// its twin took back later. One write decides both, so a duplicate
// delivery never takes a token of the asker's rate.
func (e *Engine) admit(ctx context.Context, msg bots.Message) (a admission) {
	keys := claimKeys(msg)
	if len(keys) > 0 && !e.claimHere(ctx, keys) {
		return a
	}
	// A channel known (cached) to be disabled gets no entry: it would be
	// written only to be removed. Should the cache expire meanwhile and
	// the channel be enabled again, push journals the message itself.
	cached, known := e.settings.Get(msg.SettingsID())
	journaled := !known || cached.Enabled
	var wg sync.WaitGroup
	wg.Go(func() { a.set = e.Settings(ctx, msg.SettingsID()) })
	capHit := e.caps(ctx, msg, func() {
		if e.stores.admit != nil {
			a.claimed, a.hit, a.jr = e.admitStore(ctx, msg, keys, journaled)
			return
		}
		// A store without Admit (a test's partial store): the claim,
		// then the rate once it is won (a duplicate takes no token), one
		// more round trip these stores pay; push journals.
		a.claimed = len(keys) == 0 || e.claimStore(ctx, keys)
		if a.claimed {
			a.hit = e.takeRate(ctx, msg)
		}
	})
	wg.Wait()
	if capHit != nil {
		a.hit = capHit
	}
	return a
}

// admitStore is the store's part of admit: one Admit call carrying the
// claims, the rate and, when journaled, the entry. A store error is
// logged and the message goes on on this process's claim, not journaled
// (journaling pauses, as after a failed write: an outage costs one
// timeout, not one per message); the entry stays tracked so that its End
// removes whatever the failed call may have written.
func (e *Engine) admitStore(ctx context.Context, msg bots.Message, keys []string, journaled bool) (claimed bool, hit *limitHit, jr *jobJournal) {
	ad := bots.Admission{Keys: keys, TTL: e.opts.DedupeTTL, Rate: e.rateTake(msg)}
	// Bounded like a journal write, not cut by the delivery's context
	// (the entry is what a crash would need).
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), journal.Timeout)
	defer cancel()
	if !journaled {
		claimed, hit = e.admitNoEntry(sctx, ad)
		return claimed, hit, nil
	}
	jr = &jobJournal{entry: e.jr.NewEntry(msg.Key, msg)}
	if e.jr.Paused() {
		jr.off = true
	} else {
		ad.Entry = &jr.entry
	}
	res, err := e.admitCall(sctx, ad)
	switch {
	case err != nil:
		if ad.Entry != nil {
			e.jr.Failed()
			jr.off = true
			e.log.WarnContext(ctx, "reply not journaled: a crash now would leave it unfinished",
				"key", msg.Key.String(), "journal_id", jr.entry.ID, "err", err)
		}
		return true, nil, jr
	case !res.Won:
		e.jr.Untrack(jr.entry.ID)
		return false, nil, nil
	case res.Limited:
		e.jr.Untrack(jr.entry.ID) // not written
		return true, e.rateHit(res.Reset), nil
	}
	return true, nil, jr
}

// admitCall makes the Admit call within ctx. An error is logged here; a
// duplicate too.
func (e *Engine) admitCall(ctx context.Context, ad bots.Admission) (bots.Admitted, error) {
	res, err := e.stores.admit.Admit(ctx, ad)
	switch {
	case err != nil:
		e.log.WarnContext(ctx, "dedupe claim failed; answering on this process's claim", "claim", strings.Join(ad.Keys, ", "), "err", err)
	case !res.Won:
		e.log.DebugContext(ctx, "duplicate delivery", "claim", strings.Join(ad.Keys, ", "))
	}
	return res, err
}

// admitNoEntry is an Admit that writes no journal entry (a message of a
// channel cached as disabled, a command): won is true for a won claim or
// a store error (answered on this process's claim), hit the rate's
// refusal.
func (e *Engine) admitNoEntry(ctx context.Context, ad bots.Admission) (won bool, hit *limitHit) {
	res, err := e.admitCall(ctx, ad)
	if err == nil && res.Limited {
		hit = e.rateHit(res.Reset)
	}
	return err != nil || res.Won, hit
}

// unadmit removes the journal entry of an admitted message that is not
// answered after all (its channel disabled, a daily cap, too many
// pending, the queue full, shutdown), so that no recovery answers a
// question the asker was refused. It runs beside the caller's notice,
// which then waits for no second store round trip; the returned wait ends
// once it is over (Dispatch returns after it, so that the store is
// settled). A process killed in between leaves the entry, and its next
// life answers the question; the rate refusals, a flood's bulk, write no
// entry at all. A removal that fails is retried by the upkeep
// (journal.End).
func (e *Engine) unadmit(ctx context.Context, jr *jobJournal) (wait func()) {
	if jr == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := e.jr.End(ctx, jr.entry.ID); err != nil {
			e.log.WarnContext(ctx, "refused question not removed from the journal; retrying", "journal_id", jr.entry.ID, "err", err)
		}
	}()
	return func() { <-done }
}
