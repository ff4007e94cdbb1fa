package stream

import (
	"context"
	"fmt"
	"mistralbot/bots"
	"mistralbot/bots/pace"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingPacer counts what a pace.Pacer granted: tokens (Allow true, Wait
// nil), admissions and releases.
type countingPacer struct {
	*pace.SharedBudget
	mu                       sync.Mutex
	grants, admits, releases int
}

func (c *countingPacer) Allow() bool {
	ok := c.SharedBudget.Allow()
	if ok {
		c.mu.Lock()
		c.grants++
		c.mu.Unlock()
	}
	return ok
}

func (c *countingPacer) Wait(ctx context.Context) error {
	err := c.SharedBudget.Wait(ctx)
	if err == nil {
		c.mu.Lock()
		c.grants++
		c.mu.Unlock()
	}
	return err
}

func (c *countingPacer) Admit() bool {
	ok := c.SharedBudget.Admit()
	if ok {
		c.mu.Lock()
		c.admits++
		c.mu.Unlock()
	}
	return ok
}

func (c *countingPacer) Release() {
	c.mu.Lock()
	c.releases++
	c.mu.Unlock()
	c.SharedBudget.Release()
}

func (c *countingPacer) counts() (grants, admits, releases int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grants, c.admits, c.releases
}

// ledger is the platform's view of the edits of every reply sharing one
// budget: it checks at each edit that the edit was paid for.
type ledger struct {
	pacer       *countingPacer
	start       time.Time // before the bucket was made
	burst, rate float64   // tokens, tokens per second

	mu    sync.Mutex
	edits []time.Time
	errs  []string
}

// ledgerSink is one reply's messages on the shared platform.
type ledgerSink struct {
	*fakeSink
	l *ledger
}

func (s ledgerSink) Edit(ctx context.Context, id, text string) error {
	s.l.edit()
	return s.fakeSink.Edit(ctx, id, text)
}

func (l *ledger) edit() {
	// Under l.mu, every edit recorded so far and this one had its token
	// counted already, and the times are in order.
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	grants, _, _ := l.pacer.counts()
	l.edits = append(l.edits, now)
	n := len(l.edits)
	if n > grants {
		l.errs = append(l.errs, fmt.Sprintf("edit %d with only %d tokens granted", n, grants))
	}
	if budget := l.burst + l.rate*now.Sub(l.start).Seconds(); float64(n) > budget {
		l.errs = append(l.errs, fmt.Sprintf("edit %d after %v: budget %.1f", n, now.Sub(l.start), budget))
	}
}

// maxInWindow returns the most edits within any window of length w.
func (l *ledger) maxInWindow(w time.Duration) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	most := 0
	for i := range l.edits {
		n := 0
		for j := i; j < len(l.edits) && l.edits[j].Sub(l.edits[i]) <= w; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

func newLedger(n int, per time.Duration) *ledger {
	l := &ledger{start: time.Now(), burst: float64(n), rate: float64(n) / per.Seconds()}
	l.pacer = &countingPacer{SharedBudget: pace.NewSharedBudget(pace.NewBucket(n, per))}
	return l
}

// streamWords streams words one by one, every gap, then finishes; it
// returns the final text.
func streamWords(ctx context.Context, t *testing.T, r bots.Reply, words int, gap time.Duration) string {
	var b strings.Builder
	for i := range words {
		fmt.Fprintf(&b, "w%d ", i)
		if err := r.Update(ctx, b.String()); err != nil {
			t.Errorf("update: %v", err)
		}
		time.Sleep(gap)
	}
	b.WriteString("end.")
	if err := r.Finish(ctx, b.String()); err != nil {
		t.Errorf("finish: %v", err)
	}
	return b.String()
}

func TestStreamerPacedFinalWithNothingPostedIsOnePost(t *testing.T) {
	frozen := time.Unix(1000, 0)
	p := pace.NewSharedBudget(pace.NewBucketClock(1, time.Hour, func() time.Time { return frozen }))
	p.Hold() // the only token is reserved: no admission
	cp := &countingPacer{SharedBudget: p}
	for _, words := range []int{0, 20} {
		sink := newFakeSink(1000)
		s := NewStreamer(sink, StreamOptions{Limit: 1000, Throttle: cp})
		want := streamWords(context.Background(), t, s, words, 5*time.Millisecond)
		if got := sink.texts(); len(got) != 1 || got[0] != want || sink.posts != 1 || sink.edits != 0 {
			t.Errorf("%d updates: posts %d, edits %d, messages %q; want one post of the final text", words, sink.posts, sink.edits, got)
		}
	}
	if _, admits, releases := cp.counts(); admits != 0 || releases != 0 || p.Reserved() != 1 {
		t.Errorf("admits %d, releases %d, reserve %d", admits, releases, p.Reserved())
	}
}

func TestStreamerAtTenTimesTheBudget(t *testing.T) {
	const replies, perSecond = 50, 5
	l := newLedger(perSecond, time.Second)
	sinks := make([]*fakeSink, replies)
	wants := make([]string, replies)
	var wg sync.WaitGroup
	for i := range replies {
		sinks[i] = newFakeSink(1000)
		s := NewStreamer(ledgerSink{sinks[i], l}, StreamOptions{Limit: 1000, Throttle: l.pacer})
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 40 * time.Millisecond) // replies start over 2 s
			wants[i] = streamWords(context.Background(), t, s, 40, 30*time.Millisecond)
		})
	}
	wg.Wait()
	single, paced := 0, 0
	for i, sink := range sinks {
		if got := sink.texts(); len(got) != 1 || got[0] != wants[i] {
			t.Errorf("reply %d: messages %q, want its final text", i, got)
		}
		switch {
		case sink.posts == 1 && sink.edits == 0:
			single++
		case sink.posts == 1:
			paced++
		default:
			t.Errorf("reply %d: %d posts", i, sink.posts)
		}
	}
	_, admits, releases := l.pacer.counts()
	if single == 0 || paced == 0 || paced != admits {
		t.Errorf("%d single posts, %d streamed replies, %d admissions", single, paced, admits)
	}
	if releases != admits || l.pacer.Reserved() != 0 {
		t.Errorf("%d admissions, %d releases, reserve %d", admits, releases, l.pacer.Reserved())
	}
	for _, e := range l.errs {
		t.Error(e)
	}
	// The bucket allows burst + rate*w in any window w; one more is
	// tolerated for the time between a token's grant and the edit's
	// arrival here.
	if most := l.maxInWindow(time.Second); most > 2*perSecond+1 {
		t.Errorf("%d edits within one second on a budget of %d/s", most, perSecond)
	}
	t.Logf("%d single posts, %d streamed replies, %d edits", single, paced, len(l.edits))
}

