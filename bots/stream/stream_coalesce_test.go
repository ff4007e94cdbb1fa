package stream

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStreamerDoesNotResyncEveryToken: while an edit is not due, new text
// only waits for it; the Streamer does not split and render the whole
// text on every token (that was most of the bot's CPU per reply). Render
// counts the work: 300 tokens, one by one, in well under the edit interval cost a
// handful of renders, not hundreds, and the final text is complete.
func TestStreamerDoesNotResyncEveryToken(t *testing.T) {
	sink := newFakeSink(4000)
	var renders atomic.Int64
	s := NewStreamer(sink, StreamOptions{Limit: 4000, MinInterval: time.Minute,
		Render: func(md string) string { renders.Add(1); return md }})
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("first")
	if err := s.Update(ctx, b.String()); err != nil {
		t.Fatal(err)
	}
	for len(sink.texts()) == 0 {
		time.Sleep(time.Millisecond)
	}
	before := renders.Load()
	for range 300 {
		b.WriteString(" tok")
		if err := s.Update(ctx, b.String()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond) // tokens come one by one
	}
	time.Sleep(50 * time.Millisecond) // let the writer run, were it to sync on each kick
	during := renders.Load() - before
	if err := s.Finish(ctx, b.String()); err != nil {
		t.Fatal(err)
	}
	if during > 10 {
		t.Errorf("%d renders for 300 updates while no edit was due, want a handful", during)
	}
	if got := strings.Join(sink.texts(), ""); got != b.String() {
		t.Errorf("final text = %.40q…, want the whole text", got)
	}
}
