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
)

// The append-only mode of the writer: an Appender writes a growing answer
// into a message that only grows (Slack's native stream, a terminal),
// where what was sent cannot be taken back. It differs from the
// Streamer's post+update in three ways, which is why it is a mode of its
// own rather than a Sink: an append is not idempotent (an append whose
// outcome is unknown is read back before anything else is sent, settle),
// it may only carry a stable prefix of the text (a half-written fence
// line, or whatever the platform's rule holds back, waits), and an
// append-only message has its own limit and markup. When the message
// cannot take the answer (it is full, the platform refused it, or it
// refused to open) the rest goes to a post+update Streamer (Continue),
// which owns continuation, retries, pacing and the final text from there.

// AppendSink is a platform's append-only message as the Appender uses it.
// Texts are already rendered (AppendOptions.Render) and within the limit.
// Errors carry their bots.FailureClass (bots.DeliveryError); an error that
// wraps bots.ErrMessageGone says the message was deleted.
type AppendSink interface {
	// Start opens a message with its first text and returns its id.
	Start(ctx context.Context, text string) (id string, err error)
	// Append adds text at the end of message id.
	Append(ctx context.Context, id, text string) error
	// Stop closes message id with its last text ("" for none); last
	// says the answer ends with it (no continuation follows).
	Stop(ctx context.Context, id, text string, last bool) error
}

// ReadBacker is an optional AppendSink capability: ReadBack returns the
// text message id shows. After an append or a stop whose outcome is
// unknown it is the only way to neither lose nor repeat a chunk; without
// it such an append counts as refused for good.
type ReadBacker interface {
	ReadBack(ctx context.Context, id string) (string, error)
}

// StartFinder is an optional AppendSink capability: after a Start whose
// outcome is unknown, FindStarted returns the id of the message it may
// have opened with text ("" when there is none), so that the answer goes
// on there rather than twice.
type StartFinder interface {
	FindStarted(ctx context.Context, text string) string
}

// SideSink is an optional AppendSink capability: items that are not
// text (Slack's task cards) go into the open message between text
// appends. An item names what it sets, so sending it again after an
// unknown outcome sets the same state: they are resent, not read back.
type SideSink interface {
	AppendSide(ctx context.Context, id string, items []any) error
}

// Budget is a call budget of the append-only mode (a pace.Bucket).
type Budget interface {
	// AllowN takes n calls if they leave reserve; it never blocks.
	AllowN(n, reserve int) bool
	// Pause stops the budget for d (the platform said 429).
	Pause(d time.Duration)
}

// ErrClosed is wrapped by an Append refusal that says the message was
// closed already (Slack: stopped by its reader): the Appender does not
// stop it again.
var ErrClosed = errors.New("the message was closed")

// ErrNoMessage is Side's answer when there is no open message to carry
// the item.
var ErrNoMessage = errors.New("stream: no open append-only message")

// AppendOptions configure an Appender.
type AppendOptions struct {
	// Limit is the largest measure of one append-only message (Slack's
	// markdown_text: 12,000 characters); 0 means none. A message that
	// would outgrow it is stopped and the rest goes to Continue.
	Limit int
	// Render converts a chunk before it is sent (nil keeps it); chunks
	// are rendered one by one, so it must not need what came before.
	Render func(md string) string
	// Measure is the length as the platform counts it; nil counts runes.
	Measure func(string) int
	// Stable returns how far text, already sent up to from, may be sent
	// now (>= from) by the platform's rule: a terminal renders whole
	// blocks, Slack holds back a "<" that could become a token. nil: all
	// of it. The Appender adds its own rule: a half-written fence line
	// waits for its end (its language is not known, and an overflow
	// must reopen it).
	Stable func(text string, from int) int
	// Opens is the budget of starting a message, taken with its stop as a
	// pair (Slack Tier 2); a start it refuses goes to Continue. Appends
	// is the budget of appends (Slack Tier 4). nil means none.
	Opens, Appends Budget
	// MinInterval is the least time between two appends.
	MinInterval time.Duration
	// MaxRetries bounds the tries of a stop (default 5); MaxRetryAfter
	// caps one wait (default 60s).
	MaxRetries    int
	MaxRetryAfter time.Duration
	// Continue writes what the append-only message cannot carry as
	// post+update parts; nil means there is none (a terminal): a refusal
	// then ends the reply with its error.
	Continue *Streamer
	// Inline writes on the caller's goroutine, each Update at once, with
	// no pacing: for an output that has no rate limit and never blocks
	// for long (a terminal).
	Inline bool
	// OnSideOff is told the queued side items when they cannot go into
	// the message (none open any more, or the platform refused them);
	// no more are taken after it.
	OnSideOff func(ctx context.Context, items []any)
	Logger    *slog.Logger
	// Now is the clock of the pacing; nil means time.Now.
	Now func() time.Time
}