func TestStreamerSharesIntermediateEditsFairly(t *testing.T) {
	const replies = 4
	l := newLedger(10, time.Second)
	sinks := make([]*fakeSink, replies)
	var wg sync.WaitGroup
	for i := range replies {
		sinks[i] = newFakeSink(10000)
		s := NewStreamer(ledgerSink{sinks[i], l}, StreamOptions{Limit: 10000, Throttle: l.pacer})
		wg.Go(func() { streamWords(context.Background(), t, s, 150, 20*time.Millisecond) })
	}
	wg.Wait()
	least, most := 1<<30, 0
	var counts []int
	for _, sink := range sinks {
		n := sink.edits - 1 // without the final edit
		counts = append(counts, n)
		least, most = min(least, n), max(most, n)
	}
	t.Logf("intermediate edits per reply: %v", counts)
	if least < 2 || most-least > 2 {
		t.Errorf("intermediate edits per reply %v: want at least 2 each, differing by at most 2", counts)
	}
	if _, admits, releases := l.pacer.counts(); admits != replies || releases != replies {
		t.Errorf("%d admissions, %d releases for %d replies", admits, releases, replies)
	}
	for _, e := range l.errs {
		t.Error(e)
	}
}

func TestStreamerReleasesOnceOnCancel(t *testing.T) {
	l := newLedger(10, time.Second)
	sink := newFakeSink(1000)
	ctx, cancel := context.WithCancel(context.Background())
	s := NewStreamer(ledgerSink{sink, l}, StreamOptions{Limit: 1000, Throttle: l.pacer})
	if err := s.Update(ctx, "first words"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first post", func() bool { return len(s.IDs()) == 1 })
	if l.pacer.Reserved() != 1 {
		t.Fatalf("reserve %d while the admitted reply streams", l.pacer.Reserved())
	}
	cancel()
	if err := s.Finish(context.Background(), "first words, then the end"); err != nil {
		t.Fatal(err)
	}
	if got := sink.texts(); len(got) != 1 || got[0] != "first words, then the end" {
		t.Fatalf("messages %q", got)
	}
	// A reply whose context ends without Finish releases too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	s2 := NewStreamer(ledgerSink{newFakeSink(1000), l}, StreamOptions{Limit: 1000, Throttle: l.pacer})
	if err := s2.Update(ctx2, "abandoned"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the second reply's first post", func() bool { return len(s2.IDs()) == 1 })
	cancel2()
	waitUntil(t, "the abandoned reply's release", func() bool { return l.pacer.Reserved() == 0 })
	if _, admits, releases := l.pacer.counts(); admits != 2 || releases != 2 {
		t.Fatalf("%d admissions, %d releases; want 2 and 2", admits, releases)
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
