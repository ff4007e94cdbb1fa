package stream

import (
	"context"
	"errors"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/internal/wait"
)

// The Appender's calls: open, append, settle, overflow, hand over, stop.
// All run on the loop (or Finish once it has ended, or Inline's caller).

// step brings the message up to an intermediate text; it returns when to
// try again (0: wait for the next update).
func (a *Appender) step(ctx context.Context, text string) time.Duration {
	if a.handed || a.cont2 {
		_ = a.cont.Update(ctx, a.contText(text))
		return 0
	}
	if !strings.HasPrefix(text, a.sent) {
		return 0 // not an extension of what was sent: Finish sorts it out
	}
	stable := a.stable(text, len(a.sent))
	if a.id == "" {
		if strings.TrimSpace(text[:stable]) == "" {
			return 0
		}
		a.start(ctx, text, stable)
		if a.handed {
			_ = a.cont.Update(ctx, text)
		}
		return 0
	}
	if stable <= len(a.sent) {
		return 0
	}
	if left := a.opts.MinInterval - a.opts.Now().Sub(a.lastCall); left > 0 && !a.opts.Inline {
		return left
	}
	end := a.fit(text, len(a.sent), stable, a.room())
	if end < stable {
		// The answer outgrows one message: close it here, go on in
		// post+update parts.
		a.overflow(ctx, text, end)
		return 0
	}
	if a.opts.Appends != nil && !a.opts.Appends.AllowN(1, 0) {
		return 250 * time.Millisecond
	}
	if err := a.settle(ctx, text); err != nil {
		return a.delay(err)
	}
	if len(a.sent) >= end {
		return 0
	}
	chunk := a.render(text[len(a.sent):end])
	err := a.sink.Append(ctx, a.id, chunk)
	a.lastCall = a.opts.Now()
	if err == nil {
		a.sent, a.sentLen = text[:end], a.sentLen+a.measure(chunk)
		return 0
	}
	switch class := bots.ClassOf(err); {
	case class == bots.Transient:
		// A hiccup or a 429, not the end of the message.
		a.pause(a.opts.Appends, err)
		return a.delay(err)
	case class == bots.Uncertain && a.rb != nil:
		// The chunk may be in the message: it is read back before
		// anything else is sent (an append is not idempotent).
		a.pendEnd, a.pendChunk = end, chunk
		return a.delay(err)
	}
	// The message is over for good (stopped, archived, deleted, the text
	// refused): the rest of the answer, or all of it when the message is
	// gone, continues in post+update parts.
	if a.cont == nil {
		a.fail(err)
		return 0
	}
	a.opts.Logger.Warn("stream: append refused for good; the answer continues in a new message", "err", err)
	if !errors.Is(err, bots.ErrMessageGone) && !errors.Is(err, ErrClosed) {
		// Stop it as it is, so that it does not stay open until the
		// platform times it out (its error is the sink's to log).
		_ = a.sink.Stop(ctx, a.id, "", false)
	}
	a.continueAt(ctx, text, a.goneOr(err, len(a.sent)))
	return 0
}

// start opens the message with the first text, or hands the reply to
// Continue when the budget is spent or the platform refuses.
func (a *Appender) start(ctx context.Context, text string, stable int) {
	if a.cont != nil && a.opts.Opens != nil && !a.opts.Opens.AllowN(2, 0) {
		a.opts.Logger.Debug("stream: budget of append-only messages spent; using post+update")
		a.handed = true
		return
	}
	end := a.fit(text, 0, stable, a.room())
	chunk := a.render(text[:end])
	id, err := a.sink.Start(ctx, chunk)
	a.lastCall = a.opts.Now()
	if err != nil {
		id = ""
		class := bots.ClassOf(err)
		a.pause(a.opts.Opens, err)
		if class == bots.Uncertain && a.finder != nil {
			// It may have opened: carry on there rather than answer twice.
			id = a.finder.FindStarted(ctx, chunk)
		}
		if id == "" {
			if a.cont == nil {
				a.fail(err)
				return
			}
			// Refused, or a hiccup: this reply goes through Continue.
			a.handed = true
			return
		}
	}
	a.mu.Lock() // IDs reads id from the Engine's journal
	a.id = id
	if a.first.IsZero() {
		a.first = a.opts.Now()
	}
	a.mu.Unlock()
	a.sent, a.sentLen = text[:end], a.measure(chunk)
}

