package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"mistralbot/bots"
)

// fakeSink records messages like a platform, enforcing a length limit and
// refusing calls with a retry-after error while fail > 0.
type fakeSink struct {
	mu     sync.Mutex
	limit  int
	msgs   map[string]string
	order  []string
	posts  int
	edits  int
	fail   int
	failed int
}

type retryErr struct{ d time.Duration }

func (e retryErr) Error() string             { return "rate limited" }
func (e retryErr) RetryAfter() time.Duration { return e.d }

func newFakeSink(limit int) *fakeSink { return &fakeSink{limit: limit, msgs: map[string]string{}} }

func (f *fakeSink) check(text string) error {
	if f.fail > 0 {
		f.fail--
		f.failed++
		return retryErr{time.Millisecond}
	}
	if utf8.RuneCountInString(text) > f.limit {
		return fmt.Errorf("msg_too_long: %d", utf8.RuneCountInString(text))
	}
	return nil
}

func (f *fakeSink) Post(ctx context.Context, text string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(text); err != nil {
		return "", err
	}
	f.posts++
	id := fmt.Sprint("m", len(f.order))
	f.order = append(f.order, id)
	f.msgs[id] = text
	return id, nil
}

func (f *fakeSink) Edit(ctx context.Context, id, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(text); err != nil {
		return err
	}
	if _, ok := f.msgs[id]; !ok {
		return fmt.Errorf("message_not_found %s", id)
	}
	f.edits++
	f.msgs[id] = text
	return nil
}

func (f *fakeSink) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range f.order {
		out = append(out, f.msgs[id])
	}
	return out
}

func streamTokens(t *testing.T, r bots.Reply, text string, step int) {
	t.Helper()
	ctx := context.Background()
	for i := step; i < len(text); i += step {
		for !utf8.RuneStart(text[i]) {
			i++
		}
		if err := r.Update(ctx, text[:i]); err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	if err := r.Finish(ctx, text); err != nil {
		t.Fatalf("finish: %v", err)
	}
}

// firstThenStream sends the first token, waits until it is posted, then
// streams the rest token by token.
func firstThenStream(t *testing.T, sink *fakeSink, s *Streamer, text string) {
	t.Helper()
	if err := s.Update(context.Background(), text[:3]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		sink.mu.Lock()
		posted := sink.posts
		sink.mu.Unlock()
		if posted == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first text never posted")
		}
		time.Sleep(time.Millisecond)
	}
	streamTokens(t, s, text, 4)
}

func TestStreamerShortAnswer(t *testing.T) {
	sink := newFakeSink(100)
	s := NewStreamer(sink, StreamOptions{Limit: 100})
	streamTokens(t, s, "Hello there, this is a short answer.", 3)
	got := sink.texts()
	if len(got) != 1 || got[0] != "Hello there, this is a short answer." {
		t.Fatalf("messages = %q", got)
	}
	if sink.posts != 1 {
		t.Fatalf("posts = %d, want 1", sink.posts)
	}
	if len(s.IDs()) != 1 || s.FirstPost().IsZero() {
		t.Fatalf("ids %v first post %v", s.IDs(), s.FirstPost())
	}
}

func TestStreamerLongAnswerSplitsWithBalancedFences(t *testing.T) {
	var b strings.Builder
	b.WriteString("Here is the code you asked for.\n\n```go\n")
	for i := 0; b.Len() < 5000; i++ {
		fmt.Fprintf(&b, "fmt.Println(%d) // line of code\n", i)
	}
	b.WriteString("```\n\nAnd that is all: it prints numbers.")
	text := b.String()
	sink := newFakeSink(2000)
	s := NewStreamer(sink, StreamOptions{Limit: 2000})
	streamTokens(t, s, text, 7)
	got := sink.texts()
	if len(got) < 3 {
		t.Fatalf("want >= 3 messages, got %d", len(got))
	}
	for i, m := range got {
		if strings.Count(m, "```")%2 != 0 {
			t.Errorf("message %d has unbalanced fences", i)
		}
		if i > 0 && i < len(got)-1 && !strings.HasPrefix(m, "```go\n") {
			t.Errorf("message %d does not re-open the go fence: %.30q", i, m)
		}
	}
	assertSameWords(t, text, got)
}

func TestStreamerRetriesRateLimitedCallsWithoutLosingText(t *testing.T) {
	text := strings.Repeat("word ", 1000)
	sink := newFakeSink(1000)
	sink.fail = 4
	s := NewStreamer(sink, StreamOptions{Limit: 1000, MaxRetries: 10})
	streamTokens(t, s, text, 50)
	if sink.failed != 4 {
		t.Fatalf("failed calls = %d", sink.failed)
	}
	assertSameWords(t, text, sink.texts())
}

