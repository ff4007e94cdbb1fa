package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recordSink keeps every text posted or edited, in order.
type recordSink struct {
	mu    sync.Mutex
	calls []string
}

func (r *recordSink) Post(ctx context.Context, text string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, text)
	return fmt.Sprint("m", len(r.calls)), nil
}

func (r *recordSink) Edit(ctx context.Context, id, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, text)
	return nil
}

// TestStreamerWakesPerEditNotPerToken: while an edit waits for its
// interval, Update only records the text; the writer's goroutine is woken
// by its timer, once per edit, not by every token (a wake-up per token
// was a context switch per token). What reaches the platform keeps the
// tokens' order: every text is a prefix of the next, and the last is the
// final text.
func TestStreamerWakesPerEditNotPerToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		s := NewStreamer(sink, StreamOptions{Limit: 100000, MinInterval: time.Second})
		ctx := context.Background()
		var b strings.Builder
		const tokens = 300
		for i := range tokens {
			fmt.Fprintf(&b, "t%d ", i)
			if err := s.Update(ctx, b.String()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond) // 50 tokens/s
			synctest.Wait()
		}
		if err := s.Finish(ctx, b.String()); err != nil {
			t.Fatal(err)
		}
		calls := sink.calls
		// 6 s of tokens at one edit per second: the post, about six
		// edits, the final one.
		if len(calls) < 3 || len(calls) > 10 {
			t.Fatalf("%d platform calls, want the post, one edit a second and the final text", len(calls))
		}
		for i := 1; i < len(calls); i++ {
			if !strings.HasPrefix(calls[i], calls[i-1]) {
				t.Fatalf("call %d %.30q… does not continue call %d", i, calls[i], i-1)
			}
		}
		if last := calls[len(calls)-1]; last != b.String() {
			t.Fatalf("final text %.40q…, want the whole text", last)
		}
		// The first token and each one after an edit wake the writer (it
		// has no timer then); the rest only record the text.
		if s.w.wakes > 2*len(calls)+2 {
			t.Errorf("the writer woke for %d of %d tokens, want about one per edit (%d calls)", s.w.wakes, tokens, len(calls))
		}
	})
}
