package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// Dispatch decides whether msg gets an answer (mention, DM, follow-up in
// a thread the bot joined), deduplicates it, checks allow-lists and
// limits, queues the answer and reports what it did: every message that
// is Queued or Notified gets exactly one reply opened through conv and
// finished. It returns quickly. It returns ErrStopped once Run has ended,
// and the platform error when a notice could not be delivered.
func (e *Engine) Dispatch(ctx context.Context, conv bots.Conversations, msg bots.Message) (d bots.Disposition, err error) {
	if e.stopped.Load() {
		return bots.Ignored, bots.ErrStopped
	}
	defer func() {
		// Queued questions enter the cached history when their worker
		// takes them, in the conversation's order; the others now.
		if d != bots.Queued && d != bots.Duplicate {
			e.observe(msg)
		}
	}()
	if !e.shouldAnswer(ctx, conv, msg) {
		return bots.Ignored, nil
	}
	if why := e.allowed(msg); why != "" {
		// Silent on purpose: outside the allow-lists the bot does not exist.
		e.log.DebugContext(ctx, "message outside allow-lists", "key", msg.Key.String(), "reason", why)
		return bots.Refused, nil
	}
	a := e.admit(ctx, msg)
	if !a.claimed {
		e.refused(msg.Key.Platform, "duplicate")
		return bots.Duplicate, nil
	}
	if !a.set.Enabled {
		e.unadmit(ctx, a.jr)()
		return bots.Refused, nil
	}
	lang := e.uiLanguage(a.set, msg)
	// A user over a limit is told once per noticeWindow; the messages
	// after it are refused without a notice (the notice says until when).
	if a.hit != nil {
		defer e.unadmit(ctx, a.jr)() // beside the notice
		e.limitReached(msg, a.hit)
		if !e.firstNotice(ctx, msg, a.hit.name) {
			return bots.Refused, nil
		}
		return bots.Notified, e.notify(ctx, conv, msg, a.hit.text(lang))
	}
	err = e.push(ctx, &job{kind: jobMessage, key: msg.Key, conv: conv, msg: msg, queued: time.Now(), jr: a.jr})
	if err != nil {
		defer e.unadmit(ctx, a.jr)() // beside the notice
	}
	switch {
	case errors.Is(err, bots.ErrUserBusy):
		e.refused(msg.Key.Platform, "pending")
		if !e.firstNotice(ctx, msg, "pending") {
			return bots.Refused, nil
		}
		return bots.Notified, e.notify(ctx, conv, msg, e.tr(lang, i18n.LimitUserPending, e.opts.MaxPendingPerUser))
	case errors.Is(err, bots.ErrBusy):
		e.refused(msg.Key.Platform, "busy")
		if !e.firstNotice(ctx, msg, "busy") {
			return bots.Refused, nil
		}
		return bots.Notified, e.notify(ctx, conv, msg, e.tr(lang, i18n.Busy))
	case errors.Is(err, bots.ErrStopped):
		// Run ended after the stopped check above, once the delivery was
		// claimed: a redelivery would be a duplicate, so the asker is told
		// now, like the queued questions at shutdown.
		return bots.Notified, e.notify(ctx, conv, msg, e.tr(lang, i18n.Interrupted))
	case err != nil:
		return bots.Ignored, err
	}
	// The bot is in the thread from now on: a follow-up posted while this
	// answer still waits for a worker is answered after it, not ignored.
	e.joined.Put(msg.Key, struct{}{})
	return bots.Queued, nil
}

// shouldAnswer: DMs and mentions always; in a thread, follow-ups when
// FollowThreads is on and the bot has spoken there. Empty messages (a bare
// mention) never.
func (e *Engine) shouldAnswer(ctx context.Context, conv bots.Conversations, msg bots.Message) bool {
	if strings.TrimSpace(msg.Text) == "" && len(msg.Attachments) == 0 {
		return false
	}
	if msg.DM || msg.Mentioned {
		return true
	}
	if !e.opts.Defaults.FollowThreads || !msg.InThread {
		return false
	}
	if _, ok := e.joined.Get(msg.Key); ok {
		return true
	}
	// Not remembered (new process, or evicted): the thread itself says
	// whether the bot took part. The fetched history is cached, so the
	// worker that answers does not fetch it again.
	for _, t := range e.history(ctx, conv, msg) {
		if t.Role == bots.BotTurn {
			e.joined.Put(msg.Key, struct{}{})
			return true
		}
	}
	return false
}

