package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/stream"
	"mistralbot/internal/retry"
	"mistralbot/internal/wait"
)

// nativeRefusal is how long a workspace that refused chat.startStream is
// served by post+update before native streaming is tried again.
const nativeRefusal = 10 * time.Minute

// nativeReply streams an answer with chat.startStream, chat.appendStream
// and chat.stopStream (markdown_text, so Slack renders the Markdown
// itself). Appends are optional and paced (EditInterval per reply, the
// workspace's Tier 4 budget); the last text always goes with stopStream,
// whose call was paid for when the stream started. When Slack refuses
// streaming, the budget is spent, or the answer outgrows one streamed
// message, the rest goes through the post+update fallback Streamer.
type nativeReply struct {
	a        *Adapter
	ws       *workspace
	key      bots.ConversationKey
	to       bots.Message
	status   *statusOp
	sink     *threadSink
	fallback *stream.Streamer

	mu       sync.Mutex
	text     string
	final    bool
	started  bool
	finished bool
	result   error
	kick     chan struct{}
	done     chan struct{}
	tasks    []bots.ToolTask // queued task_update chunks (nativetasks.go)
	tasksOff bool            // tasks go to the thread's status instead

	// Owned by the loop (or by Finish once the loop has ended).
	ts          string // the streamed message
	sent        string // raw text delivered to the stream
	sentRunes   int    // runes of neutralized text delivered
	lastCall    time.Time
	useFallback bool   // the whole reply goes through fallback
	contFrom    int    // with contActive: raw offset where fallback starts
	contFence   string // fence reopened at contFrom
	contActive  bool
	// pendEnd and pendChunk are an append whose outcome is unknown: its
	// raw end in text and what it sent (pendEnd 0: none).
	pendEnd   int
	pendChunk string

	firstPost time.Time   // under mu: when the stream started
	rated     atomic.Bool // OfferFeedback was called (controls.go)
}

var (
	_ bots.Reply       = (*nativeReply)(nil)
	_ bots.MessageIDs  = (*nativeReply)(nil)
	_ bots.FirstPoster = (*nativeReply)(nil)
)

// FirstPost implements bots.FirstPoster: when the stream started (its
// first text became visible), else when the fallback first posted.
func (r *nativeReply) FirstPost() time.Time {
	r.mu.Lock()
	t := r.firstPost
	r.mu.Unlock()
	if t.IsZero() {
		return r.fallback.FirstPost()
	}
	return t
}

func (r *nativeReply) markFirst() {
	r.mu.Lock()
	if r.firstPost.IsZero() {
		r.firstPost = time.Now()
	}
	r.mu.Unlock()
}

// findStarted looks in the thread for a stream a startStream with an
// unknown outcome opened: the bot's newest message there whose text is
// chunk and that no reply of this process knows. "" when there is none
// (or the thread cannot be read: then a second message is the lesser
// harm than silence).
func (r *nativeReply) findStarted(ctx context.Context, chunk string) string {
	msgs, _, _, err := r.a.api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
		ChannelID: r.key.Channel, Timestamp: r.key.Thread, Oldest: r.to.ID, Limit: 100})
	if err != nil {
		r.a.log.WarnContext(ctx, "cannot read the thread back after an unclear chat.startStream", "channel", r.key.Channel,
			"err", r.a.apiErr(ctx, "conversations.replies", err, nil))
		return ""
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Timestamp != r.key.Thread && r.a.isOwn(m.User, m.BotID) && strings.TrimSpace(messageBody(m)) == strings.TrimSpace(chunk) {
			return m.Timestamp
		}
	}
	return ""
}

// messageBody is what a message shows: its text (a streamed message's
// markdown comes back as text).
func messageBody(m slackgo.Message) string { return m.Text }

func (a *Adapter) newNativeReply(ws *workspace, key bots.ConversationKey, to bots.Message, st *statusOp, sink *threadSink, fallback *stream.Streamer) *nativeReply {
	return &nativeReply{a: a, ws: ws, key: key, to: to, status: st, sink: sink, fallback: fallback,
		kick: make(chan struct{}, 1), done: make(chan struct{})}
}

