package stream

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
)

// appendSink is an append-only platform message with scripted faults on
// its appends: a fault's applied says the chunk reached the message
// before the call failed (its answer was lost).
type appendSink struct {
	mu     sync.Mutex
	body   map[string]string
	open   map[string]bool
	calls  []string // "start", "append:<chunk>", "readback", "stop:<chunk>"
	faults map[int]fault
	n      int // appends so far
	stops  map[int]fault
	ns     int // stops so far
}

var (
	_ AppendSink = (*appendSink)(nil)
	_ ReadBacker = (*appendSink)(nil)
)

func newAppendSink(faults ...fault) *appendSink {
	s := &appendSink{body: map[string]string{}, open: map[string]bool{}, faults: map[int]fault{}, stops: map[int]fault{}}
	for _, f := range faults {
		if f.op == "stop" {
			s.stops[f.n] = f
		} else {
			s.faults[f.n] = f
		}
	}
	return s
}

func (s *appendSink) Start(_ context.Context, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "start")
	id := "s" + string(rune('0'+len(s.body)))
	s.body[id], s.open[id] = text, true
	return id, nil
}

func (s *appendSink) Append(_ context.Context, id, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "append:"+text)
	if !s.open[id] {
		return classErr{class: bots.Permanent}
	}
	ft, failing := s.faults[s.n]
	s.n++
	if failing {
		if ft.applied {
			s.body[id] += text
		}
		return ft.err
	}
	s.body[id] += text
	return nil
}

func (s *appendSink) Stop(_ context.Context, id, text string, _ bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "stop:"+text)
	if !s.open[id] {
		return classErr{class: bots.Permanent}
	}
	ft, failing := s.stops[s.ns]
	s.ns++
	if failing && !ft.applied {
		return ft.err
	}
	s.body[id] += text
	s.open[id] = false
	if failing {
		return ft.err
	}
	s.open[id] = false
	return nil
}

func (s *appendSink) ReadBack(_ context.Context, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "readback")
	return s.body[id], nil
}

func (s *appendSink) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func (s *appendSink) text(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.body[id]
}

// feed hands the appender texts one by one, letting its loop write each.
func feed(t *testing.T, r bots.Reply, texts ...string) {
	t.Helper()
	for _, x := range texts {
		if err := r.Update(t.Context(), x); err != nil {
			t.Fatalf("update %q: %v", x, err)
		}
		time.Sleep(2 * time.Second) // past MinInterval and any retry
		synctest.Wait()
	}
}

// An append whose outcome is unknown is read back before anything else
// is sent: one that arrived is not sent again, one that did not is.
func TestAppendUncertainIsReadBack(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(map[bool]string{true: "arrived", false: "lost"}[applied], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := newAppendSink(fault{n: 0, err: classErr{class: bots.Uncertain}, applied: applied})
				a := NewAppender(sink, AppendOptions{MinInterval: time.Second})
				feed(t, a, "one ", "one two ", "one two three ")
				if err := a.Finish(t.Context(), "one two three four"); err != nil {
					t.Fatal(err)
				}
				if got := sink.text("s0"); got != "one two three four" {
					t.Fatalf("message = %q, want the answer once", got)
				}
				calls := sink.log()
				i := indexOf(calls, "append:two ")
				if i < 0 || i+1 >= len(calls) || calls[i+1] != "readback" {
					t.Fatalf("the uncertain append was not read back before the next call: %q", calls)
				}
			})
		})
	}
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// A fence line still being written is not appended (its language is not
// known yet), and an open fence is never closed mid-stream: the chunks
// add up to the text, with no closing line to take back.
func TestAppendHoldsBackAHalfWrittenFence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newAppendSink()
		a := NewAppender(sink, AppendOptions{})
		feed(t, a, "Here:\n``", "Here:\n```g", "Here:\n```go\nx := 1\n")
		calls := sink.log()
		if len(calls) != 2 || calls[0] != "start" || calls[1] != "append:```go\nx := 1\n" {
			t.Fatalf("calls = %q, want the fence line only once whole", calls)
		}
		if got := sink.text("s0"); got != "Here:\n```go\nx := 1\n" {
			t.Fatalf("message = %q: a closing fence was appended mid-stream", got)
		}
		if err := a.Finish(t.Context(), "Here:\n```go\nx := 1\n```\nDone."); err != nil {
			t.Fatal(err)
		}
		if got := sink.text("s0"); got != "Here:\n```go\nx := 1\n```\nDone." {
			t.Fatalf("message = %q", got)
		}
	})
}

