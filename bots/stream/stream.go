// Package stream is the one reply writer: the Streamer turns the growing
// text of an answer into platform posts and edits through a thin Sink that
// each adapter implements (coalescing, pacing through a bots/pace budget,
// splitting at Markdown boundaries, retries by the class of the failure,
// continuation in a new message, the final text). It runs a reply's
// platform calls on one goroutine at a time, only while it has something to
// write; it imports the domain (bots) for the
// Reply port and the failure taxonomy, and bots/pace for the budgets.
package stream

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/pace"
	"mistralbot/internal/retry"
)

// Sink is a platform's message API as the Streamer uses it: post a new
// message in the reply's conversation, edit one. Text is already rendered
// and within the limit. Errors may implement bots.RetryAfterError.
type Sink interface {
	Post(ctx context.Context, text string) (id string, err error)
	Edit(ctx context.Context, id, text string) error
}

// ControlSink is an optional Sink capability: a message can carry the
// answer's controls (a Stop button) while it is being written. Live
// returns the Sink that posts and edits with the controls; the ControlSink
// itself posts and edits without them, so that an edit through it removes
// them. The Streamer puts the controls on the open message only, while
// the answer is not final: the final edit of every message drops them.
type ControlSink interface {
	Sink
	Live() Sink
}

// RatingSink is an optional ControlSink capability: the last message of a
// finished answer can show feedback buttons (👍 / 👎). Rated returns the
// Sink that posts and edits with them.
type RatingSink interface {
	ControlSink
	Rated() Sink
}

// StreamOptions configure a Streamer.
type StreamOptions struct {
	// Limit is the largest measure of one message (Slack chat.update 4,000,
	// Discord 2,000).
	Limit int
	// Render converts one part's Markdown to the platform's markup; nil
	// keeps Markdown. Parts are split before rendering, on the rendered
	// measure, so rendering never pushes a part over Limit.
	Render func(md string) string
	// Measure is the length as the platform counts it; nil counts runes.
	Measure func(string) int
	// pace.Throttle is the budget shared with other replies; nil means none.
	// When it is a pace.Pacer, the first post of an intermediate text waits
	// for admission and optional edits are spaced by its Share too.
	Throttle pace.Throttle
	// MinInterval is the least time between two edits of one message.
	MinInterval time.Duration
	// MaxRetries bounds the retries of one call refused with a
	// bots.RetryAfterError (default 5); MaxRetryAfter caps one wait (default 60s).
	MaxRetries    int
	MaxRetryAfter time.Duration
	Logger        *slog.Logger
	// Existing are the ids of messages a previous attempt already posted
	// (a reply resumed after a restart): they are edited in order before
	// any new message is posted.
	Existing []string
}

// Streamer writes a streamed answer to a platform: the first visible text is
// posted as soon as it arrives (with a pace.Pacer, as soon as the reply is
// admitted; a final text with nothing posted yet is posted at once), then
// the message grows by coalesced edits (one call in flight, paced by
// MinInterval and the pace.Throttle), continuing in new messages when a part
// fills up; Finish delivers every part's final text. It implements bots.Reply.
// Its calls run on one goroutine at a time, owned by the Streamer, and only
// while there is something to write: none waits between edits (runner).
type Streamer struct {
	sink    Sink
	opts    StreamOptions
	measure func(string) int
	pacer   pace.Pacer // opts.Throttle when it is one
	split   *splitter

	mu       sync.Mutex
	text     string
	final    bool
	started  bool
	finished bool // the writer delivered the final text (or gave up)
	broken   bool // the writer stopped on an error that retrying cannot mend
	err      error

	// w runs the writer (step) while there is something to write.
	w *runner

	// Owned by whoever runs sync (the writer, or Finish after it ended).
	ids  []string
	sent []string
	// sentEnd and sentOpen are, per message, where in text its delivered
	// body ends and the fence open there (-1: unknown, an Existing
	// message): an edit refused for good continues from there.
	sentEnd  []int
	sentOpen []string
	// live is, per message, which controls it shows (ControlSink).
	live      []controls
	ctl       ControlSink // sink when it is one
	rs        RatingSink  // sink when it is one
	rated     bool        // OfferFeedback was called (guarded by mu)
	posts     int         // posts made so far: the part number of the next (bots.OncePoster)
	lastEdit  time.Time
	splitLen  int    // len(text) at the last split (see sync)
	frozen    int    // messages whose text is complete and delivered
	used      int    // messages that hold text of this reply
	base      int    // start in text of the source of the open message
	baseFence string // fence open at base
	firstPost time.Time
	admitted  bool // holds a slot of the pace.Pacer's reserve (the writer releases it)
	refused   bool // the last sync waits for admission
}

