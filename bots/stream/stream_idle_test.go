package stream

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"mistralbot/internal/leaktest"
)

// signalSink records the calls and says when one was made.
type signalSink struct {
	recordSink
	once   sync.Once
	posted chan struct{}
}

func (s *signalSink) Post(ctx context.Context, text string) (string, error) {
	id, err := s.recordSink.Post(ctx, text)
	s.once.Do(func() { close(s.posted) })
	return id, err
}

// TestStreamerHoldsNoGoroutineWhileWaiting: between two edits the writer
// has no goroutine (issue 20: a parked writer per reply was one stack per
// in-flight reply). After the first post, with the next edit an hour
// away, no goroutine of the Streamer is left; Finish still delivers the
// final text.
func TestStreamerHoldsNoGoroutineWhileWaiting(t *testing.T) {
	before := goleak.IgnoreCurrent()
	sink := &signalSink{posted: make(chan struct{})}
	s := NewStreamer(sink, StreamOptions{Limit: 2000, MinInterval: time.Hour})
	ctx := context.Background()
	if err := s.Update(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	<-sink.posted
	if err := s.Update(ctx, "hello world"); err != nil { // waits for the hour
		t.Fatal(err)
	}
	// Find retries until the run that posted has returned.
	if err := leaktest.Find(before); err != nil {
		t.Fatalf("the writer keeps a goroutine while it waits for its next edit: %v", err)
	}
	if err := s.Finish(ctx, "hello world, bye"); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if got := sink.calls; len(got) != 2 || got[0] != "hello" || got[1] != "hello world, bye" {
		t.Fatalf("calls %q, want the post and the final edit", got)
	}
	if err := leaktest.Find(before); err != nil {
		t.Fatalf("goroutine left after Finish: %v", err)
	}
}

// TestStreamerEndsWithItsContextWhileWaiting: a reply whose context ends
// while its writer waits for the next edit (no goroutine to see it: the
// context's callback) ends the writer at once, and Finish delivers the
// final text with its own context; one post, one final edit.
func TestStreamerEndsWithItsContextWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		s := NewStreamer(sink, StreamOptions{Limit: 2000, MinInterval: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		if err := s.Update(ctx, "part"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if err := s.Update(ctx, "part two"); err != nil {
			t.Fatal(err)
		}
		cancel()
		synctest.Wait()
		select {
		case <-s.w.done:
		default:
			t.Fatal("the writer did not end with its context")
		}
		if err := s.Finish(context.Background(), "part two, done"); err != nil {
			t.Fatal(err)
		}
		if got := sink.calls; len(got) != 2 || got[1] != "part two, done" {
			t.Fatalf("calls %q, want the post and the final edit", got)
		}
	})
}

// TestStreamerTextDuringACallIsWritten: a text that comes while a
// platform call runs is not lost for want of a goroutine waiting for it:
// the run that made the call syncs again (edits without interval).
func TestStreamerTextDuringACallIsWritten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &slowSink{d: 100 * time.Millisecond}
		s := NewStreamer(sink, StreamOptions{Limit: 2000})
		ctx := context.Background()
		var b strings.Builder
		for i := range 50 {
			b.WriteString("word ")
			if err := s.Update(ctx, b.String()); err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				time.Sleep(30 * time.Millisecond)
			}
		}
		// No Finish yet: the last Update's text must still arrive once
		// the calls in flight are done.
		time.Sleep(time.Second)
		synctest.Wait()
		sink.mu.Lock()
		last := sink.calls[len(sink.calls)-1]
		sink.mu.Unlock()
		if last != b.String() {
			t.Fatalf("last text written %q, want the last Update's", last)
		}
		if err := s.Finish(ctx, b.String()); err != nil {
			t.Fatal(err)
		}
	})
}

// slowSink is a recordSink whose calls take d.
type slowSink struct {
	recordSink
	d time.Duration
}

func (s *slowSink) Post(ctx context.Context, text string) (string, error) {
	time.Sleep(s.d)
	return s.recordSink.Post(ctx, text)
}

func (s *slowSink) Edit(ctx context.Context, id, text string) error {
	time.Sleep(s.d)
	return s.recordSink.Edit(ctx, id, text)
}
