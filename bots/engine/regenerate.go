package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"mistralbot/bots"
	"mistralbot/internal/cache"
)

// regenTTL is how long a finished answer can be regenerated: as long as
// its votes are counted (feedback.go).
const regenTTL = 7 * 24 * time.Hour

// regenerations remember the finished chat answers a Regenerate click may
// replace, and the last job queued in each conversation, so that only the
// latest answer of a conversation is regenerated: once a follow-up is
// queued, the old answer is part of its context and replacing it would
// change history under the newer answer.
type regenerations struct {
	mu      sync.Mutex
	seq     uint64                                     // jobs queued by push (guarded by mu)
	last    *cache.Cache[bots.ConversationKey, uint64] // the seq of a conversation's last queued job
	answers *cache.Cache[string, *regenAnswer]         // by reply id
}

// regenAnswer is one finished answer that may be regenerated: what its
// job was asked (the same kind, command and target language again) and
// where its messages are.
type regenAnswer struct {
	platform bots.Platform
	asker    string // the asker's platform user id
	key      bots.ConversationKey
	conv     bots.Conversations
	msg      bots.Message
	seq      uint64 // its job's seq
	kind     jobKind
	ask      *bots.Ask // jobAsk: the command's Ask, prepared again by nobody
	target   string    // jobTranslate
	// reopener writes into the answer's messages again, in conversation
	// where: the adapter (a chat answer, a translation) or what a
	// command's reply names (bots.Reopenable). where is the conversation a
	// follow-up of the answer is asked in; for a Slack slash command it is
	// the thread the answer started, not the channel its job was keyed by.
	reopener bots.Reopener
	where    bots.ConversationKey
	// settledCh is closed once ids and failed are set (regenerable): a
	// regenerate job in another lane than the answer's own job (a Slack
	// slash command's) waits for it.
	settledCh chan struct{}
	// Guarded by regenerations.mu: set once its final text is delivered
	// or failed (regenerable), before its job leaves its conversation's
	// lane, so a regenerate job (queued in the same lane) finds them.
	ids    []string // its messages
	failed bool     // the final text did not arrive: nothing to rewrite
}

func newRegenerations(now func() time.Time) *regenerations {
	return &regenerations{
		last:    cache.New[bots.ConversationKey, uint64](16384, regenTTL, now),
		answers: cache.New[string, *regenAnswer](16384, regenTTL, now),
	}
}

// next numbers a job about to be queued.
func (r *regenerations) next() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	return r.seq
}

// queued records that the job seq was queued in conversation key.
func (r *regenerations) queued(key bots.ConversationKey, seq uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.last.Get(key); !ok || v < seq {
		r.last.Put(key, seq)
	}
}

// take removes the answer replyID for a regenerate by userID, when they
// may: a second click, or the same click delivered twice, finds nothing.
//
// The answer's own job may still be delivering its final text (the button
// shows with it): the regenerate job, queued in the same conversation's
// lane, runs once that job is over.
func (r *regenerations) take(p bots.Platform, replyID, userID string, admin bool) (*regenAnswer, bots.RegenerateResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.answers.Get(replyID)
	switch {
	case !ok || a.platform != p:
		return nil, bots.RegenerateGone
	case a.asker != userID && !admin:
		return nil, bots.RegenerateNotAllowed
	}
	if !r.latest(a) {
		return a, bots.RegenerateBusy // a follow-up is queued or answered
	}
	r.answers.Remove(replyID)
	return a, bots.RegenerateQueued
}

// latest reports whether no job was queued after a's in the conversation
// its follow-ups go to (called with r.mu held).
func (r *regenerations) latest(a *regenAnswer) bool {
	last, ok := r.last.Get(a.where)
	return !ok || last <= a.seq
}

// restore gives back an answer take removed when its job could not be
// queued, unless the conversation moved on meanwhile.
func (r *regenerations) restore(replyID string, a *regenAnswer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.latest(a) {
		r.answers.Put(replyID, a)
	}
}

