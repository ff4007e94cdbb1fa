package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
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
	fallback *bots.Streamer

	mu       sync.Mutex
	text     string
	final    bool
	started  bool
	finished bool
	result   error
	kick     chan struct{}
	done     chan struct{}

	// Owned by the loop (or by Finish once the loop has ended).
	ts          string // the streamed message
	sent        string // raw text delivered to the stream
	sentRunes   int    // runes of neutralized text delivered
	lastCall    time.Time
	useFallback bool   // the whole reply goes through fallback
	contFrom    int    // with contActive: raw offset where fallback starts
	contFence   string // fence reopened at contFrom
	contActive  bool
}

func (a *Adapter) newNativeReply(ws *workspace, key bots.ConversationKey, to bots.Message, st *statusOp, sink *threadSink, fallback *bots.Streamer) *nativeReply {
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
			err := r.deliverFinal(ctx, text)
			r.mu.Lock()
			r.finished, r.result = ctx.Err() == nil || err == nil, err
			r.mu.Unlock()
			return
		}
		if retry := r.step(ctx, text); retry > 0 {
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
	chunk := neutralizeMarkdown(text[len(r.sent):end])
	_, _, err := r.a.api.AppendStreamContext(ctx, r.key.Channel, r.ts, slackgo.MsgOptionMarkdownText(chunk))
	r.lastCall = r.a.now()
	if err != nil {
		err = r.a.apiErr("chat.appendStream", err)
		var rl *RateLimitError
		if errors.As(err, &rl) {
			r.ws.appends.Pause(rl.After)
			return rl.After
		}
		var se *ServerError
		if errors.As(err, &se) {
			// A Slack hiccup, not the end of the stream: try again.
			_ = r.a.logCallErr(ctx, "chat.appendStream", r.key.Channel, err)
			return se.RetryAfter()
		}
		// The stream is gone (stopped by Slack, deleted): continue the
		// answer in new messages.
		_ = r.a.logCallErr(ctx, "chat.appendStream", r.key.Channel, err)
		r.continueAt(ctx, text, len(r.sent))
		return 0
	}
	r.sent, r.sentRunes = text[:end], r.sentRunes+runeLen(chunk)
	return 0
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
	_, ts, err := r.a.api.StartStreamContext(ctx, r.key.Channel, slackgo.MsgOptionTS(r.key.Thread),
		slackgo.MsgOptionMarkdownText(chunk), slackgo.MsgOptionRecipientUserID(r.to.UserID),
		slackgo.MsgOptionRecipientTeamID(r.key.Team))
	r.lastCall = r.a.now()
	if err != nil {
		err = r.a.apiErr("chat.startStream", err)
		var rl *RateLimitError
		var se *ServerError
		if errors.As(err, &rl) {
			r.ws.streams.Pause(rl.After)
		} else if errors.As(err, &se) {
			// A Slack hiccup, not a refusal: this reply falls back, the
			// next one streams again.
			_ = r.a.logCallErr(ctx, "chat.startStream", r.key.Channel, err)
		} else {
			r.ws.refuseNative(r.a.now().Add(nativeRefusal))
			r.a.log.WarnContext(ctx, "slack refused native streaming; using chat.postMessage + chat.update",
				"channel", r.key.Channel, "code", errorCode(err), "err", err, "retry_in", nativeRefusal)
		}
		r.useFallback = true
		return
	}
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
		end = len(r.sent) // the chunk did not arrive: the fallback carries it
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
	if err := r.stop(ctx, neutralizeMarkdown(text[len(r.sent):])); err != nil {
		r.continueAt(ctx, text, len(r.sent))
		return r.fallback.Finish(ctx, r.contText(text))
	}
	r.sent = text
	return nil
}

// stop calls chat.stopStream with the last chunk, waiting and retrying
// (bounded) on 429: its budget was reserved when the stream started.
func (r *nativeReply) stop(ctx context.Context, chunk string) error {
	opts := []slackgo.MsgOption{}
	if chunk != "" {
		opts = append(opts, slackgo.MsgOptionMarkdownText(chunk))
	}
	for attempt := 0; ; attempt++ {
		_, _, err := r.a.api.StopStreamContext(ctx, r.key.Channel, r.ts, opts...)
		if err == nil {
			r.sentRunes += runeLen(chunk)
			return nil
		}
		err = r.a.apiErr("chat.stopStream", err)
		var again interface{ RetryAfter() time.Duration } // 429 or 5xx
		if !errors.As(err, &again) || attempt >= 5 {
			return r.a.logCallErr(ctx, "chat.stopStream", r.key.Channel, err)
		}
		t := time.NewTimer(min(max(again.RetryAfter(), time.Second), time.Minute))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
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
