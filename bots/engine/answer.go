package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/i18n"
)

// finishTimeout bounds delivering a final text once the reply's own context
// is over (shutdown cut, reply timeout).
const finishTimeout = 15 * time.Second

type jobKind int

const (
	jobMessage   jobKind = iota // a chat message: history + answer
	jobAsk                      // a command's Ask into an adapter's Reply
	jobTranslate                // a flag reaction's translation
)

// job is one queued answer.
type job struct {
	kind jobKind
	key  bots.ConversationKey
	conv bots.Conversations // jobMessage, jobTranslate: where the reply opens
	// msg is the asker's message (jobAsk: the command's Msg).
	msg    bots.Message
	reply  bots.Reply // jobAsk: opened by the adapter
	ask    *bots.Ask
	target string    // jobTranslate: normalized target language
	queued time.Time // time.Now at enqueue, for the wait metric
	jr     *jobJournal
	// seq numbers the job among those push queued (regenerate.go).
	seq uint64
	// regenerating: a Regenerate click's job, written into regen, the
	// messages of the old answer regenFrom (known when the job starts),
	// which are left out of its history.
	regenerating bool
	regenFrom    *regenAnswer
	regen        []string
	// regenGone tells the clicker of a regenerate that could not reach
	// the old answer (Engine.Regenerate's gone; nil: nobody to tell).
	regenGone func(context.Context)
	// offered is the record of this job's answer a Regenerate click may
	// take (regenerate.go).
	offered *regenAnswer
}

// process produces one answer. Every path ends with the reply finished,
// except when the reply cannot even be opened (then the platform is down
// and nobody can be told; it is logged).
//
// process and generate are on the worker's stack for the whole streamed
// answer, below the blocking read of the model's stream: their frames
// decide the stack a reply holds while it waits for tokens (the runtime
// shrinks a parked goroutine's stack at GC only while it uses less than a
// quarter of it, runtime/stack.go shrinkstack). So they keep little on
// the stack: the answer's state is the heap answer (about half a KB)
// that prepare (prepare.go) builds and conclude reads, and the work with large frames
// (settings, history, prompt, opening the reply; the outcome's texts)
// runs in functions that have returned before the first read. The stack
// in use at the blocking read went from about 5 KB (process 2.2 KB and
// generate 1.2 KB of frames) to about 2.2 KB: below the quarter of 8 KiB
// (less the runtime's 800-byte allowance), so the GC halves a reading
// reply's stack to 8 KiB instead of leaving it at 16 (measured by
// BenchmarkHeldPerAnswer and the load tool: BENCHMARKS.md, issue 20
// session 8). 4 KiB would need the whole chain under 1.2 KB; the part
// below the Engine (llm, bufio, net/http's HTTP/2 body) is 1.1 KB alone.
func (e *Engine) process(work context.Context, j *job) {
	// Durations use the real monotonic clock; e.now (injectable) is for
	// calendar decisions: limits, the date in the prompt.
	start := time.Now()
	ctx, cancel := context.WithTimeout(work, e.replyTimeout())
	defer cancel()
	// The model request's own context: a Stop click cancels it (stop.go),
	// not the reply, which still delivers the text so far.
	lctx, lcancel := context.WithCancelCause(ctx)
	defer lcancel(nil)
	a := e.prepare(work, ctx, lctx, lcancel, j, start)
	if a == nil {
		return // not opened, or expired: finished there
	}
	e.generate(work, ctx, lctx, a)
	a.release()
	e.finished(work, j, a, start)
}

// answer is one answer's state from its prompt to its final text, on the
// heap so that process and generate keep small frames (see process).
type answer struct {
	j         *job
	reply     bots.Reply // journaled: what the text goes to
	base      bots.Reply // the adapter's reply
	req       bots.ModelRequest
	early     *earlyStream
	lang      string
	notes     []string
	plan      *answerPlan
	usage     bots.Usage
	release   func() // the Stop control's end
	firstCall time.Duration
	g         generated // what generate produced
}

// finished closes a generated answer's books: regenerate, journal, tool
// records, conversation memory and the reply's statistics.
func (e *Engine) finished(work context.Context, j *job, a *answer, start time.Time) {
	plan, base, g := a.plan, a.base, &a.g
	e.regenerable(base, j, *g)
	// Finished: out of the journal, unless the last text did not reach the
	// platform for a reason that may pass (shutdown, the platform down or
	// rate limiting): another attempt completes it.
	e.journalEnd(work, j, undelivered(work, g.finishErr))
	plan.tools.end(work, undelivered(work, g.finishErr))
	if g.outcome == bots.OutcomeOK || g.outcome == bots.OutcomeLength {
		e.remember(j, g.text)
	}
	e.done(bots.ReplyStats{
		Platform: j.key.Platform, Outcome: g.outcome, Model: g.result.Model, Usage: a.usage,
		ErrorCode: g.code,
		Queued:    start.Sub(j.queued), FirstToken: g.result.FirstToken, Total: time.Since(j.queued),
		EventToFirstCall: a.firstCall, FirstVisible: visibleAfter(base, g.firstTokenAt),
	})
}