// settle finds out whether an append whose outcome was unknown arrived
// (reading the message back) and counts it as sent if it did.
func (a *Appender) settle(ctx context.Context, text string) error {
	if a.pendEnd == 0 {
		return nil
	}
	arrived, err := a.arrived(ctx, a.pendChunk)
	if err != nil {
		return err
	}
	if arrived && a.pendEnd <= len(text) {
		a.sent, a.sentLen = text[:a.pendEnd], a.sentLen+a.measure(a.pendChunk)
	}
	a.pendEnd, a.pendChunk = 0, ""
	return nil
}

// arrived reads the message back and reports whether it ends with chunk.
func (a *Appender) arrived(ctx context.Context, chunk string) (bool, error) {
	body, err := a.rb.ReadBack(ctx, a.id)
	if err != nil {
		return false, err
	}
	return strings.HasSuffix(strings.TrimRight(body, "\n"), strings.TrimRight(chunk, "\n")), nil
}

// flushSide sends the queued side items in one call; it returns when to
// try again (0: nothing to wait for).
func (a *Appender) flushSide(ctx context.Context) time.Duration {
	a.mu.Lock()
	items := append([]any(nil), a.items...)
	a.mu.Unlock()
	if len(items) == 0 {
		return 0
	}
	if a.handed || a.cont2 {
		a.sideGone(ctx, items)
		return 0
	}
	if a.id == "" {
		return 0 // sent once the message has opened
	}
	if a.opts.Appends != nil && !a.opts.Appends.AllowN(1, 0) {
		return 250 * time.Millisecond
	}
	a.mu.Lock()
	text := a.text
	a.mu.Unlock()
	if err := a.settle(ctx, text); err != nil {
		return a.delay(err)
	}
	err := a.side.AppendSide(ctx, a.id, items)
	a.lastCall = a.opts.Now()
	if err != nil {
		switch bots.ClassOf(err) {
		case bots.Transient:
			a.pause(a.opts.Appends, err)
			return a.delay(err)
		case bots.Uncertain:
			return a.delay(err) // resent: an item is idempotent
		}
		a.opts.Logger.Warn("stream: side items refused; they go elsewhere for this reply", "err", err)
		a.sideGone(ctx, items)
		return 0
	}
	a.mu.Lock()
	a.items = a.items[len(items):]
	a.mu.Unlock()
	return 0
}

// sideGone turns side items off for the rest of the reply and hands the
// queued ones (with any queued since) to OnSideOff.
func (a *Appender) sideGone(ctx context.Context, items []any) {
	a.mu.Lock()
	a.sideOff = true
	if len(a.items) > 0 {
		items = a.items
	}
	a.items = nil
	a.mu.Unlock()
	if a.opts.OnSideOff != nil {
		a.opts.OnSideOff(ctx, items)
	}
}

// overflow stops the message with text up to end (closing an open code
// fence) and hands the rest to Continue, reopening the fence.
func (a *Appender) overflow(ctx context.Context, text string, end int) {
	closer := ""
	for {
		// The closing line must fit too: cut earlier if it does not.
		closer = ""
		if fence := fenceAfter("", text[:end]); fence != "" {
			closer = "\n" + fenceMarker(fence)
		}
		if closer == "" || a.measure(a.render(text[len(a.sent):end])+closer) <= a.room() {
			break
		}
		e := a.fit(text, len(a.sent), end, a.room()-a.measure(closer))
		if e >= end {
			break
		}
		end = e
	}
	chunk := a.render(text[len(a.sent):end]) + closer
	if err := a.stop(ctx, chunk, false); err != nil {
		end = a.goneOr(err, len(a.sent)) // the chunk did not arrive: Continue carries it
	}
	a.continueAt(ctx, text, end)
}

