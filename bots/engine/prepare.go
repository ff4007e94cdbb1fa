package engine

import (
	"cmp"
	"context"
	"time"

	"mistralbot/bots"
)

// prepare builds the prompt, asks the model and opens the reply. It
// returns nil when the answer is over already: the reply could not be
// opened, or a recovered question expired (finished with its notice).
//
//go:noinline (its large frame must be gone before the stream is read: see process)
func (e *Engine) prepare(work, ctx, lctx context.Context, lcancel context.CancelCauseFunc, j *job, start time.Time) *answer {
	set := e.Settings(ctx, j.msg.SettingsID())
	lang := e.uiLanguage(set, j.msg)
	if j.regenerating {
		// The old answer's job ran before this one in the lane, or (a
		// slash command's answer, regenerated in its thread's lane) is
		// about to record its messages.
		j.regen, _ = e.regen.settled(ctx, j.regenFrom)
	}
	in := e.promptInput(ctx, j, set)
	in.scans = e.readScans(ctx, lang, &in)
	in.voice = e.readVoice(ctx, lang, &in)
	reply := j.reply
	expired := j.recovered() && j.jr.expired
	p := e.buildPrompt(in)
	plan := e.newPlan(in, p)
	if j.kind != jobTranslate {
		plan.tools = e.toolTurn(j, lang)
	}
	a := &answer{j: j, req: e.request(set, p, j.msg), lang: lang, plan: plan}
	if reply == nil {
		// Opening the reply is a platform round trip (a Discord thread);
		// the model is asked meanwhile, so that it never waits for it.
		if !expired {
			a.early = e.startStream(lctx, a.req, plan)
		}
		j.jr.settle() // the entry is stored before anything is posted
		r, err := e.openReply(ctx, j)
		if err != nil {
			a.early.discard()
			e.notOpened(work, ctx, j, err, start)
			return nil
		}
		reply = r
		a.firstCall = time.Since(j.queued)
	}
	j.jr.settle()
	a.base = reply
	if plan.tools != nil {
		plan.tools.reply = a.base
	}
	if j.kind == jobMessage {
		// The bot is in the thread from its first reply on: a follow-up
		// posted while this answer streams needs no mention either (it
		// waits in this conversation's lane and is answered next).
		e.joined.Put(j.key, struct{}{})
	}
	a.reply = e.journaled(j, reply)
	if expired {
		e.expire(work, ctx, j, a.reply, lang, start)
		return nil
	}
	a.notes = e.questionNotes(lang, in, p)
	a.release = e.controlled(a.base, j.msg, lcancel)
	plan.beforeFinish = func(g generated) {
		// The answer is written: a click from now on is told so (StopOver).
		a.release()
		a.usage = e.settleUsage(ctx, j.msg, plan.p, g, in.scans.costUSD+in.voice.costUSD)
		if g.outcome == bots.OutcomeOK || g.outcome == bots.OutcomeLength {
			e.offerRegenerate(a.base, j) // regenerate.go
			e.offerFeedback(a.base, j.msg, cmp.Or(g.result.Model, a.req.Model), a.lang)
		}
	}
	return a
}

// notOpened ends a job whose reply could not be opened.
func (e *Engine) notOpened(work, ctx context.Context, j *job, err error, start time.Time) {
	if j.regenerating {
		// The old answer was deleted (or never posted): nothing
		// is written; the clicker is told (Regenerate's gone).
		e.log.WarnContext(ctx, "regenerate: the old answer cannot be reached; nothing changed", "key", j.key.String(), "err", err)
		if j.regenGone != nil {
			j.regenGone(ctx)
		}
	} else {
		e.log.ErrorContext(ctx, "cannot open reply", "key", j.key.String(), "err", err)
	}
	e.journalEnd(work, j, undelivered(work, err))
	e.done(bots.ReplyStats{Platform: j.key.Platform, Outcome: bots.OutcomeError, Queued: start.Sub(j.queued)})
}