var (
	_ bots.Reply       = (*Streamer)(nil)
	_ bots.MessageIDs  = (*Streamer)(nil)
	_ bots.FirstPoster = (*Streamer)(nil)
	_ bots.Rateable    = (*Streamer)(nil)
)

// NewStreamer returns a Streamer writing through sink.
func NewStreamer(sink Sink, opts StreamOptions) *Streamer {
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 5
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := opts.Measure
	if m == nil {
		m = utf8.RuneCountInString
	}
	s := &Streamer{sink: sink, opts: opts}
	s.w = newRunner(s.step, s.release)
	s.pacer, _ = opts.Throttle.(pace.Pacer)
	s.ctl, _ = sink.(ControlSink)
	s.rs, _ = sink.(RatingSink)
	s.ids = append([]string(nil), opts.Existing...)
	s.sent = make([]string, len(s.ids)) // unknown content: the first sync edits them
	s.sentOpen = make([]string, len(s.ids))
	s.live = make([]controls, len(s.ids))
	for range s.ids {
		s.sentEnd = append(s.sentEnd, -1)
	}
	if opts.Render == nil {
		s.measure = m
		// A length is additive: the splitter keeps the tail's measure.
		s.split = newSplitter(opts.Limit, m, m)
	} else {
		s.measure = func(md string) int { return m(opts.Render(md)) }
		s.split = newSplitter(opts.Limit, s.measure, nil)
	}
	return s
}

// Update implements bots.Reply: it records text and wakes the writer; it never
// blocks on the platform.
func (s *Streamer) Update(ctx context.Context, text string) error {
	s.mu.Lock()
	if s.final {
		s.mu.Unlock()
		return errors.New("stream: update after finish")
	}
	s.text = text
	s.started = true
	err := s.err
	s.mu.Unlock()
	s.w.start(ctx)
	s.w.wake(false)
	return err
}

// Finish implements bots.Reply: it delivers the final text of every part and
// returns the error that prevented it, if any.
func (s *Streamer) Finish(ctx context.Context, text string) error {
	s.mu.Lock()
	s.text = text
	s.final = true
	started := s.started
	s.mu.Unlock()
	if started {
		s.w.wake(true)
		select {
		case <-s.w.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.mu.Lock()
		finished, broken, err := s.finished, s.broken, s.err
		s.mu.Unlock()
		if finished || broken {
			return err
		}
	}
	// The writer never ran, or ended with its context before the final text:
	// deliver it here, with Finish's context.
	_, err := s.sync(ctx, text, true)
	return err
}

// IDs returns the platform ids of the messages posted so far. Safe to call
// at any time (the Engine journals them while the reply streams).
func (s *Streamer) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// Unused returns the ids of Existing messages the final text did not need
// (a regenerated answer shorter than the interrupted one): the caller
// deletes them. Call it after Finish returned without error.
func (s *Streamer) Unused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used >= len(s.ids) {
		return nil
	}
	return append([]string(nil), s.ids[s.used:]...)
}

// FirstPost returns when the first visible text was posted (zero if never).
// Safe to call at any time.
func (s *Streamer) FirstPost() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstPost
}

