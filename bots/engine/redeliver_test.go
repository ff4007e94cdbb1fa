package engine_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/bots/stream"
)

// rateLimited is a 429: transient, with the platform's Retry-After.
type rateLimited struct{}

func (rateLimited) Error() string             { return "platform: 429 rate limited" }
func (rateLimited) Class() bots.FailureClass  { return bots.Transient }
func (rateLimited) RetryAfter() time.Duration { return time.Second }

// stormConv is a platform that answers every call with a 429 from the
// first post's success until upAt (fake time), then works again. Its
// replies are real Streamers; it reopens messages (bots.Reopener).
type stormConv struct {
	mu       sync.Mutex
	upAt     time.Time
	storm    bool // on after the first post
	seq      int
	texts    map[string]string
	order    []string
	reopened [][]string
	finals   chan finished
}

// finished is one Finish: its text and error.
type finished struct {
	text string
	err  error
}

var _ bots.Reopener = (*stormConv)(nil)

func (c *stormConv) failing() bool { return c.storm && time.Now().Before(c.upAt) }

func (c *stormConv) Post(_ context.Context, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failing() {
		return "", rateLimited{}
	}
	id := fmt.Sprint("m", c.seq)
	c.seq++
	c.texts[id], c.order = text, append(c.order, id)
	c.storm = true
	return id, nil
}

func (c *stormConv) Edit(_ context.Context, id, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failing() {
		return rateLimited{}
	}
	c.texts[id] = text
	return nil
}

func (c *stormConv) History(_ context.Context, _ bots.ConversationKey, _ int) ([]bots.Turn, error) {
	return []bots.Turn{{Role: bots.UserTurn, ID: "1700.1", Name: "Alice", Text: "what is Go?"}}, nil
}

func (c *stormConv) OpenReply(context.Context, bots.ConversationKey, bots.Message) (bots.Reply, error) {
	return &sinkFinal{Streamer: stream.NewStreamer(c, stream.StreamOptions{Limit: 2000}), finals: c.finals}, nil
}

func (c *stormConv) Reopen(_ context.Context, _ bots.ConversationKey, _ bots.Message, ids []string) (bots.Reply, error) {
	c.mu.Lock()
	c.reopened = append(c.reopened, ids)
	c.mu.Unlock()
	return &sinkFinal{Streamer: stream.NewStreamer(c, stream.StreamOptions{Limit: 2000, Existing: ids}), finals: c.finals}, nil
}

// visible is what a reader of the thread sees.
func (c *stormConv) visible() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, id := range c.order {
		out = append(out, c.texts[id])
	}
	return out
}

// sinkFinal reports each Finish's outcome.
type sinkFinal struct {
	*stream.Streamer
	finals chan finished
}

func (r *sinkFinal) Finish(ctx context.Context, text string) error {
	err := r.Streamer.Finish(ctx, text)
	r.finals <- finished{text, err}
	return err
}

// A 429 storm far longer than the Streamer's retries: the live process
// tries its undelivered reply again by itself, with backoff, into the
// message it had posted, and the asker ends with exactly one complete
// answer, without a restart; the journal ends empty.
func TestUndeliveredReplyIsRetriedByTheLiveProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const answer = "Go is a programming language designed at Google."
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(answer), false }, delay: 50 * time.Millisecond}
		mem := store.NewMemory(store.MemoryOptions{})
		eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm.client(t), Store: mem, Logger: testLogger(),
			MaxConcurrency: 1, Defaults: engine.Defaults{FollowThreads: true}}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			llm.wg.Wait()
		}()

		start := time.Now()
		conv := &stormConv{upAt: start.Add(3 * time.Minute), texts: map[string]string{}, finals: make(chan finished, 64)}
		m := mention("1700.1", "what is Go?")
		m.Key.Thread = m.ID
		if d, err := eng.Dispatch(ctx, conv, m); err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		// Attempts fail while the storm lasts; the first one after it
		// delivers.
		failed := 0
		for delivered := false; !delivered; {
			select {
			case f := <-conv.finals:
				delivered = f.err == nil
				if !delivered {
					failed++
				}
			case <-time.After(time.Hour): // fake time: the Engine's tickers keep it moving
				t.Fatalf("no answer delivered within an hour (%d failed attempts)", failed)
			}
		}
		if time.Since(start) < 3*time.Minute || failed < 2 {
			t.Fatalf("delivered after %v and %d failed attempts; want after the 3 min storm, beyond the Streamer's retries",
				time.Since(start), failed)
		}
		if got := conv.visible(); len(got) != 1 || got[0] != answer {
			t.Fatalf("thread = %q, want exactly one complete answer", got)
		}
		conv.mu.Lock()
		reopened := conv.reopened
		conv.mu.Unlock()
		if len(reopened) != failed || len(reopened[0]) != 1 || reopened[0][0] != "m0" {
			t.Errorf("reopened %v after %d failed attempts; want each retry to go back into m0", reopened, failed)
		}
		if n := int(llm.requests.Load()); n != failed+1 {
			t.Errorf("%d model requests, want %d (one per attempt)", n, failed+1)
		}
		synctest.Wait() // the entry's removal follows the final text
		if left := replies(t, mem); len(left) != 0 {
			t.Errorf("journal after delivery = %+v", left)
		}
		t.Logf("delivered after %v, %d failed attempts", time.Since(start), failed)
	})
}

// A storm that never ends: the live process retries until the question
// is older than RecoverMaxAge, then tries the "interrupted" notice once
// instead of an answer, and stops; the entry stays for the next start.
func TestRedeliveryStopsAtRecoverMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		llm := &pipeLLM{answer: func(int) ([]string, bool) { return words("an answer that never arrives"), false },
			delay: 50 * time.Millisecond}
		mem := store.NewMemory(store.MemoryOptions{})
		eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm.client(t), Store: mem, Logger: testLogger(),
			MaxConcurrency: 1, RecoverMaxAge: 5 * time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			llm.wg.Wait()
		}()
		conv := &stormConv{upAt: time.Now().Add(1000 * time.Hour), texts: map[string]string{}, finals: make(chan finished, 64)}
		m := mention("1700.1", "what is Go?")
		m.Key.Thread = m.ID
		if _, err := eng.Dispatch(ctx, conv, m); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Hour) // fake time: far beyond RecoverMaxAge and the longest backoff
		synctest.Wait()
		var all []finished
		for len(conv.finals) > 0 {
			all = append(all, <-conv.finals)
		}
		notice := i18n.T("en", i18n.Interrupted)
		if len(all) < 3 || all[len(all)-1].text != notice || all[len(all)-1].err == nil {
			t.Fatalf("finishes = %+v; want answers failing, then one failed interrupted notice", all)
		}
		for _, f := range all[:len(all)-1] {
			if f.text == notice {
				t.Fatalf("finishes = %+v; the notice is the last attempt only", all)
			}
		}
		if n := int(llm.requests.Load()); n != len(all)-1 {
			t.Errorf("%d model requests for %d attempts; the expired attempt asks none", n, len(all))
		}
		if left := replies(t, mem); len(left) != 1 {
			t.Errorf("journal = %+v; want the reply left for the next start", left)
		}
	})
}