// An answer that outgrows the append-only message stops it at a line
// end, closing the open fence, and the rest goes on as post+update
// parts, the fence reopened with its language.
func TestAppendOverflowHandsOverToPostUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newAppendSink()
		parts := newFaultSink()
		cont := NewStreamer(parts, StreamOptions{Limit: 400})
		a := NewAppender(sink, AppendOptions{Limit: 40, Continue: cont})
		text := "Intro line.\n```go\nfirst := 1\nsecond := 2\nthird := 3\n```\nAfter."
		feed(t, a, text[:20], text[:45])
		if err := a.Finish(t.Context(), text); err != nil {
			t.Fatal(err)
		}
		calls := sink.log()
		last := calls[len(calls)-1]
		if !strings.HasPrefix(last, "stop:") || !strings.HasSuffix(last, "\n```") {
			t.Fatalf("the message was not stopped with its fence closed: %q", calls)
		}
		streamed := sink.text("s0")
		if n := len([]rune(streamed)); n > 40 {
			t.Fatalf("append-only message holds %d characters, limit 40", n)
		}
		vis := parts.visible()
		if len(vis) == 0 || !strings.HasPrefix(vis[0], "```go\n") {
			t.Fatalf("continuation = %q, want the fence reopened", vis)
		}
		joined := strings.TrimSuffix(streamed, "\n```") + strings.TrimPrefix(strings.Join(vis, ""), "```go\n")
		if joined != text {
			t.Fatalf("message + parts = %q, want the answer once", joined)
		}
		if ids := a.IDs(); len(ids) != 1+len(vis) || ids[0] != "s0" {
			t.Fatalf("IDs = %q", ids)
		}
	})
}

// A refused append with nowhere to go on (a terminal) ends the reply:
// its error from then on, and nothing more is sent.
func TestAppendRefusedWithoutContinueEnds(t *testing.T) {
	sink := newAppendSink(fault{n: 1, err: classErr{class: bots.Permanent}})
	a := NewAppender(sink, AppendOptions{Inline: true})
	ctx := context.Background()
	for _, x := range []string{"a ", "a b ", "a b c "} {
		_ = a.Update(ctx, x)
	}
	if err := a.Update(ctx, "a b c d "); bots.ClassOf(err) != bots.Permanent {
		t.Fatalf("update after the refusal = %v, want it", err)
	}
	if err := a.Finish(ctx, "a b c d e"); bots.ClassOf(err) != bots.Permanent {
		t.Fatalf("Finish = %v, want the refusal", err)
	}
	if calls := sink.log(); len(calls) != 3 {
		t.Fatalf("calls = %q, want none after the refusal", calls)
	}
}

// fit cuts a chunk that does not fit at a line end, on the rendered
// measure, never where the stable rule holds back (here Slack's: a "<"
// that could open a token, with a rendering that makes "<@" longer).
func TestAppendFit(t *testing.T) {
	grow := func(md string) string { return strings.ReplaceAll(md, "<@", "<\u200b@") }
	lone := func(text string, from int) int {
		if strings.HasSuffix(text, "<") {
			return max(from, len(text)-1)
		}
		return len(text)
	}
	a := NewAppender(newAppendSink(), AppendOptions{Render: grow, Stable: lone})
	text := strings.Repeat("line of text\n", 100) // 1,300 characters
	if got := a.fit(text, 0, len(text), 2000); got != len(text) {
		t.Errorf("a fitting text was cut at %d", got)
	}
	if got := a.fit(text, 0, len(text), 200); got > 200 || got < 100 || text[got-1] != '\n' {
		t.Errorf("cut at %d, want a line end at most 200", got)
	}
	tricky := strings.Repeat("a", 95) + " <!channel> tail"
	if cut := a.fit(tricky, 0, len(tricky), 97); strings.HasSuffix(tricky[:cut], "<") {
		t.Errorf("cut after a lone <: %q", tricky[:cut])
	}
	many := strings.Repeat("<@U1> ", 50)
	if cut := a.fit(many, 0, len(many), 100); len([]rune(grow(many[:cut]))) > 100 {
		t.Errorf("rendered part has %d characters", len([]rune(grow(many[:cut]))))
	}
	if got, want := fenceAfter("", "intro\n```go\ncode\n"), "```go"; got != want {
		t.Errorf("open fence = %q, want %q", got, want)
	}
	if got := fenceMarker("~~~~python"); got != "~~~~" {
		t.Errorf("closer = %q", got)
	}
}

