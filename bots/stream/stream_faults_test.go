package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
)

// classErr is a classified platform error, as adapters return them.
type classErr struct {
	class bots.FailureClass
	after time.Duration
	gone  bool
}

func (e classErr) Error() string             { return "fault: " + e.class.String() }
func (e classErr) Class() bots.FailureClass  { return e.class }
func (e classErr) RetryAfter() time.Duration { return e.after }
func (e classErr) Unwrap() error {
	if e.gone {
		return bots.ErrMessageGone
	}
	return nil
}

// fault is one scripted failure: the n-th call of op (0-based) fails with
// err; applied means the platform carried the call out before failing
// (the reply to it was lost).
type fault struct {
	op      string // "post" or "edit"
	n       int
	err     classErr
	applied bool
}

// faultSink is a platform that fails calls as scripted. With once it is
// an bots.OncePoster: a PostOnce repeated for a part returns the first
// message, as Discord's enforce_nonce does.
type faultSink struct {
	mu     sync.Mutex
	faults []fault
	calls  map[string]int
	msgs   map[string]string
	order  []string
	byPart map[int]string
	frozen map[string]bool // edits refused for good
}

func newFaultSink(faults ...fault) *faultSink {
	return &faultSink{faults: faults, calls: map[string]int{}, msgs: map[string]string{},
		byPart: map[int]string{}, frozen: map[string]bool{}}
}

// next returns the scripted fault of this call, if any.
func (f *faultSink) next(op string) (fault, bool) {
	n := f.calls[op]
	f.calls[op]++
	for _, ft := range f.faults {
		if ft.op == op && ft.n == n {
			return ft, true
		}
	}
	return fault{}, false
}

func (f *faultSink) Post(ctx context.Context, text string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, failing := f.next("post")
	if failing && !ft.applied {
		return "", ft.err
	}
	id := fmt.Sprint("m", len(f.order))
	f.order = append(f.order, id)
	f.msgs[id] = text
	if failing {
		return "", ft.err
	}
	return id, nil
}

func (f *faultSink) Edit(ctx context.Context, id, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.msgs[id]; !ok {
		return classErr{class: bots.Permanent, gone: true}
	}
	if f.frozen[id] {
		return classErr{class: bots.Permanent}
	}
	ft, failing := f.next("edit")
	if failing {
		switch {
		case ft.err.gone:
			delete(f.msgs, id)
		case ft.err.class == bots.Permanent:
			f.frozen[id] = true
		case ft.applied:
			f.msgs[id] = text
		}
		return ft.err
	}
	f.msgs[id] = text
	return nil
}