func TestStreamerGivesUpAfterMaxRetries(t *testing.T) {
	sink := newFakeSink(1000)
	sink.fail = 100
	s := NewStreamer(sink, StreamOptions{Limit: 1000, MaxRetries: 2})
	err := s.Finish(context.Background(), "hello")
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("err = %v, want the rate limit error", err)
	}
	if sink.failed != 3 {
		t.Fatalf("attempts = %d, want 3", sink.failed)
	}
}

// denyThrottle refuses every optional call and counts mandatory ones.
type denyThrottle struct {
	mu    sync.Mutex
	waits int
}

func (d *denyThrottle) Allow() bool { return false }
func (d *denyThrottle) Wait(ctx context.Context) error {
	d.mu.Lock()
	d.waits++
	d.mu.Unlock()
	return nil
}

func TestStreamerThrottleSkipsIntermediateEditsButNotTheFinal(t *testing.T) {
	sink := newFakeSink(100)
	th := &denyThrottle{}
	s := NewStreamer(sink, StreamOptions{Limit: 100, Throttle: th})
	text := "one two three four five six seven eight nine ten"
	firstThenStream(t, sink, s, text)
	if sink.edits != 1 || th.waits != 1 {
		t.Fatalf("edits = %d, waits = %d; want exactly the final edit", sink.edits, th.waits)
	}
	if got := sink.texts(); len(got) != 1 || got[0] != text {
		t.Fatalf("messages = %q", got)
	}
}

func TestStreamerMinIntervalCoalescesEdits(t *testing.T) {
	sink := newFakeSink(10000)
	s := NewStreamer(sink, StreamOptions{Limit: 10000, MinInterval: time.Hour})
	firstThenStream(t, sink, s, strings.Repeat("token ", 300))
	// One post, no intermediate edit within the hour, one final edit.
	if sink.posts != 1 || sink.edits != 1 {
		t.Fatalf("posts = %d, edits = %d", sink.posts, sink.edits)
	}
}

func TestStreamerRenderIsAppliedPerPartWithinLimit(t *testing.T) {
	render := func(md string) string { return strings.ReplaceAll(md, "&", "&amp;") }
	sink := newFakeSink(300)
	s := NewStreamer(sink, StreamOptions{Limit: 300, Render: render})
	text := strings.Repeat("a & b ", 200)
	streamTokens(t, s, text, 11)
	for _, m := range sink.texts() {
		if strings.Contains(strings.ReplaceAll(m, "&amp;", ""), "&") {
			t.Fatalf("unrendered text reached the sink: %q", m)
		}
	}
}

func TestStreamerFinishWithoutUpdate(t *testing.T) {
	sink := newFakeSink(50)
	s := NewStreamer(sink, StreamOptions{Limit: 50})
	if err := s.Finish(context.Background(), strings.Repeat("x ", 60)); err != nil {
		t.Fatal(err)
	}
	if len(sink.texts()) != 3 {
		t.Fatalf("messages = %q", sink.texts())
	}
}

func TestStreamerResumesExistingMessages(t *testing.T) {
	sink := newFakeSink(100)
	id, _ := sink.Post(context.Background(), "thinking...")
	sink.posts = 0
	s := NewStreamer(sink, StreamOptions{Limit: 100, Existing: []string{id}})
	if err := s.Finish(context.Background(), "the regenerated answer"); err != nil {
		t.Fatal(err)
	}
	if sink.posts != 0 || sink.edits != 1 {
		t.Fatalf("posts = %d, edits = %d; want the placeholder edited", sink.posts, sink.edits)
	}
	if got := sink.texts(); len(got) != 1 || got[0] != "the regenerated answer" {
		t.Fatalf("messages = %q", got)
	}
	if ids := s.IDs(); len(ids) != 1 || ids[0] != id {
		t.Fatalf("ids = %v", ids)
	}
}

func TestStreamerUnusedExistingMessages(t *testing.T) {
	sink := newFakeSink(100)
	ctx := context.Background()
	var ids []string
	for _, txt := range []string{"old part one", "old part two", "old part three"} {
		id, _ := sink.Post(ctx, txt)
		ids = append(ids, id)
	}
	s := NewStreamer(sink, StreamOptions{Limit: 100, Existing: ids})
	if err := s.Finish(ctx, "a short regenerated answer"); err != nil {
		t.Fatal(err)
	}
	if got := s.Unused(); len(got) != 2 || got[0] != ids[1] || got[1] != ids[2] {
		t.Fatalf("unused = %v, want %v", got, ids[1:])
	}
	long := NewStreamer(sink, StreamOptions{Limit: 100, Existing: ids[:1]})
	if err := long.Finish(ctx, strings.Repeat("word ", 50)); err != nil {
		t.Fatal(err)
	}
	if got := long.Unused(); len(got) != 0 {
		t.Fatalf("unused = %v after a longer answer", got)
	}
}