// Update implements bots.Reply; it never blocks on Slack.
func (r *nativeReply) Update(ctx context.Context, text string) error {
	r.mu.Lock()
	if r.final {
		r.mu.Unlock()
		return errors.New("slack: update after finish")
	}
	r.text = text
	start := !r.started
	r.started = true
	r.mu.Unlock()
	if start {
		go r.loop(ctx)
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return nil
}

// Finish implements bots.Reply: it delivers the final text and returns the
// error that prevented it.
func (r *nativeReply) Finish(ctx context.Context, text string) error {
	r.mu.Lock()
	r.text, r.final = text, true
	started := r.started
	r.mu.Unlock()
	var err error
	finished := false
	if started {
		select {
		case r.kick <- struct{}{}:
		default:
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.mu.Lock()
		finished, err = r.finished, r.result
		r.mu.Unlock()
	}
	if !finished {
		err = r.deliverFinal(ctx, text)
	}
	r.sink.done()
	r.status.end(ctx, r.ts != "" || len(r.fallback.IDs()) > 0)
	r.sink.undelivered(ctx, err)
	return err
}

func (r *nativeReply) loop(ctx context.Context) {
	defer close(r.done)
	var wait <-chan time.Time
	for {
		select {
		case <-r.kick:
		case <-wait:
		case <-ctx.Done():
			return
		}
		wait = nil
		r.mu.Lock()
		text, final := r.text, r.final
		r.mu.Unlock()
		if final {
			r.flushTasks(ctx, text) // the last tasks' ends, once, before the stop
			err := r.deliverFinal(ctx, text)
			r.mu.Lock()
			r.finished, r.result = ctx.Err() == nil || err == nil, err
			r.mu.Unlock()
			return
		}
		retry := r.flushTasks(ctx, text)
		if d := r.step(ctx, text); d > 0 && (retry == 0 || d < retry) {
			retry = d
		}
		if d := r.flushTasks(ctx, text); d > 0 && (retry == 0 || d < retry) {
			retry = d // the stream may just have started
		}
		if retry > 0 {
			wait = time.After(retry)
		}
	}
}

// contText is the part of text the fallback carries after an overflow.
func (r *nativeReply) contText(text string) string {
	if !r.contActive {
		return text
	}
	if r.contFrom > len(text) {
		return ""
	}
	return r.contFence + text[r.contFrom:]
}

// step brings the stream up to an intermediate text; it returns when to
// try again (0: wait for the next update).
func (r *nativeReply) step(ctx context.Context, text string) time.Duration {
	if r.useFallback || r.contActive {
		_ = r.fallback.Update(ctx, r.contText(text))
		return 0
	}
	if !strings.HasPrefix(text, r.sent) {
		return 0 // not an extension of what was streamed: Finish sorts it out
	}
	stable := stablePrefix(text)
	if r.ts == "" {
		if strings.TrimSpace(text[:stable]) == "" {
			return 0
		}
		r.start(ctx, text, stable)
		if r.useFallback {
			_ = r.fallback.Update(ctx, text)
		}
		return 0
	}
	if stable <= len(r.sent) {
		return 0
	}
	if left := r.a.opts.EditInterval - r.a.now().Sub(r.lastCall); left > 0 {
		return left
	}
	end := fitMarkdown(text, len(r.sent), stable, markdownLimit-r.sentRunes)
	if end < stable {
		// The answer outgrows one streamed message: close it here and go
		// on in new messages.
		r.overflow(ctx, text, end)
		return 0
	}
	if !r.ws.appends.Allow() {
		return 250 * time.Millisecond
	}
	if err := r.settle(ctx, text); err != nil {
		return retryDelay(err)
	}
	if len(r.sent) >= end {
		return 0
	}
	chunk := neutralizeMarkdown(text[len(r.sent):end])
	tctx, w := traced(ctx)
	_, _, err := r.a.api.AppendStreamContext(tctx, r.key.Channel, r.ts, slackgo.MsgOptionMarkdownText(chunk))
	r.lastCall = r.a.now()
	if err != nil {
		err = r.a.logCallErr(ctx, "chat.appendStream", r.key.Channel, r.a.apiErr(ctx, "chat.appendStream", err, w))
		switch bots.ClassOf(err) {
		case bots.Transient:
			// A Slack hiccup or a 429, not the end of the stream.
			if ce := (*CallError)(nil); errors.As(err, &ce) && ce.rateLimited() {
				r.ws.appends.Pause(ce.RetryAfter())
			}
			return retryDelay(err)
		case bots.Uncertain:
			// The chunk may be in the message: it is read back before
			// anything else is sent (an append is not idempotent).
			r.pendEnd, r.pendChunk = end, chunk
			return retryDelay(err)
		}
		// The stream is over for good (stopped, archived, deleted, the
		// text refused): the rest of the answer, or all of it when the
		// message is gone, continues in new messages. Stopped by its
		// reader, the model request is stopped too (nativestop.go).
		if !r.stoppedByUser(ctx, err) {
			r.abandon(ctx, err)
		}
		r.continueAt(ctx, text, r.goneOr(err, len(r.sent)))
		return 0
	}
	r.sent, r.sentRunes = text[:end], r.sentRunes+runeLen(chunk)
	return 0
}

// settle finds out whether an append whose outcome was unknown arrived
// (reading the message back) and counts it as sent if it did.
func (r *nativeReply) settle(ctx context.Context, text string) error {
	if r.pendEnd == 0 {
		return nil
	}
	arrived, err := r.arrived(ctx, r.pendChunk)
	if err != nil {
		return err
	}
	if arrived && r.pendEnd <= len(text) {
		r.sent, r.sentRunes = text[:r.pendEnd], r.sentRunes+runeLen(r.pendChunk)
	}
	r.pendEnd, r.pendChunk = 0, ""
	return nil
}

// abandon stops, as it is, a stream that refused an append for good, so
// that it does not stay "streaming" until Slack times it out (a stream
// already stopped answers message_not_in_streaming_state: harmless); a
// deleted one needs nothing.
func (r *nativeReply) abandon(ctx context.Context, cause error) {
	if errors.Is(cause, bots.ErrMessageGone) {
		return
	}
	tctx, w := traced(ctx)
	if _, _, err := r.a.api.StopStreamContext(tctx, r.key.Channel, r.ts); err != nil {
		_ = r.a.logCallErr(ctx, "chat.stopStream", r.key.Channel, r.a.apiErr(ctx, "chat.stopStream", err, w))
	}
}

// retryDelay is the pause before retrying a call that failed with err.
func retryDelay(err error) time.Duration {
	var de bots.DeliveryError
	var after time.Duration
	if errors.As(err, &de) {
		after = de.RetryAfter()
	}
	return nativeRetry.Delay(0, after)
}

// nativeRetry spaces the native stream's retries: what Slack asked, up to
// a minute, else serverRetry.
var nativeRetry = retry.Backoff{Base: serverRetry, MaxAfter: time.Minute}

// goneOr returns 0 when err says the streamed message was deleted (its
// text must be written again, from the start), else end; a deleted
// message also leaves the reply's ids.
func (r *nativeReply) goneOr(err error, end int) int {
	if !errors.Is(err, bots.ErrMessageGone) {
		return end
	}
	r.mu.Lock()
	r.ts = ""
	r.mu.Unlock()
	r.sentRunes = 0
	return 0
}

// arrived reads the streamed message back and reports whether it ends
// with chunk: after an append or stop whose outcome is unknown, the only
// way to neither lose nor repeat it.
func (r *nativeReply) arrived(ctx context.Context, chunk string) (bool, error) {
	m, err := r.a.fetchMessage(ctx, r.key.Channel, r.ts)
	if err != nil {
		return false, err
	}
	return strings.HasSuffix(strings.TrimRight(messageBody(m), "\n"), strings.TrimRight(chunk, "\n")), nil
}

// start opens the stream with the first text, or switches the reply to the
// fallback when the workspace's stream budget is spent or Slack refuses.
func (r *nativeReply) start(ctx context.Context, text string, stable int) {
	if !r.ws.streams.AllowN(2, 0) {
		r.a.log.DebugContext(ctx, "native streaming budget spent; using post+update", "channel", r.key.Channel)
		r.useFallback = true
		return
	}
	r.status.wait(ctx)
	end := fitMarkdown(text, 0, stable, markdownLimit)
	chunk := neutralizeMarkdown(text[:end])
	tctx, w := traced(ctx)
	_, ts, err := r.a.api.StartStreamContext(tctx, r.key.Channel, slackgo.MsgOptionTS(r.key.Thread),
		slackgo.MsgOptionMarkdownText(chunk), slackgo.MsgOptionRecipientUserID(r.to.UserID),
		slackgo.MsgOptionRecipientTeamID(r.key.Team))
	r.lastCall = r.a.now()
	if err != nil {
		err = r.a.apiErr(ctx, "chat.startStream", err, w)
		switch bots.ClassOf(err) {
		case bots.Transient:
			// A Slack hiccup or a 429, not a refusal: this reply falls
			// back, the next one streams again.
			if ce := (*CallError)(nil); errors.As(err, &ce) && ce.rateLimited() {
				r.ws.streams.Pause(ce.RetryAfter())
			}
			_ = r.a.logCallErr(ctx, "chat.startStream", r.key.Channel, err)
		case bots.Uncertain:
			// The stream may have started: find it in the thread and
			// carry on there rather than answer twice.
			_ = r.a.logCallErr(ctx, "chat.startStream", r.key.Channel, err)
			if found := r.findStarted(ctx, chunk); found != "" {
				ts = found
				break
			}
		default:
			r.ws.refuseNative(r.a.now().Add(nativeRefusal))
			r.a.log.WarnContext(ctx, "slack refused native streaming; using chat.postMessage + chat.update",
				"channel", r.key.Channel, "code", errorCode(err), "err", err, "retry_in", nativeRefusal)
		}
		if ts == "" {
			r.useFallback = true
			return
		}
	}
	r.markFirst()
	r.mu.Lock() // IDs reads ts from the Engine's journal
	r.ts = ts
	r.mu.Unlock()
	r.sent, r.sentRunes = text[:end], runeLen(chunk)
}

// overflow stops the stream with text up to end (closing an open code
// fence) and hands the rest to the fallback, reopening the fence.
func (r *nativeReply) overflow(ctx context.Context, text string, end int) {
	fence := fenceAt(text, end)
	chunk := neutralizeMarkdown(text[len(r.sent):end])
	if fence != "" {
		chunk += "\n" + fenceCloser(fence)
	}
	if err := r.stop(ctx, chunk); err != nil {
		end = r.goneOr(err, len(r.sent)) // the chunk did not arrive: the fallback carries it
	}
	r.continueAt(ctx, text, end)
}

// continueAt hands text from end on to the fallback (the stream is over).
func (r *nativeReply) continueAt(ctx context.Context, text string, end int) {
	r.sent = text[:end]
	r.contActive, r.contFrom, r.contFence = true, end, ""
	if fence := fenceAt(text, end); fence != "" {
		r.contFence = fence + "\n"
	}
	_ = r.fallback.Update(ctx, r.contText(text))
}

// deliverFinal delivers the final text: with stopStream when streaming,
// else through the fallback (a single chat.postMessage is cheaper than
// start+stop when the whole answer is already there).
func (r *nativeReply) deliverFinal(ctx context.Context, text string) error {
	if r.useFallback || r.contActive {
		return r.fallback.Finish(ctx, r.contText(text))
	}
	if r.ts == "" {
		r.useFallback = true
		return r.fallback.Finish(ctx, text)
	}
	for attempt := 0; r.pendEnd > 0; attempt++ {
		err := r.settle(ctx, text)
		if err == nil {
			break
		}
		if attempt >= 3 || ctx.Err() != nil {
			// Cannot tell: the chunk is sent again rather than lost.
			r.a.log.WarnContext(ctx, "cannot tell whether an append arrived; sending it again", "channel", r.key.Channel, "err", err)
			r.pendEnd, r.pendChunk = 0, ""
			break
		}
		if wait.Sleep(ctx, retryDelay(err)) != nil {
			r.pendEnd, r.pendChunk = 0, ""
		}
	}
	if !strings.HasPrefix(text, r.sent) {
		// The final text rewrote what was streamed (never done by the
		// Engine): close the stream as it is and post the rest.
		r.a.log.WarnContext(ctx, "final text does not extend the streamed text", "channel", r.key.Channel)
		common := commonPrefix(text, r.sent)
		r.sent = text[:common]
	}
	end := fitMarkdown(text, len(r.sent), len(text), markdownLimit-r.sentRunes)
	if end < len(text) {
		r.overflow(ctx, text, end)
		return r.fallback.Finish(ctx, r.contText(text))
	}
	if err := r.stop(ctx, neutralizeMarkdown(text[len(r.sent):]), r.feedbackBlocks(ctx)...); err != nil {
		r.continueAt(ctx, text, r.goneOr(err, len(r.sent)))
		return r.fallback.Finish(ctx, r.contText(text))
	}
	r.sent = text
	return nil
}

// stop calls chat.stopStream with the last chunk, waiting and retrying
// (bounded) a Transient failure: its budget was reserved when the stream
// started. After an Uncertain one the message is read back: a stop that
// took effect is not made twice.
func (r *nativeReply) stop(ctx context.Context, chunk string, extra ...slackgo.MsgOption) error {
	opts := append([]slackgo.MsgOption{}, extra...)
	if chunk != "" {
		opts = append(opts, slackgo.MsgOptionMarkdownText(chunk))
	}
	unsure := false
	for attempt := 0; ; attempt++ {
		tctx, w := traced(ctx)
		_, _, err := r.a.api.StopStreamContext(tctx, r.key.Channel, r.ts, opts...)
		if err == nil {
			r.sentRunes += runeLen(chunk)
			return nil
		}
		err = r.a.logCallErr(ctx, "chat.stopStream", r.key.Channel, r.a.apiErr(ctx, "chat.stopStream", err, w))
		class := bots.ClassOf(err)
		if unsure && errorCode(err) == "message_not_in_streaming_state" {
			// The stop whose answer was lost did stop it: with the chunk?
			if arrived, rerr := r.arrived(ctx, chunk); rerr == nil && arrived {
				r.sentRunes += runeLen(chunk)
				return nil
			}
			return err
		}
		if class == bots.Permanent || attempt >= 5 {
			return err
		}
		unsure = unsure || class == bots.Uncertain
		if err := wait.Sleep(ctx, retryDelay(err)); err != nil {
			return err
		}
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