// expire finishes a recovered reply asked too long ago for an answer to
// make sense now: the "interrupted" notice.
func (e *Engine) expire(work, ctx context.Context, j *job, reply bots.Reply, lang string, start time.Time) {
	err := e.finish(ctx, reply, e.tr(lang, i18n.Interrupted))
	e.journalEnd(work, j, undelivered(work, err))
	e.done(bots.ReplyStats{Platform: j.key.Platform, Outcome: bots.OutcomeInterrupted, Queued: start.Sub(j.queued)})
}

// promptInput gathers what the prompt of j is built from: the thread's
// history for a message (without a recovered reply's own partial
// answer), the command's question, or the text to translate.
func (e *Engine) promptInput(ctx context.Context, j *job, set bots.Settings) promptInput {
	in := promptInput{settings: set, platform: j.msg.Key.Platform, now: e.now()}
	switch j.kind {
	case jobMessage:
		in.turns = e.history(ctx, j.conv, j.msg)
		if j.recovered() || j.regenerating {
			in.turns = withoutMessages(in.turns, j.reopenIDs())
		}
	case jobAsk:
		in.turns = []bots.Turn{j.ask.Turn}
		in.task, in.answerIn = j.ask.Task, j.ask.AnswerIn
	case jobTranslate:
		in.turns = []bots.Turn{{Role: bots.UserTurn, Text: j.msg.Text}}
		in.task, in.answerIn = commands.TranslateTask(j.target), j.target
	}
	return in
}

// request is the model request of prompt p, asked by msg's author.
func (e *Engine) request(set bots.Settings, p prompt, msg bots.Message) bots.ModelRequest {
	temp := e.opts.Temperature
	return bots.ModelRequest{
		Model:       set.Model,
		Messages:    p.messages,
		Temperature: &temp,
		MaxTokens:   p.maxTokens,
		User:        anonymize(bots.UserID(msg.Key.Platform, msg.UserID)),
	}
}

// questionNotes are the notices the answer ends with whatever the model
// says: history trimmed, files the model saw only in part or not at all.
func (e *Engine) questionNotes(lang string, in promptInput, p prompt) []string {
	var notes []string
	if p.dropped > 0 {
		notes = append(notes, e.tr(lang, i18n.HistoryTrimmed, p.dropped))
	}
	question := in.turns[len(in.turns)-1]
	for _, a := range question.Attachments {
		if a.Truncated {
			notes = append(notes, e.tr(lang, i18n.AttachmentTruncated, a.Name, len(a.Text)))
		}
	}
	notes = append(notes, e.fileNotes(lang, question, p, in.scans.failed, in.voice.lines)...)
	return append(notes, in.scans.notes...)
}

// remember updates what the Engine knows of the conversation after a
// complete answer: the thread is joined (but for translations), and the
// cached history gains the answer or is dropped to be fetched again.
func (e *Engine) remember(j *job, text string) {
	switch {
	case j.recovered() || j.regenerating:
		// The fetched history holds the partial (or replaced) answer:
		// fetch again.
		if j.kind != jobTranslate {
			e.joined.Put(j.key, struct{}{})
		}
		e.histories.Remove(j.key)
	case j.kind == jobMessage:
		e.joined.Put(j.key, struct{}{})
		e.addReply(j.key, j.msg.ID, bots.Turn{Role: bots.BotTurn, Text: text})
	case j.kind == jobAsk:
		// A command run inside a thread joins it. Where the answer
		// lands is the adapter's choice; the next fetch will tell.
		e.joined.Put(j.key, struct{}{})
		e.histories.Remove(j.key)
	case j.kind == jobTranslate:
		// A translation is a service, not joining the discussion: the
		// people talking there are not followed up.
		e.histories.Remove(j.key)
	}
}

// visibleAfter is the time from the first token to the first text on the
// platform, when the reply tells it (bots.FirstPoster); 0 when unknown.
func visibleAfter(reply bots.Reply, firstToken time.Time) time.Duration {
	fp, ok := reply.(bots.FirstPoster)
	if !ok || firstToken.IsZero() {
		return 0
	}
	if at := fp.FirstPost(); at.After(firstToken) {
		return at.Sub(firstToken)
	}
	return 0
}