// step is the writer's work (see runner): it brings the platform up to
// the latest text, and says when to try again.
func (s *Streamer) step(ctx context.Context) (again time.Duration, stop bool) {
	s.mu.Lock()
	text, final := s.text, s.final
	s.mu.Unlock()
	pending, err := s.sync(ctx, text, final)
	if final {
		s.mu.Lock()
		s.finished, s.err = ctx.Err() == nil || err == nil, err
		s.mu.Unlock()
		return 0, true
	}
	if err != nil {
		if bots.ClassOf(err) != bots.Transient && ctx.Err() == nil {
			// Refused for good, or a post that may have happened:
			// trying again could only fail again or post twice.
			// Finish reports it and the adapter tells the asker.
			s.opts.Logger.Warn("stream: platform call failed; the reply stops", "class", bots.ClassOf(err).String(), "err", err)
			s.mu.Lock()
			s.err, s.broken = err, true
			s.mu.Unlock()
			return 0, true
		}
		if ctx.Err() != nil {
			return 0, true // Finish delivers with its own context
		}
		s.opts.Logger.Warn("stream: platform call failed, will retry", "err", err)
		pending = true
	}
	if pending {
		// The sync left work for later (an edit not due yet, an
		// admission refused): texts that come meanwhile are read then.
		// Syncing on every token would split and render the whole text
		// each time for nothing.
		return s.nextTry(), false
	}
	return 0, false
}

// release gives back the pace.Pacer's reserve slot when the writer ends:
// only the writer admits (intermediate texts), so it alone releases,
// before Finish returns (Finish waits for the writer's end).
func (s *Streamer) release() {
	if s.admitted {
		s.pacer.Release()
		s.admitted = false
	}
}

// nextTry is how long the writer waits before retrying a skipped edit or a
// refused admission.
func (s *Streamer) nextTry() time.Duration {
	d := 250 * time.Millisecond
	if iv := s.interval(); iv > 0 && !s.refused {
		if left := time.Until(s.lastEdit.Add(iv)); left > 50*time.Millisecond {
			d = left
		} else {
			d = 50 * time.Millisecond
		}
	}
	return d
}

// interval is the least time between two optional edits of this reply:
// MinInterval, and with a pace.Pacer this reply's share of the budget.
func (s *Streamer) interval() time.Duration {
	if s.pacer == nil {
		return s.opts.MinInterval
	}
	return max(s.opts.MinInterval, s.pacer.Share())
}

// sync brings the platform up to text. Intermediate edits may be skipped
// (pending true); with final every part is delivered or an error returned.
func (s *Streamer) sync(ctx context.Context, text string, final bool) (pending bool, err error) {
	if s.base > len(text) {
		s.base, s.baseFence = len(text), ""
	}
	if s.tailCanWait(text, final) {
		return true, nil
	}
	s.splitLen = len(text)
	segs := s.split.segments(text, s.base, s.baseFence)
	idx := s.frozen // message index of the first segment
	for i, seg := range segs {
		last := i == len(segs)-1
		if last && !final && idx < len(s.ids) && time.Since(s.lastEdit) < s.interval() {
			// An optional edit not due yet: not even rendered (a sync
			// may come with every token).
			pending = true
			break
		}
		body := renderSegment(text, seg)
		if s.opts.Render != nil {
			body = s.opts.Render(body)
		}
		if strings.TrimSpace(body) == "" {
			if !last {
				s.base, s.baseFence = segs[i+1].start, segs[i+1].reopen
			}
			continue
		}
		live := s.partControls(final, last)
		switch {
		case idx >= len(s.ids):
			if refused, err := s.postPart(ctx, seg, body, live, final); refused || err != nil {
				return true, err
			}
		case s.sent[idx] != body || s.live[idx] != live:
			skipped, frozen, err := s.editPart(ctx, idx, seg, body, live, final || !last)
			switch {
			case err != nil:
				return true, err
			case frozen:
				return s.sync(ctx, text, final)
			case skipped:
				pending = true
				continue
			}
		}
		s.mu.Lock()
		s.used = max(s.used, idx+1)
		s.mu.Unlock()
		if !last {
			// This part is complete and delivered: later syncs start after it.
			s.base, s.baseFence = segs[i+1].start, segs[i+1].reopen
			s.frozen = idx + 1
		}
		idx++
	}
	return pending, nil
}