// Appender writes a streamed answer into an append-only message, then,
// when that cannot carry it, through Continue. It implements bots.Reply;
// its calls run on one goroutine at a time, only while there is something
// to write (runner; from the first Update to Finish or ctx), or on the
// caller's with Inline.
type Appender struct {
	sink    AppendSink
	rb      ReadBacker  // sink when it is one
	finder  StartFinder // sink when it is one
	side    SideSink    // sink when it is one
	opts    AppendOptions
	cont    *Streamer
	measure func(string) int

	mu       sync.Mutex
	text     string
	final    bool
	started  bool
	finished bool
	broken   bool // a refusal with no Continue: nothing more is sent
	err      error
	items    []any // queued side items
	sideOff  bool
	id       string // the append-only message (read by IDs)
	first    time.Time
	// w runs the writer (step) while there is something to write.
	w *runner

	// run serializes the writing of an Inline Appender.
	run sync.Mutex

	// Owned by the writer (or by Finish once it has ended).
	sent     string // raw text delivered to the message
	sentLen  int    // measure of what the message shows
	lastCall time.Time
	handed   bool   // the whole reply goes through Continue
	cont2    bool   // the message is over: Continue carries text from contFrom
	contFrom int    // with cont2: raw offset where Continue starts
	fence    string // with cont2: the fence reopened at contFrom
	// pendEnd and pendChunk are an append whose outcome is unknown: its
	// raw end in text and what it sent (pendEnd 0: none).
	pendEnd   int
	pendChunk string
}

var (
	_ bots.Reply       = (*Appender)(nil)
	_ bots.MessageIDs  = (*Appender)(nil)
	_ bots.FirstPoster = (*Appender)(nil)
)

// NewAppender returns an Appender writing through sink.
func NewAppender(sink AppendSink, opts AppendOptions) *Appender {
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 5
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Measure == nil {
		opts.Measure = utf8.RuneCountInString
	}
	a := &Appender{sink: sink, opts: opts, cont: opts.Continue, measure: opts.Measure}
	a.w = newRunner(a.work, nil)
	a.rb, _ = sink.(ReadBacker)
	a.finder, _ = sink.(StartFinder)
	a.side, _ = sink.(SideSink)
	return a
}

// Update implements bots.Reply: it records text and wakes the writer (with
// Inline, writes it); it returns the error that ended the reply, if any.
func (a *Appender) Update(ctx context.Context, text string) error {
	a.mu.Lock()
	if a.final {
		a.mu.Unlock()
		return errors.New("stream: update after finish")
	}
	a.text = text
	a.started = true
	a.mu.Unlock()
	if a.opts.Inline {
		a.run.Lock()
		if !a.isBroken() {
			a.step(ctx, text)
		}
		a.run.Unlock()
		return a.failure()
	}
	a.w.start(ctx)
	a.wake()
	return a.failure()
}