// continueAt hands text from end on to Continue (the message is over).
func (a *Appender) continueAt(ctx context.Context, text string, end int) {
	a.sent = text[:end]
	a.cont2, a.contFrom, a.fence = true, end, ""
	if fence := fenceAfter("", text[:end]); fence != "" {
		a.fence = fence + "\n"
	}
	_ = a.cont.Update(ctx, a.contText(text))
}

// contText is the part of text Continue carries.
func (a *Appender) contText(text string) string {
	if !a.cont2 {
		return text
	}
	if a.contFrom > len(text) {
		return ""
	}
	return a.fence + text[a.contFrom:]
}

// goneOr returns 0 when err says the message was deleted (its text must
// be written again, from the start), else end; a deleted message also
// leaves the reply's ids.
func (a *Appender) goneOr(err error, end int) int {
	if !errors.Is(err, bots.ErrMessageGone) {
		return end
	}
	a.mu.Lock()
	a.id = ""
	a.mu.Unlock()
	a.sentLen = 0
	return 0
}

// deliverFinal delivers the final text: with the stop when a message is
// open, else through Continue (one post is cheaper than a start and a
// stop when the whole answer is there), else in one message.
func (a *Appender) deliverFinal(ctx context.Context, text string) error {
	if a.handed || a.cont2 {
		return a.cont.Finish(ctx, a.contText(text))
	}
	if a.id == "" {
		// The answer ended before the loop opened its message (a short
		// answer, a busy scheduler): it is still opened and closed here,
		// so whether an answer streams in the append-only message does
		// not depend on timing. start hands it to Continue when the
		// budget is spent or the platform refuses; an empty answer has
		// nothing to open.
		if strings.TrimSpace(text) == "" && a.cont != nil {
			a.handed = true
			return a.cont.Finish(ctx, text)
		}
		a.start(ctx, text, len(text))
		if a.handed {
			return a.cont.Finish(ctx, text)
		}
		if a.isBroken() {
			return a.failure()
		}
	}
	for attempt := 0; a.pendEnd > 0; attempt++ {
		err := a.settle(ctx, text)
		if err == nil {
			break
		}
		if attempt >= 3 || ctx.Err() != nil || wait.Sleep(ctx, a.delay(err)) != nil {
			// Cannot tell: the chunk is sent again rather than lost.
			a.opts.Logger.Warn("stream: cannot tell whether an append arrived; sending it again", "err", err)
			a.pendEnd, a.pendChunk = 0, ""
		}
	}
	if !strings.HasPrefix(text, a.sent) {
		// The final text rewrote what was sent (never done by the
		// Engine): close the message as it is and write the rest.
		a.opts.Logger.Warn("stream: final text does not extend the text sent")
		a.sent = text[:commonPrefix(text, a.sent)]
	}
	end := a.fit(text, len(a.sent), len(text), a.room())
	if end < len(text) {
		a.overflow(ctx, text, end)
		return a.cont.Finish(ctx, a.contText(text))
	}
	if err := a.stop(ctx, a.render(text[len(a.sent):]), true); err != nil {
		if a.cont == nil {
			a.fail(err)
			return err
		}
		a.continueAt(ctx, text, a.goneOr(err, len(a.sent)))
		return a.cont.Finish(ctx, a.contText(text))
	}
	a.sent = text
	return nil
}