// tailCanWait reports whether an intermediate sync can be skipped whole:
// the open message's edit is not due and the text grew by less than a
// quarter of a part. With a Render the split measures the whole tail, so
// it waits rather than measure it again with every token; a part that
// filled meanwhile is posted at the next due edit, or a quarter part later.
func (s *Streamer) tailCanWait(text string, final bool) bool {
	return !final && s.split.raw == nil && len(s.ids) > s.frozen && time.Since(s.lastEdit) < s.interval() &&
		len(text) >= s.splitLen && len(text)-s.splitLen < s.opts.Limit/4
}

// partControls is the controls a part shows. Only the open message of an
// answer still being written shows the stop control, and only the last
// message of a finished, rateable answer the rating; any other edit of a
// message showing controls is due, so they disappear.
func (s *Streamer) partControls(final, last bool) controls {
	switch {
	case s.ctl != nil && !final && last:
		return stopControls
	case s.rs != nil && final && last && s.isRated():
		return ratingControls
	}
	return noControls
}

// postPart posts a segment as the reply's next message. refused means the
// pacer did not admit a first intermediate post: posting commits the budget
// to a final edit, so the text waits, and a reply never admitted appears
// complete in one post.
func (s *Streamer) postPart(ctx context.Context, seg segment, body string, live controls, final bool) (refused bool, err error) {
	if !final && len(s.ids) == 0 && s.pacer != nil && !s.admitted {
		if s.refused = !s.pacer.Admit(); s.refused {
			return true, nil
		}
		s.admitted = true
	}
	id, err := s.post(ctx, body, live)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.ids = append(s.ids, id)
	s.mu.Unlock()
	s.live = append(s.live, live)
	s.sent = append(s.sent, body)
	s.sentEnd, s.sentOpen = append(s.sentEnd, seg.end), append(s.sentOpen, seg.open)
	return false, nil
}

// editPart brings message idx up to body. An optional (not mandatory) edit
// that is not due or not allowed by the throttle is skipped; a mandatory
// one waits for the throttle. frozen means the platform refused the edit
// for good and the message was frozen: the caller syncs again, so the
// answer continues in a new message.
func (s *Streamer) editPart(ctx context.Context, idx int, seg segment, body string, live controls, mandatory bool) (skipped, frozen bool, err error) {
	if !mandatory {
		if time.Since(s.lastEdit) < s.interval() || (s.opts.Throttle != nil && !s.opts.Throttle.Allow()) {
			return true, false, nil
		}
	} else if s.opts.Throttle != nil {
		if err := s.opts.Throttle.Wait(ctx); err != nil {
			return false, false, err
		}
	}
	id := s.ids[idx]
	sink := s.sinkFor(live)
	err = s.call(ctx, true, func() error { return sink.Edit(ctx, id, body) })
	switch {
	case err == nil:
	case errors.Is(err, bots.ErrMessageGone):
		// Someone deleted it: the part is posted again, and
		// later edits go to the new message.
		s.opts.Logger.Info("stream: a message of the answer was deleted; posting its text again", "err", err)
		nid, err := s.post(ctx, body, live)
		if err != nil {
			return false, false, err
		}
		s.mu.Lock()
		s.ids[idx] = nid
		s.mu.Unlock()
	case bots.ClassOf(err) == bots.Permanent && ctx.Err() == nil:
		// The platform keeps the message but will not change it
		// (edit window closed, thread archived, form refused): it
		// stays as it is, and the answer carries on in a new
		// message from where its visible text ends.
		s.opts.Logger.Warn("stream: edit refused for good; the answer continues in a new message", "err", err)
		s.freeze(idx)
		return false, true, nil
	default:
		return false, false, err
	}
	s.sent[idx], s.live[idx] = body, live
	s.sentEnd[idx], s.sentOpen[idx] = seg.end, seg.open
	s.lastEdit = time.Now()
	return false, false, nil
}