// Finish implements bots.Reply: it delivers the final text and returns the
// error that prevented it.
func (a *Appender) Finish(ctx context.Context, text string) error {
	a.mu.Lock()
	a.text, a.final = text, true
	started := a.started
	a.mu.Unlock()
	if a.opts.Inline {
		a.run.Lock()
		defer a.run.Unlock()
		return a.finishOnce(ctx, text)
	}
	if started {
		a.wake()
		select {
		case <-a.w.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		a.mu.Lock()
		finished, broken, err := a.finished, a.broken, a.err
		a.mu.Unlock()
		if finished || broken {
			return err
		}
	}
	// The writer never ran, or ended with its context before the final
	// text: deliver it here, with Finish's context.
	return a.finishOnce(ctx, text)
}

func (a *Appender) finishOnce(ctx context.Context, text string) error {
	if a.isBroken() {
		return a.failure()
	}
	if err := a.deliverFinal(ctx, text); err != nil {
		return a.failure(err)
	}
	return nil
}

// Side queues an item for the open message (SideSink); ErrNoMessage when
// none can take it (nothing visible yet, the answer final, or side items
// off). It never blocks on the platform.
func (a *Appender) Side(item any) error {
	a.mu.Lock()
	// Blank text opens no message (Start waits for some).
	if a.side == nil || !a.started || a.final || a.sideOff || strings.TrimSpace(a.text) == "" {
		a.mu.Unlock()
		return ErrNoMessage
	}
	a.items = append(a.items, item)
	a.mu.Unlock()
	a.wake()
	return nil
}

// IDs implements bots.MessageIDs: the append-only message, then the
// Continue parts. Safe while streaming (the Engine journals them).
func (a *Appender) IDs() []string {
	a.mu.Lock()
	id := a.id
	a.mu.Unlock()
	var ids []string
	if a.cont != nil {
		ids = a.cont.IDs()
	}
	if id == "" {
		return ids
	}
	return append([]string{id}, ids...)
}

// FirstPost implements bots.FirstPoster: when the append-only message
// opened, else when Continue first posted.
func (a *Appender) FirstPost() time.Time {
	a.mu.Lock()
	t := a.first
	a.mu.Unlock()
	if t.IsZero() && a.cont != nil {
		return a.cont.FirstPost()
	}
	return t
}

// wake asks the writer for a run now: every text or side item is written
// at once, even while a retry waits.
func (a *Appender) wake() { a.w.wake(true) }

func (a *Appender) isBroken() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.broken
}

// failure records err (the first one wins) as what ended the reply and
// returns the recorded one; with no err it only returns it.
func (a *Appender) failure(err ...error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(err) > 0 && err[0] != nil && a.err == nil {
		a.err = err[0]
	}
	return a.err
}

// fail ends a reply that has no Continue: nothing more is sent.
func (a *Appender) fail(err error) {
	a.opts.Logger.Warn("stream: append-only message refused; the reply stops", "class", bots.ClassOf(err).String(), "err", err)
	a.failure(err)
	a.mu.Lock()
	a.broken = true
	a.mu.Unlock()
}

// work is the writer's work (see runner): the latest text and side
// items, or the final text; a retry asked for is the soonest wait.
func (a *Appender) work(ctx context.Context) (again time.Duration, stop bool) {
	a.mu.Lock()
	text, final := a.text, a.final
	a.mu.Unlock()
	if final {
		a.flushSide(ctx) // the last items, once, before the stop
		err := a.deliverFinal(ctx, text)
		a.mu.Lock()
		a.finished = ctx.Err() == nil || err == nil
		if err != nil && a.err == nil {
			a.err = err
		}
		a.mu.Unlock()
		return 0, true
	}
	retry := soonest(a.flushSide(ctx), a.step(ctx, text))
	retry = soonest(retry, a.flushSide(ctx)) // the message may just have opened
	return retry, a.isBroken()
}

// soonest is the shorter of two waits, 0 meaning none.
func soonest(a, b time.Duration) time.Duration {
	if a == 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// Restart, for an Inline Appender, sends what the last text still held
// back, then takes the next text as a new one, written after what is
// shown: the console prints a tool's status between two texts of an
// answer. The error that ended the reply, if any, is returned.
func (a *Appender) Restart(ctx context.Context) error {
	if !a.opts.Inline {
		return errors.New("stream: Restart needs an Inline Appender")
	}
	a.run.Lock()
	defer a.run.Unlock()
	a.mu.Lock()
	text := a.text
	a.mu.Unlock()
	switch {
	case a.isBroken():
	case a.id == "" && strings.TrimSpace(text) != "":
		a.start(ctx, text, len(text))
	case a.id != "" && strings.HasPrefix(text, a.sent) && len(text) > len(a.sent):
		if chunk := a.render(text[len(a.sent):]); chunk != "" {
			if err := a.sink.Append(ctx, a.id, chunk); err != nil {
				a.fail(err)
			}
		}
	}
	a.sent = ""
	return a.failure()
}