// generated is what generate produced.
type generated struct {
	text      string // the model's text (without notices)
	outcome   bots.Outcome
	result    bots.ModelResult
	started   bool      // the provider accepted the request
	code      bots.Code // the error's code, "" on success
	finishErr error     // the final text did not reach the platform
	// firstTokenAt is when the first visible text came from the model.
	firstTokenAt time.Time
}

// generate streams the model's answer into a's reply and finishes it,
// leaving what it produced in a.g. The
// final text always says what happened: the answer, the answer plus a
// notice (length limit, cut off, interrupted), or the localized error. A
// recovered reply that fails says it was interrupted: the asker has been
// waiting across a restart.
//
// lctx is the model request's context (ctx or derived from it): when a
// Stop click cancelled it, the answer ends with the text so far and the
// Stopped notice. Its frame is on the stack while the stream is read
// (see process): the outcome's work is in conclude.
//
// The stream is closed and forgotten before conclude: delivering the
// final text can wait seconds for the platform's budget (a Discord
// channel's or the global one, with hundreds of answers waiting at
// 1,000 in flight), and an answer waiting there needs only its text and
// result, not the model's stream or its wrapper (issue 20, session 9).
func (e *Engine) generate(work, ctx, lctx context.Context, a *answer) {
	g := &a.g
	st, err := a.stream(lctx)
	if err == nil {
		g.started = true
		g.text, g.firstTokenAt, err = e.read(ctx, st, a.reply)
		g.result = st.Result()
		st.Close()
	}
	a.early = nil // its context is lctx: process cancels it
	e.conclude(work, ctx, lctx, a, err)
}

// stream is the answer's model stream: the early one, or asked now.
//
//go:noinline (bots.ModelRequest by value would widen generate's frame: see process)
func (a *answer) stream(lctx context.Context) (bots.TokenStream, error) {
	if a.early != nil {
		return a.early.get()
	}
	return a.plan.stream(lctx, a.req)
}

// conclude decides the outcome of the read that ended with err, and
// delivers the final text with its notices (generate).
//
//go:noinline (its frame is large and needed only after the read: see process)
func (e *Engine) conclude(work, ctx, lctx context.Context, a *answer, err error) {
	g, lang, notes, plan, req := &a.g, a.lang, a.notes, a.plan, &a.req
	final := g.text
	switch {
	case err != nil && wasStopped(lctx):
		// Stopped by the asker: what was written stays, with the notice.
		g.outcome, err = bots.OutcomeStopped, nil
		notes = append(notes, e.tr(lang, i18n.Stopped))
		if strings.TrimSpace(g.text) == "" {
			final, notes = e.tr(lang, i18n.Stopped), notes[:len(notes)-1]
		}
	case err == nil && strings.TrimSpace(g.text) == "":
		g.outcome = bots.OutcomeError
		final = e.tr(lang, i18n.ErrUnavailable)
		e.log.WarnContext(ctx, "model returned an empty answer", "model", g.result.Model)
	case err == nil && g.result.FinishReason == "length", errors.Is(err, errReplyCap) && strings.TrimSpace(g.text) != "":
		if err != nil {
			e.log.WarnContext(ctx, "model answer cut at the reply cap", "bytes", len(g.text), "max_tokens", req.MaxTokens)
			err = nil
		}
		g.outcome = bots.OutcomeLength
		notes = append(notes, e.tr(lang, i18n.LengthLimit))
	case err == nil:
		g.outcome = bots.OutcomeOK
	default:
		reason, outcome := e.failure(work, ctx, err, lang, req.Model)
		if plan.tooLong > 0 {
			reason = e.tr(lang, i18n.MessageTooLong, plan.tooLong)
		}
		if a.j.recovered() {
			reason, outcome = e.tr(lang, i18n.Interrupted), bots.OutcomeInterrupted
		}
		g.outcome, g.code = outcome, bots.CodeOf(err)
		e.log.ErrorContext(ctx, "answer failed", "outcome", outcome, "partial", len(g.text), "err", err)
		if strings.TrimSpace(g.text) == "" {
			final = reason
		} else if outcome == bots.OutcomeInterrupted {
			notes = append(notes, e.tr(lang, i18n.Interrupted))
		} else {
			g.outcome = bots.OutcomeCutOff
			notes = append(notes, e.tr(lang, i18n.CutOff, reason))
		}
	}
	if g.result.Truncated {
		notes = append(notes, e.tr(lang, i18n.ContextTruncated, g.result.ContextTokens))
	}
	if g.result.ImagesDropped { // the provider refused them: answered from the text
		notes = append(notes, e.tr(lang, i18n.ImagesNotRead))
	}
	notes = plan.notes(lang, notes)
	if plan.beforeFinish != nil {
		plan.beforeFinish(*g)
	}
	// The last edits may wait on the platform's budget: they get
	// finishTimeout beyond the reply's deadline (only the shutdown cut ends
	// them sooner), so that an answer complete just before ReplyTimeout is
	// not left half-written.
	fctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		fctx, cancel = context.WithDeadline(work, dl.Add(finishTimeout))
		defer cancel()
	}
	g.finishErr = e.finish(fctx, a.reply, withNotes(final, notes))
}