// post posts body as a new message of the reply, through PostOnce when
// the sink has it (then a post whose outcome is unclear is retried: it
// cannot appear twice), and records the first post's time.
func (s *Streamer) post(ctx context.Context, body string, live controls) (string, error) {
	sink := s.sinkFor(live)
	once, idempotent := sink.(bots.OncePoster)
	part := s.posts
	s.posts++
	var id string
	err := s.call(ctx, idempotent, func() error {
		var err error
		if idempotent {
			id, err = once.PostOnce(ctx, part, body)
		} else {
			id, err = sink.Post(ctx, body)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	if s.firstPost.IsZero() {
		s.firstPost = time.Now()
	}
	s.mu.Unlock()
	s.lastEdit = time.Now()
	return id, nil
}

// controls are what a message of the answer shows.
type controls int

const (
	noControls     controls = iota
	stopControls            // while written: ControlSink.Live
	ratingControls          // the last message of a finished answer: RatingSink.Rated
)

// sinkFor is the sink posting and editing with the controls c.
func (s *Streamer) sinkFor(c controls) Sink {
	switch c {
	case stopControls:
		return s.ctl.Live()
	case ratingControls:
		return s.rs.Rated()
	}
	return s.sink
}

// OfferFeedback implements bots.Rateable: the final text's last message shows
// the sink's feedback buttons (RatingSink; without one it does nothing).
// The Engine calls it before Finish, for a complete answer only.
func (s *Streamer) OfferFeedback() {
	s.mu.Lock()
	s.rated = true
	s.mu.Unlock()
}

func (s *Streamer) isRated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rated
}

// freeze leaves message idx as the platform shows it: later text goes to
// the messages after it, starting where its delivered body ends (or, when
// that is unknown, where its part starts: the part is repeated rather
// than lost).
func (s *Streamer) freeze(idx int) {
	if end := s.sentEnd[idx]; end >= 0 {
		s.base, s.baseFence = end, s.sentOpen[idx]
	}
	s.frozen = idx + 1
	s.mu.Lock()
	s.used = max(s.used, idx+1)
	s.mu.Unlock()
}

// call runs f, retrying by the class of its error (bots.ClassOf): a bots.Transient
// failure after the delay the platform asked for (or a growing backoff),
// an bots.Uncertain one only when idempotent (an edit, a PostOnce), never a
// bots.Permanent one; bounded by MaxRetries and MaxRetryAfter. The loop and
// the pause are internal/retry's, the one retry mechanism.
func (s *Streamer) call(ctx context.Context, idempotent bool, f func() error) error {
	return callRetrying(ctx, s.opts.Logger, s.opts.MaxRetries, s.opts.MaxRetryAfter, idempotent, f)
}

// callRetrying is the writer's one retry policy, shared by the Streamer's
// calls and the Appender's stop: see Streamer.call.
func callRetrying(ctx context.Context, log *slog.Logger, maxRetries int, maxAfter time.Duration, idempotent bool, f func() error) error {
	b := writerBackoff(maxAfter)
	attempt := 0
	p := retry.Policy{
		Tries:   maxRetries + 1,
		Backoff: b,
		Retry: func(err error) (bool, time.Duration) {
			class := bots.ClassOf(err)
			if class == bots.Permanent || (class == bots.Uncertain && !idempotent) {
				return false, 0
			}
			after := retryAfter(err)
			log.Info("stream: platform call failed, retrying", "class", class.String(), "retry_after", b.Delay(attempt, after), "attempt", attempt+1, "err", err)
			attempt++
			return true, after
		},
	}
	return p.Do(ctx, func(context.Context) error { return f() })
}

// writerBackoff is the pause between retries of one call: what the
// platform asked for, else 1 s doubling per attempt up to 32 s, both
// capped at maxAfter.
func writerBackoff(maxAfter time.Duration) retry.Backoff {
	return retry.Backoff{
		Base:     min(time.Second, maxAfter),
		Max:      min(32*time.Second, maxAfter),
		MaxAfter: maxAfter,
	}
}

// retryAfter is the delay the platform asked for in err (0: none).
func retryAfter(err error) time.Duration {
	var de bots.DeliveryError
	var ra bots.RetryAfterError
	switch {
	case errors.As(err, &de):
		return de.RetryAfter()
	case errors.As(err, &ra):
		return ra.RetryAfter()
	}
	return 0
}