// stop closes the message with its last chunk, retrying by the writer's
// one policy (callRetrying: its budget was taken when the message
// opened). A stop is made safe to retry by reading back: after one whose
// outcome is unknown, a refusal may mean it took effect (the message is
// no longer open), and a stop whose chunk is there is not made twice.
func (a *Appender) stop(ctx context.Context, chunk string, last bool) error {
	unsure := false
	err := callRetrying(ctx, a.opts.Logger, a.opts.MaxRetries, a.opts.MaxRetryAfter, true, func() error {
		err := a.sink.Stop(ctx, a.id, chunk, last)
		switch class := bots.ClassOf(err); {
		case err == nil:
		case class == bots.Uncertain:
			unsure = true
		case class == bots.Permanent && unsure && a.rb != nil && ctx.Err() == nil:
			if arrived, rerr := a.arrived(ctx, chunk); rerr == nil && arrived {
				return nil
			}
		}
		return err
	})
	if err == nil {
		a.sentLen += a.measure(chunk)
	}
	return err
}

// fit returns the largest e <= end such that text[from:e], rendered,
// measures at most budget: end itself when it fits, else a cut at a line
// end or a space (in the second half), held back by the stable rule.
func (a *Appender) fit(text string, from, end, budget int) int {
	if budget <= 0 || from >= end {
		return from
	}
	fits := func(e int) bool { return a.measure(a.render(text[from:e])) <= budget }
	if fits(end) {
		return end
	}
	lo, hi := from, end // text[from:lo] fits, text[from:hi] does not
	for {
		mid := snapRune(text, lo+(hi-lo)/2)
		if mid <= lo {
			mid = nextRune(text, lo)
		}
		if mid >= hi {
			break
		}
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	cut := lo
	span := text[from:cut]
	if k := strings.LastIndex(span, "\n"); k >= 0 && k+1 >= len(span)/2 {
		cut = from + k + 1
	} else if k := strings.LastIndex(span, " "); k >= 0 && k+1 >= len(span)/2 {
		cut = from + k + 1
	}
	return a.stable(text[:cut], from)
}

// room is what the open message can still take (no Limit: all).
func (a *Appender) room() int {
	if a.opts.Limit <= 0 || a.cont == nil {
		return int(^uint(0) >> 1)
	}
	return a.opts.Limit - a.sentLen
}

// stable is how far text, sent up to from, may be sent now: the
// platform's rule, then the writer's own: a last line that may be a fence
// line still being written waits for its end.
func (a *Appender) stable(text string, from int) int {
	end := len(text)
	if a.opts.Stable != nil {
		end = min(end, a.opts.Stable(text, from))
	}
	line := strings.LastIndexByte(text[:end], '\n') + 1
	if halfFence(text[line:end]) {
		end = line
	}
	return max(end, from)
}

// halfFence reports whether line (without its end) may be the start of a
// fence line: up to three spaces, then only backticks or tildes, or a
// fence marker and its info string still being written.
func halfFence(line string) bool {
	t := strings.TrimLeft(line, " ")
	if t == "" || len(line)-len(t) > 3 || (t[0] != '`' && t[0] != '~') {
		return false
	}
	return strings.Trim(t, t[:1]) == "" || fenceMarker(t) != ""
}

func (a *Appender) render(md string) string {
	if a.opts.Render == nil {
		return md
	}
	return a.opts.Render(md)
}

// RateLimitError is an optional capability of a sink's errors:
// RateLimited reports a refusal for the call rate (a 429), after which
// the budget the call drew on pauses for the delay the platform asked.
// (A 5xx's Retry-After only delays the retry of that call.)
type RateLimitError interface {
	error
	RateLimited() bool
}

// pause stops budget b for the delay a 429 asked for.
func (a *Appender) pause(b Budget, err error) {
	var rl RateLimitError
	if b == nil || !errors.As(err, &rl) || !rl.RateLimited() {
		return
	}
	if d := retryAfter(err); d > 0 {
		b.Pause(d)
	}
}

// delay is when the loop tries again after a call that failed with err
// (the next try carries the newer text, so it is the loop's, not a
// retry of the same call): what the platform asked for, else the
// writer's first backoff.
func (a *Appender) delay(err error) time.Duration {
	return writerBackoff(a.opts.MaxRetryAfter).Delay(0, retryAfter(err))
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