// byteTokens is an optional bots.TokenStream capability: NextBytes is
// Next with the text as a view valid until the following call, so the
// answer grows without a string allocated per token.
type byteTokens interface {
	NextBytes() ([]byte, error)
}

// read streams the model's text into reply until the stream ends (nil
// error at its normal end) or the reply cap cuts it (errReplyCap).
func (e *Engine) read(ctx context.Context, st bots.TokenStream, reply bots.Reply) (text string, firstToken time.Time, err error) {
	var b strings.Builder
	var scratch []byte
	next := func() ([]byte, error) {
		d, err := st.Next()
		scratch = append(scratch[:0], d...)
		return scratch, err
	}
	if bt, ok := st.(byteTokens); ok {
		// A view of the stream's buffer, copied into b before the next
		// call.
		next = bt.NextBytes
	}
	updateFailed := false
	for {
		var d []byte
		d, err = next()
		if len(d) > 0 {
			if firstToken.IsZero() {
				firstToken = time.Now()
			}
			if appendCapped(&b, d, e.opts.MaxReplyBytes) {
				// A runaway model: the request ends now, not once the
				// final text is delivered; the answer ends with the
				// length notice.
				st.Close()
				err = errReplyCap
			}
			if uerr := reply.Update(ctx, b.String()); uerr != nil && !updateFailed {
				// Finish still delivers the text; log the first failure only.
				updateFailed = true
				e.log.WarnContext(ctx, "reply update failed", "err", uerr)
			}
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return b.String(), firstToken, err
}

// withNotes appends notices after the text. Notices go at the end so that
// the streamed text is a prefix of the final one (no jump when the last
// edit lands) and the first visible words are the answer itself. This
// format ("\n\n" then a catalog notice) is what i18n.StripNotices removes
// from the bot's turns before they go back to the model.
func withNotes(text string, notes []string) string {
	if len(notes) == 0 {
		return text
	}
	var b strings.Builder
	b.WriteString(text)
	for _, n := range notes {
		b.WriteString("\n\n")
		b.WriteString(n)
	}
	return b.String()
}

// finish delivers text, on a fresh bounded context when ctx is already over
// (shutdown or timeout): a reply is never left without its last words. The
// error (logged here) says the text did not arrive.
func (e *Engine) finish(ctx context.Context, reply bots.Reply, text string) error {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
	}
	err := reply.Finish(ctx, text)
	if err != nil {
		e.log.ErrorContext(ctx, "reply finish failed", "err", err)
	}
	return err
}

// interrupt finishes a queued job that will never run (shutdown).
func (e *Engine) interrupt(ctx context.Context, j *job) {
	msg := j.msg
	set := e.Settings(ctx, msg.SettingsID())
	text := e.tr(e.uiLanguage(set, msg), i18n.Interrupted)
	j.jr.settle()
	reply := j.reply
	if reply == nil {
		r, err := e.openReply(ctx, j)
		if err != nil {
			e.log.ErrorContext(ctx, "cannot open reply to say the bot stops", "key", j.key.String(), "err", err)
			e.journalEnd(ctx, j, true)
			return
		}
		reply = r
	}
	// Left journaled when the notice did not arrive: the next start says it.
	e.journalEnd(ctx, j, e.finish(ctx, reply, text) != nil)
	e.done(bots.ReplyStats{Platform: j.key.Platform, Outcome: bots.OutcomeInterrupted, Queued: time.Since(j.queued)})
}

// anonymize turns a user id into the opaque id sent to the provider for
// abuse tracking: stable per user, not the platform id itself.
func anonymize(id string) string {
	sum := sha256.Sum256([]byte("mistralbot:" + id))
	return hex.EncodeToString(sum[:8])
}