// claim records the delivery so that a retry, a second replica, or the
// same Slack mention arriving as app_mention and as message produce one
// reply. It returns false for a duplicate.
//
// The Engine's own claims (an in-process TTL cache, DedupeTTL like the
// store's) are taken first, in one step for all the keys: a delivery this
// process has seen is a duplicate whatever the store says, so one
// mention's two deliveries, and a retry, are answered once even while the
// store is down, and a late delivery of a question asked during an outage
// is still recognised once the store is back without that claim. The
// store then decides for the other replicas. A store error is logged and
// the message proceeds on the local claim: answering is better than not
// answering at all. (A message's claim is admit's, which writes more with
// it: admit.go.)
func (e *Engine) claim(ctx context.Context, keys ...string) bool {
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "" })
	if len(keys) == 0 {
		return true
	}
	return e.claimHere(ctx, keys) && e.claimStore(ctx, keys)
}

// claimHere takes this process's claims of keys (see claim).
func (e *Engine) claimHere(ctx context.Context, keys []string) bool {
	if !e.claims.Claim(struct{}{}, keys...) {
		e.log.DebugContext(ctx, "duplicate delivery (claimed here)", "claim", strings.Join(keys, ", "))
		return false
	}
	return true
}

// claimStore takes the store's claims of keys, in one write when the
// store can (see claim).
func (e *Engine) claimStore(ctx context.Context, keys []string) bool {
	if e.stores.multi != nil && len(keys) > 1 {
		all, err := e.stores.multi.ClaimAll(ctx, keys, e.opts.DedupeTTL)
		switch {
		case err != nil:
			e.log.WarnContext(ctx, "dedupe claim failed; answering on this process's claim", "claim", strings.Join(keys, ", "), "err", err)
			return true
		case !all:
			e.log.DebugContext(ctx, "duplicate delivery", "claim", strings.Join(keys, ", "))
		}
		return all
	}
	for _, k := range keys {
		ok, err := e.stores.claims.Claim(ctx, k, e.opts.DedupeTTL)
		if err != nil {
			e.log.WarnContext(ctx, "dedupe claim failed; answering on this process's claim", "claim", k, "err", err)
			continue
		}
		if !ok {
			e.log.DebugContext(ctx, "duplicate delivery", "claim", k)
			return false
		}
	}
	return true
}

// ClaimDelivery claims key for one delivery through the same claim as
// events (this process's cache, then the store, for DedupeTTL): adapters
// use it for what carries no event id, such as a slash command's
// trigger_id or a Discord interaction id, so that a captured, validly
// signed request replayed later is answered once. It reports false for a
// key claimed before; an empty key is never a duplicate. A store error is
// logged and the delivery proceeds on this process's claim.
func (e *Engine) ClaimDelivery(ctx context.Context, key string) bool {
	if key == "" {
		return true
	}
	return e.claim(ctx, "dlv:"+key)
}

// claimKeys are the dedupe keys of a message: its delivery (event) id and
// its platform id within the channel, those it has.
func claimKeys(msg bots.Message) []string {
	var keys []string
	if msg.EventID != "" {
		keys = append(keys, "ev:"+msg.EventID)
	}
	if msg.ID != "" {
		keys = append(keys, "msg:"+string(msg.Key.Platform)+":"+msg.Key.Channel+":"+msg.ID)
	}
	return keys
}

// notify opens a reply to msg and finishes it with text at once.
func (e *Engine) notify(ctx context.Context, conv bots.Conversations, msg bots.Message, text string) error {
	r, err := conv.OpenReply(ctx, msg.Key, msg)
	if err != nil {
		return fmt.Errorf("engine: open notice reply in %s: %w", msg.Key, err)
	}
	if err := r.Finish(ctx, text); err != nil {
		return fmt.Errorf("engine: finish notice reply in %s: %w", msg.Key, err)
	}
	return nil
}

// uiLanguage chooses the language of the bot's own texts: the channel's
// fixed language, else the asker's locale, else the language the question
// looks written in (a stop-word count, only for catalog languages), else
// English. i18n.Match maps each to the closest catalog.
func (e *Engine) uiLanguage(set bots.Settings, msg bots.Message) string {
	if set.Fixed() {
		return matchCatalog(set.Language)
	}
	if msg.Locale != "" {
		return matchCatalog(msg.Locale)
	}
	if g := guessLanguage(msg.Text); g != "" {
		return g
	}
	return "en"
}
