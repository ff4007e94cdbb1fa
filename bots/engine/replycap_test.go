package engine_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// gateConv opens replies whose Finish reports its text and then waits
// for release, so the test can look at the model's stream meanwhile.
type gateConv struct {
	finishing chan string
	release   chan struct{}
}

func (c *gateConv) History(context.Context, bots.ConversationKey, int) ([]bots.Turn, error) {
	return nil, nil
}

func (c *gateConv) OpenReply(context.Context, bots.ConversationKey, bots.Message) (bots.Reply, error) {
	return gateReply{c}, nil
}

type gateReply struct{ c *gateConv }

func (gateReply) Update(context.Context, string) error { return nil }

func (r gateReply) Finish(ctx context.Context, text string) error {
	r.c.finishing <- text
	<-r.c.release
	return nil
}

// A model that never stops (it ignores max_tokens) is cut off at
// MaxReplyBytes: the answer is exactly that many bytes of its text (cut
// at a rune boundary) plus the length notice, and its stream is closed
// before the final text is delivered.
func TestRunawayModelIsCutAtTheReplyCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chunks := []string{"lorem ", "ipsum ", "dolor ", "sit ", "amet, ", "été ", "\n\n"}
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return chunks, true }}
		const limit = 1001
		eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm.client(t), Store: store.NewMemory(store.MemoryOptions{}),
			Logger: testLogger(), MaxReplyBytes: limit}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		conv := &gateConv{finishing: make(chan string, 1), release: make(chan struct{})}
		defer func() {
			close(conv.release)
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			llm.wg.Wait()
		}()
		if d, err := eng.Dispatch(ctx, conv, mention("1700.1", "talk forever")); err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		var final string
		select {
		case final = <-conv.finishing:
		case <-time.After(time.Hour):
			t.Fatal("the runaway answer never finished")
		}
		synctest.Wait()
		if n := llm.open.Load(); n != 0 {
			t.Errorf("%d model streams still open while the final text is delivered", n)
		}
		var full strings.Builder
		for full.Len() < 2*limit {
			full.WriteString(strings.Join(chunks, ""))
		}
		want := full.String()[:limit]
		for !utf8.ValidString(want) {
			want = want[:len(want)-1]
		}
		if len(want) == limit {
			t.Fatal("test text does not put a rune across the cap")
		}
		want += "\n\n" + i18n.T("en", i18n.LengthLimit)
		if final != want {
			t.Fatalf("final (%d bytes) = ...%q, want %d bytes ending ...%q", len(final), tail(final), len(want), tail(want))
		}
		if n := llm.requests.Load(); n != 1 {
			t.Errorf("%d model requests, want 1", n)
		}
	})
}

func tail(s string) string { return s[max(0, len(s)-80):] }
