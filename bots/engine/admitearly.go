package engine

import (
	"context"
	"time"

	"mistralbot/bots"
)

// Early admission (issue 20): with a store whose writes wait for the
// disk (bbolt: an fsync per group commit, 2-10 ms on the load tool's
// disk, queued behind the other arrivals' commits), a question's job is
// queued before the store's admission write has committed, so that its
// worker builds the prompt and starts the model request meanwhile.
//
// The store first foresees the verdict from its committed state without
// waiting for any write (bots.AdmitPeeker: a read transaction). Only a
// question it foresees answered goes early; a duplicate the store knows
// and an asker over the rate take the ordinary path (admit, then push),
// so they never start a model request. The write then decides, as
// always: a racing delivery or the asker's message in flight may still
// turn the forecast down.
//
// Nothing reaches the platform before the admission is over: the worker
// settles the job's entry before it opens the reply (prepare), and a job
// the admission turned down (a duplicate, the asker over the rate, the
// channel disabled, the queue full for the asker) posts nothing and
// counts nothing; its dispatch tells the asker what is due, as on the
// ordinary path. So a duplicate is never answered twice: this process's
// claims are taken before the job is queued, and another process's claim
// is the write's verdict, known before the first post. A crash before the
// write commits leaves no post and no entry, so a redelivery is answered
// once. A forecast turned down costs a model request cancelled at once
// (before its first token in practice: the verdict is one commit away).
// Attachments (OCR, transcription: paid calls before the prompt) and the
// daily caps (read beside the write: no request may start past them)
// keep the ordinary path.

// goesEarly reports whether msg's job may be queued before its admission
// commits (see above), before the store's forecast.
func (e *Engine) goesEarly(msg bots.Message) bool {
	if e.stores.peek == nil || len(msg.Attachments) > 0 || e.opts.DailyUSDCap > 0 || e.opts.DailyTokensPerChannel > 0 {
		return false
	}
	cached, known := e.settings.Get(msg.SettingsID())
	return !known || cached.Enabled
}

// admitQueued is admit for a message that may go early: this process's
// claims, the store's forecast, then, foreseen answered, the job queued
// and the rest of the admission, whose verdict the job gets before
// admitQueued returns. queued reports whether it went early (err: the
// queue's refusal); otherwise the admission is admit's and the caller
// pushes the job.
func (e *Engine) admitQueued(ctx context.Context, conv bots.Conversations, msg bots.Message) (a admission, queued bool, err error) {
	keys := claimKeys(msg)
	if len(keys) > 0 && !e.claimHere(ctx, keys) {
		return a, false, nil
	}
	if !e.foreseen(ctx, msg, keys) {
		return e.admitRest(ctx, msg, keys, nil), false, nil
	}
	jr := &jobJournal{entry: e.jr.NewEntry(msg.Key, msg), ready: make(chan struct{})}
	j := &job{kind: jobMessage, key: msg.Key, conv: conv, msg: msg, queued: time.Now(), jr: jr}
	j.seq = e.regen.next()
	err = e.pool.push(j)
	a = e.admitRest(ctx, msg, keys, jr)
	answer := err == nil && a.claimed && a.set.Enabled && a.hit == nil
	if answer {
		// An older answer of the conversation is no longer the latest.
		e.regen.queued(j.key, j.seq)
	}
	jr.refused = !answer
	close(jr.ready)
	return a, true, err
}

// foreseen asks the store whether msg's admission would be won within
// the asker's rate (a store error: not foreseen, the write decides).
func (e *Engine) foreseen(ctx context.Context, msg bots.Message, keys []string) bool {
	res, err := e.stores.peek.PeekAdmit(ctx, bots.Admission{Keys: keys, TTL: e.opts.DedupeTTL, Rate: e.rateTake(msg)})
	return err == nil && res.Won && !res.Limited
}