// Regenerate answers again the question of the finished answer replyID on
// platform p, clicked by userID (admin: the platform grants them
// channel-admin rights): the new answer, asked with the same context minus
// the old answer, is written into the old answer's messages (through the
// adapter's Reopener: the first edited, parts beyond posted, those not
// needed deleted). Only the asker or an admin may regenerate; only the
// latest finished answer of its conversation is regenerated, once. It
// never waits for the platform or the model: the job is queued and the
// adapter answers the click at once. gone, when not nil, is called once,
// from the worker, when a queued regeneration then changes nothing
// because the old answer's messages cannot be reached (deleted
// meanwhile): the click was already answered, so the adapter tells the
// clicker then (the bad input rule: a short answer to the
// clicker, nothing else changed).
func (e *Engine) Regenerate(ctx context.Context, p bots.Platform, replyID, userID string, admin bool, gone func(context.Context)) (bots.RegenerateResult, error) {
	if replyID == "" || userID == "" {
		return bots.RegenerateGone, errors.New("engine: regenerate: reply id and user id are required")
	}
	a, res := e.regen.take(p, replyID, userID, admin)
	if res != bots.RegenerateQueued {
		return res, nil
	}
	// The cached history holds the old answer as an id-less turn: the
	// platform's, fetched again, names its messages, which are left out.
	e.histories.Remove(a.where)
	// The same job again (a command's Ask, a translation's target), in the
	// lane of where: a follow-up asked meanwhile waits for the new answer.
	err := e.push(ctx, &job{kind: a.kind, key: a.where, conv: a.conv, msg: a.msg, ask: a.ask, target: a.target,
		queued: time.Now(), regenerating: true, regenFrom: a, regenGone: gone})
	switch {
	case errors.Is(err, bots.ErrBusy), errors.Is(err, bots.ErrUserBusy):
		e.regen.restore(replyID, a)
		return bots.RegenerateBusy, nil
	case err != nil:
		e.regen.restore(replyID, a)
		return bots.RegenerateGone, err
	}
	e.log.InfoContext(ctx, "regenerating an answer", "key", a.key.String(), "user", userID)
	return bots.RegenerateQueued, nil
}

// offerRegenerate shows the Regenerate button on a complete answer (a
// chat answer, a command's, a translation) that can be written again, and
// remembers what it answered; the answer's messages are known once its
// final text is delivered (regenerable).
func (e *Engine) offerRegenerate(reply bots.Reply, j *job) {
	c, ok := reply.(bots.Controlled)
	rg, rok := reply.(bots.Regenerable)
	_, iok := reply.(bots.MessageIDs)
	ro, where := reopenerOf(reply, j)
	if !ok || !rok || !iok || ro == nil || c.ReplyID() == "" {
		return
	}
	j.offered = &regenAnswer{platform: j.msg.Key.Platform, asker: j.msg.UserID, key: j.key,
		conv: j.conv, msg: j.msg, seq: j.seq, kind: j.kind, ask: j.ask, target: j.target,
		reopener: ro, where: where, settledCh: make(chan struct{})}
	e.regen.answers.Put(c.ReplyID(), j.offered)
	rg.OfferRegenerate()
}

// regenerable completes the record offerRegenerate made with the answer's
// messages, once its final text is delivered, even when a click already
// took it (its regenerate job waits in the lane for this); an answer
// whose final text did not arrive cannot be regenerated.
func (e *Engine) regenerable(reply bots.Reply, j *job, g generated) {
	c, ok := reply.(bots.Controlled)
	m, mok := reply.(bots.MessageIDs)
	if j.offered == nil || !ok || !mok {
		return
	}
	ids := slices.Clip(m.IDs())
	e.regen.mu.Lock()
	defer e.regen.mu.Unlock()
	j.offered.ids, j.offered.failed = ids, g.finishErr != nil
	close(j.offered.settledCh)
	if j.offered.failed {
		e.regen.answers.Remove(c.ReplyID())
	}
}

// reopenerOf is what writes j's answer again, and where: the adapter
// that opened it (a chat answer, a translation: j.conv), or, for a
// command's answer the adapter opened itself, what the reply names.
func reopenerOf(reply bots.Reply, j *job) (bots.Reopener, bots.ConversationKey) {
	if j.kind == jobAsk {
		if r, ok := reply.(bots.Reopenable); ok {
			return r.ReopenWith()
		}
		return nil, bots.ConversationKey{}
	}
	if ro, ok := j.conv.(bots.Reopener); ok {
		return ro, j.key
	}
	return nil, bots.ConversationKey{}
}

// settled returns the messages of the answer a regenerate job replaces,
// once its own job has delivered its final text (at once when that job
// ran before in the same lane; a click can come between the final text
// and this record, when the jobs run in two lanes); ok is false when its
// final text never arrived or ctx ended first.
func (r *regenerations) settled(ctx context.Context, a *regenAnswer) (ids []string, ok bool) {
	select {
	case <-a.settledCh:
	case <-ctx.Done():
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return a.ids, !a.failed && a.ids != nil
}

// reopenIDs are the messages j writes into: those an interrupted attempt
// posted, or those of the answer being regenerated.
func (j *job) reopenIDs() []string {
	if j.regenerating {
		return j.regen
	}
	if j.recovered() {
		return j.jr.reopen
	}
	return nil
}