// A stop whose answer was lost is tried again; refused then (the message
// is closed), the message is read back: the stop took effect, the last
// chunk is there once, and the reply is complete.
func TestAppendUncertainStopIsReadBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newAppendSink(fault{op: "stop", n: 0, err: classErr{class: bots.Uncertain}, applied: true})
		a := NewAppender(sink, AppendOptions{Continue: NewStreamer(newFaultSink(), StreamOptions{Limit: 400})})
		feed(t, a, "one ")
		if err := a.Finish(t.Context(), "one two"); err != nil {
			t.Fatalf("Finish = %v, want the stop that took effect counted", err)
		}
		if got := sink.text("s0"); got != "one two" {
			t.Fatalf("message = %q", got)
		}
		calls := sink.log()
		if n := len(calls); n < 3 || calls[n-2] != "stop:two" || calls[n-1] != "readback" {
			t.Fatalf("calls = %q, want the stop retried, then a read back", calls)
		}
		if ids := a.IDs(); len(ids) != 1 {
			t.Fatalf("IDs = %q: the answer went on in another message", ids)
		}
	})
}

// spent is a Budget that refuses everything.
type spent struct{}

func (spent) AllowN(int, int) bool { return false }
func (spent) Pause(time.Duration)  {}

// A reply whose start the budget refuses is written whole as post+update.
func TestAppendStartBudgetSpentHandsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newAppendSink()
		parts := newFaultSink()
		a := NewAppender(sink, AppendOptions{Opens: spent{}, Continue: NewStreamer(parts, StreamOptions{Limit: 400})})
		feed(t, a, "one ", "one two ")
		if err := a.Finish(t.Context(), "one two three"); err != nil {
			t.Fatal(err)
		}
		if calls := sink.log(); len(calls) != 0 {
			t.Fatalf("append-only calls %q with the budget spent", calls)
		}
		if vis := parts.visible(); len(vis) != 1 || vis[0] != "one two three" {
			t.Fatalf("post+update = %q", vis)
		}
	})
}

// sideSink adds side items to an appendSink; refuse makes it refuse them
// for good.
type sideSink struct {
	*appendSink
	refuse bool
}

var _ SideSink = (*sideSink)(nil)

func (s *sideSink) AppendSide(_ context.Context, id string, items []any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "side")
	if s.refuse {
		return classErr{class: bots.Permanent}
	}
	for _, it := range items {
		s.body[id] += "[" + it.(string) + "]"
	}
	return nil
}

// Side items wait for the message to open and go in between text
// appends; refused for good, they and any later ones go to OnSideOff,
// and Side says no from then on.
func TestAppendSideItems(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(map[bool]string{false: "sent", true: "refused"}[refuse], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &sideSink{appendSink: newAppendSink(), refuse: refuse}
				var off []any
				a := NewAppender(sink, AppendOptions{OnSideOff: func(_ context.Context, items []any) { off = append(off, items...) }})
				if err := a.Side("early"); err != ErrNoMessage {
					t.Fatalf("Side before any text = %v, want ErrNoMessage", err)
				}
				feed(t, a, "one ")
				if err := a.Side("task"); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				feed(t, a, "one two ")
				if err := a.Finish(t.Context(), "one two three"); err != nil {
					t.Fatal(err)
				}
				got := sink.text("s0")
				if !refuse {
					if got != "one [task]two three" || len(off) != 0 {
						t.Fatalf("message = %q, off = %v", got, off)
					}
					return
				}
				if got != "one two three" || len(off) != 1 || off[0] != "task" {
					t.Fatalf("message = %q, off = %v, want the task handed to OnSideOff", got, off)
				}
				if err := a.Side("later"); err != ErrNoMessage {
					t.Fatalf("Side after a refusal = %v", err)
				}
			})
		})
	}
}

// An answer that ends before the loop opened its message (a short
// answer, a busy scheduler: Finish with no Update before it) is still
// written in the append-only message, start then stop, so whether it
// streams does not depend on timing; an empty one opens nothing.
func TestAppendFinishBeforeStartStillStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := newAppendSink()
		parts := newFaultSink()
		a := NewAppender(sink, AppendOptions{Continue: NewStreamer(parts, StreamOptions{Limit: 400})})
		if err := a.Finish(t.Context(), "Short answer."); err != nil {
			t.Fatal(err)
		}
		if calls := sink.log(); len(calls) != 2 || calls[0] != "start" || !strings.HasPrefix(calls[1], "stop:") {
			t.Fatalf("append-only calls %q, want start then stop", calls)
		}
		if got := sink.text("s0"); got != "Short answer." {
			t.Fatalf("message = %q", got)
		}
		if vis := parts.visible(); len(vis) != 0 {
			t.Fatalf("post+update used too: %q", vis)
		}
		if ids := a.IDs(); len(ids) != 1 || ids[0] != "s0" {
			t.Fatalf("IDs = %q", ids)
		}

		empty := newAppendSink()
		b := NewAppender(empty, AppendOptions{Continue: NewStreamer(newFaultSink(), StreamOptions{Limit: 400})})
		_ = b.Finish(t.Context(), "")
		if calls := empty.log(); len(calls) != 0 {
			t.Fatalf("an empty answer opened a message: %q", calls)
		}
	})
}