// visible is what a reader of the conversation sees, message by message.
func (f *faultSink) visible() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range f.order {
		if t, ok := f.msgs[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// onceSink adds PostOnce to a faultSink.
type onceSink struct{ *faultSink }

var _ bots.OncePoster = onceSink{}

func (o onceSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	o.mu.Lock()
	if id, ok := o.byPart[part]; ok {
		o.mu.Unlock()
		return id, nil
	}
	n := len(o.order)
	o.mu.Unlock()
	id, err := o.Post(ctx, text)
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.order) > n { // created, even when the answer was lost
		o.byPart[part] = o.order[n]
	}
	return id, err
}

// runFault streams answer through a Streamer over sink in a synctest
// bubble (retries wait on the fake clock) and returns Finish's error.
func runFault(t *testing.T, sink Sink, answer string) error {
	t.Helper()
	var ferr error
	synctest.Test(t, func(t *testing.T) {
		s := NewStreamer(sink, StreamOptions{Limit: 40, MinInterval: time.Second})
		ctx := context.Background()
		words := strings.Fields(answer)
		for i := range words {
			if err := s.Update(ctx, strings.Join(words[:i+1], " ")); err != nil && i == 0 {
				t.Fatalf("update: %v", err)
			}
			time.Sleep(700 * time.Millisecond) // tokens arrive over (fake) time
		}
		ferr = s.Finish(ctx, answer)
	})
	return ferr
}

const faultAnswer = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen"

// joined is the visible text of all messages as one, for comparison with
// the answer (parts are cut at spaces).
func joined(msgs []string) string { return strings.Join(strings.Fields(strings.Join(msgs, " ")), " ") }

// TestStreamerFaultTable runs each fault of the delivery table against
// the writer: the platform ends with exactly one complete answer (no text
// lost, none repeated), or the error that says why not.
func TestStreamerFaultTable(t *testing.T) {
	cases := []struct {
		name   string
		faults []fault
		once   bool
	}{
		{name: "no fault"},
		{name: "429 once on the first post", faults: []fault{{op: "post", n: 0, err: classErr{class: bots.Transient, after: 2 * time.Second}}}},
		{name: "502 three times on an edit", faults: []fault{
			{op: "edit", n: 1, err: classErr{class: bots.Transient}},
			{op: "edit", n: 2, err: classErr{class: bots.Transient}},
			{op: "edit", n: 3, err: classErr{class: bots.Transient}},
		}},
		{name: "reset after an edit took effect", faults: []fault{{op: "edit", n: 0, err: classErr{class: bots.Uncertain}, applied: true}}},
		{name: "edit refused for good mid-stream", faults: []fault{{op: "edit", n: 1, err: classErr{class: bots.Permanent}}}},
		{name: "first edit refused for good", faults: []fault{{op: "edit", n: 0, err: classErr{class: bots.Permanent}}}},
		{name: "message deleted mid-stream", faults: []fault{{op: "edit", n: 1, err: classErr{class: bots.Permanent, gone: true}}}},
		{name: "reset after the post took effect, idempotent post", once: true,
			faults: []fault{{op: "post", n: 0, err: classErr{class: bots.Uncertain}, applied: true}}},
		{name: "undecodable 2xx on a later part, idempotent post", once: true,
			faults: []fault{{op: "post", n: 1, err: classErr{class: bots.Uncertain}, applied: true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newFaultSink(c.faults...)
			var sink Sink = fs
			if c.once {
				sink = onceSink{fs}
			}
			err := runFault(t, sink, faultAnswer)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			got := fs.visible()
			if joined(got) != faultAnswer {
				t.Fatalf("visible text %q, want the whole answer once:\n%q", got, faultAnswer)
			}
			for _, m := range got {
				if len([]rune(m)) > 40 {
					t.Errorf("a message over the limit: %q", m)
				}
			}
		})
	}
}

// TestStreamerNeverRepeatsAnUncertainPost: without PostOnce, a post whose
// outcome is unclear is not posted again (two answers would be worse than
// the error the Engine turns into a notice).
func TestStreamerNeverRepeatsAnUncertainPost(t *testing.T) {
	fs := newFaultSink(fault{op: "post", n: 0, err: classErr{class: bots.Uncertain}, applied: true})
	err := runFault(t, fs, faultAnswer)
	if bots.ClassOf(err) != bots.Uncertain {
		t.Fatalf("Finish = %v, want the uncertain error", err)
	}
	if n := fs.calls["post"]; n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
}

// TestStreamerDoesNotRetryPermanentPosts: a post refused for good
// (missing permission, channel gone) is tried once, and Finish says so.
func TestStreamerDoesNotRetryPermanentPosts(t *testing.T) {
	fs := newFaultSink()
	for n := range 20 {
		fs.faults = append(fs.faults, fault{op: "post", n: n, err: classErr{class: bots.Permanent}})
	}
	err := runFault(t, fs, faultAnswer)
	if bots.ClassOf(err) != bots.Permanent || err == nil {
		t.Fatalf("Finish = %v, want the permanent error", err)
	}
	if n := fs.calls["post"]; n > 2 {
		// One try by the loop, one by Finish's final delivery at most.
		t.Fatalf("%d posts, want at most 2 (never retried)", n)
	}
	if len(fs.visible()) != 0 {
		t.Fatalf("visible %q", fs.visible())
	}
}

// TestStreamerTransientStormEndsWithTheError: 502s longer than the
// retries end in a bots.Transient error (the journal finishes the reply once
// the platform answers again), after bounded retries.
func TestStreamerTransientStormEndsWithTheError(t *testing.T) {
	fs := newFaultSink()
	for n := range 100 {
		fs.faults = append(fs.faults, fault{op: "post", n: n, err: classErr{class: bots.Transient}})
	}
	err := runFault(t, fs, faultAnswer)
	if bots.ClassOf(err) != bots.Transient {
		t.Fatalf("Finish = %v, want the transient error", err)
	}
	if n := fs.calls["post"]; n > 2*6 {
		t.Fatalf("%d posts: retries are not bounded", n)
	}
}
