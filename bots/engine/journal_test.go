package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
	"mistralbot/bots/stream"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// sinkConv is an adapter edge whose replies are real bots.Streamers over a
// recording message store; it reopens messages like the real adapters
// (bots.Reopener).
type sinkConv struct {
	mu       sync.Mutex
	seq      int
	texts    map[string]string
	posts    int
	edits    int
	opened   int
	reopened [][]string
	down     bool // every platform call fails
	history  []bots.Turn
	posted   chan string
	finals   chan string
}

var _ bots.Reopener = (*sinkConv)(nil)

// errUnreachable is what a down platform answers: a transient failure
// (connection refused, 5xx), which the Streamer retries and the journal
// keeps for another attempt.
var errUnreachable = deliveryErr{bots.Transient}

func newSinkConv() *sinkConv {
	return &sinkConv{texts: map[string]string{}, posted: make(chan string, 64), finals: make(chan string, 64)}
}

func (c *sinkConv) Post(_ context.Context, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return "", errUnreachable
	}
	c.seq++
	id := fmt.Sprintf("m%d", c.seq)
	c.texts[id] = text
	c.posts++
	c.posted <- id
	return id, nil
}

func (c *sinkConv) Edit(_ context.Context, id, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return errUnreachable
	}
	if _, ok := c.texts[id]; !ok {
		return errors.New("unknown message " + id)
	}
	c.texts[id] = text
	c.edits++
	return nil
}

// seed is a message an earlier process posted.
func (c *sinkConv) seed(text string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := fmt.Sprintf("m%d", c.seq)
	c.texts[id] = text
	return id
}

func (c *sinkConv) setDown(down bool) { c.mu.Lock(); c.down = down; c.mu.Unlock() }

func (c *sinkConv) text(id string) string { c.mu.Lock(); defer c.mu.Unlock(); return c.texts[id] }

// counts returns posts, edits, OpenReply calls and Reopen calls.
func (c *sinkConv) counts() (posts, edits, opened int, reopened [][]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.posts, c.edits, c.opened, append([][]string(nil), c.reopened...)
}

func (c *sinkConv) History(context.Context, bots.ConversationKey, int) ([]bots.Turn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bots.Turn(nil), c.history...), nil
}

func (c *sinkConv) OpenReply(context.Context, bots.ConversationKey, bots.Message) (bots.Reply, error) {
	c.mu.Lock()
	c.opened++
	c.mu.Unlock()
	return c.reply(nil), nil
}

func (c *sinkConv) Reopen(_ context.Context, _ bots.ConversationKey, _ bots.Message, ids []string) (bots.Reply, error) {
	c.mu.Lock()
	c.reopened = append(c.reopened, ids)
	c.mu.Unlock()
	return c.reply(ids), nil
}

func (c *sinkConv) reply(ids []string) bots.Reply {
	// One quick retry: a down platform stays down for the whole reply.
	return &sinkReply{Streamer: stream.NewStreamer(c, stream.StreamOptions{Limit: 2000, Existing: ids,
		MaxRetries: 1, MaxRetryAfter: time.Millisecond}), c: c}
}

// final waits for the next finished reply's final text.
func (c *sinkConv) final(t *testing.T) string {
	t.Helper()
	select {
	case s := <-c.finals:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no reply finished")
		return ""
	}
}

// noFinal checks that no further reply finishes for a short while.
func (c *sinkConv) noFinal(t *testing.T) {
	t.Helper()
	select {
	case s := <-c.finals:
		t.Fatalf("unexpected reply finished: %q", s)
	case <-time.After(150 * time.Millisecond):
	}
}

type sinkReply struct {
	*stream.Streamer
	c *sinkConv
}

func (r *sinkReply) Finish(ctx context.Context, text string) error {
	err := r.Streamer.Finish(ctx, text)
	r.c.finals <- text
	return err
}

// plainConv is an adapter that cannot reopen messages.
type plainConv struct{ c *sinkConv }

func (p plainConv) History(ctx context.Context, key bots.ConversationKey, n int) ([]bots.Turn, error) {
	return p.c.History(ctx, key, n)
}

func (p plainConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	return p.c.OpenReply(ctx, key, to)
}

// countingStore counts reply journal writes and fails journal calls on
// demand (its Store must be an Admitter, like every store of bots/store).
type countingStore struct {
	bots.Store
	writes        atomic.Int64 // Journal calls for replies
	failJournal   atomic.Bool
	failUnjournal atomic.Bool
}

func (s *countingStore) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.State != journal.Alive {
		s.writes.Add(1)
		if s.failJournal.Load() {
			return fmt.Errorf("test store: journal: %w", bots.ErrStoreUnavailable)
		}
	}
	return s.Store.Journal(ctx, e)
}

// Admit is a message's claim, rate and entry in one write: it counts as
// a journal write when it carries an entry, and fails whole while journal
// calls fail (a store that is down).
func (s *countingStore) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	if a.Entry != nil {
		s.writes.Add(1)
	}
	if s.failJournal.Load() {
		return bots.Admitted{}, fmt.Errorf("test store: admit: %w", bots.ErrStoreUnavailable)
	}
	return s.Store.(bots.Admitter).Admit(ctx, a)
}

func (s *countingStore) Unjournal(ctx context.Context, id string) error {
	if s.failUnjournal.Load() && strings.HasPrefix(id, "reply:") {
		return fmt.Errorf("test store: unjournal: %w", bots.ErrStoreUnavailable)
	}
	return s.Store.Unjournal(ctx, id)
}

// replies returns the reply entries of the journal (no heartbeats).
func replies(t *testing.T, st bots.Store) []bots.JournalEntry {
	t.Helper()
	all, err := st.Journaled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []bots.JournalEntry
	for _, e := range all {
		if e.State != journal.Alive {
			out = append(out, e)
		}
	}
	return out
}

// another starts a second Engine on h's LLM server and store (another
// replica, or this one's next life); it stops at the test's end.
func (h *harness) another(t *testing.T, edit func(*engine.Options)) *engine.Engine {
	t.Helper()
	client, err := llm.New(llm.Options{Dialect: llm.Dialect(h.srv.Dialect()), BaseURL: h.srv.URL(), APIKey: "test-key",
		Model: "mistralai/mistral-small-3.2-24b-instruct", MaxRetries: -1, IdleTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	opts := enginetest.WithConfigDefaults(t, engine.Options{LLM: llmcompleter.New(client), Store: h.store, Now: h.clk.Now, Logger: testLogger(), MaxConcurrency: 2})
	if edit != nil {
		edit(&opts)
	}
	e, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return e
}

func TestJournalFollowsAReply(t *testing.T) {
	var cs *countingStore
	h := newHarness(t, harnessOptions{
		store:  func(m *store.Memory) bots.Store { cs = &countingStore{Store: m}; return cs },
		engine: func(o *engine.Options) { o.ReplicaID = "r1" },
	})
	h.srv.Script(llmtest.Scenario{Reply: "one two three four five six seven eight", Delay: 40 * time.Millisecond})
	conv := newSinkConv()
	if d, err := h.eng.Dispatch(context.Background(), conv, mention("1700.1", "count to eight")); err != nil || d != bots.Queued {
		t.Fatalf("Dispatch = %v, %v", d, err)
	}
	// Journaled (in the background, before anything is posted: see
	// TestJournalOverlapsTheModelRequest) with what a restart needs.
	id := <-conv.posted
	got := replies(t, cs)
	if len(got) != 1 || got[0].Message.ID != "1700.1" || got[0].Message.Text != "count to eight" || got[0].Key != slackKey ||
		got[0].Owner != "r1" || got[0].Incarnation == "" || !got[0].Started.Equal(h.clk.Now()) || got[0].Kind != "" {
		t.Fatalf("journal once the first text was posted = %+v", got)
	}
	waitFor(t, func() bool {
		e := replies(t, cs)
		return len(e) == 1 && e[0].State == journal.Open && len(e[0].Placeholder) == 1 && e[0].Placeholder[0] == id
	})
	if f := conv.final(t); f != "one two three four five six seven eight" {
		t.Fatalf("final = %q", f)
	}
	waitFor(t, func() bool { return len(replies(t, cs)) == 0 })
	// One write when queued, one when the message appeared: none per token.
	if n := cs.writes.Load(); n != 2 {
		t.Errorf("%d journal writes for one message of 8 tokens, want 2", n)
	}
	if conv.text(id) != "one two three four five six seven eight" {
		t.Errorf("message = %q", conv.text(id))
	}
}

func TestShutdownUnjournalsNotifiedReplies(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.MaxConcurrency, o.ShutdownGrace = 1, 100*time.Millisecond
	}})
	h.srv.SetDefault(llmtest.Scenario{Reply: "a b c d e", Fault: llmtest.Stall, FailAfter: 2})
	conv := newSinkConv()
	ctx := context.Background()
	for _, m := range []bots.Message{mention("1700.1", "first"), mention("1700.2", "second")} {
		if _, err := h.eng.Dispatch(ctx, conv, m); err != nil {
			t.Fatal(err)
		}
	}
	<-conv.posted
	if n := len(replies(t, h.store)); n != 2 {
		t.Fatalf("%d journaled replies, want 2 (one streaming, one queued)", n)
	}
	h.shutdown(t)
	notice := i18n.T("en", i18n.Interrupted)
	for range 2 {
		if f := conv.final(t); !strings.HasSuffix(f, notice) {
			t.Errorf("final = %q, want the interrupted notice", f)
		}
	}
	// Both notices arrived: nothing is left to recover, not even the
	// heartbeat.
	if all, _ := h.store.Journaled(ctx); len(all) != 0 {
		t.Errorf("journal after a clean shutdown = %+v", all)
	}
}

func TestStoreErrorsDoNotLoseReplies(t *testing.T) {
	var cs *countingStore
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store {
		cs = &countingStore{Store: m}
		cs.failJournal.Store(true)
		cs.failUnjournal.Store(true)
		return cs
	}})
	// Run writes the first heartbeat in the background, and a heartbeat
	// that gets through ends a pause: wait for it, so that the outage
	// below is one outage.
	waitFor(t, func() bool {
		all, _ := h.store.Journaled(context.Background())
		return slices.ContainsFunc(all, func(e bots.JournalEntry) bool { return e.State == journal.Alive })
	})
	conv := newSinkConv()
	ctx := context.Background()
	got := map[string]bool{}
	for i, text := range []string{"hello", "again"} {
		m := mention(fmt.Sprintf("1700.%d", i+1), text)
		m.Key.Thread = m.ID
		if d, err := h.eng.Dispatch(ctx, conv, m); err != nil || d != bots.Queued {
			t.Fatalf("Dispatch = %v, %v", d, err)
		}
		// One after the other: entries are written in the background, so
		// a question asked while the first write is still failing may
		// write too; asked after it, it must not.
		got[conv.final(t)] = true
	}
	if !got["Echo: Alice: hello"] || !got["Echo: Alice: again"] {
		t.Fatalf("finals = %v", got)
	}
	// The first failure pauses journaling: one timeout per outage, not one
	// per message.
	if n := cs.writes.Load(); n != 1 {
		t.Errorf("%d journal writes during the outage, want 1", n)
	}
}

func TestUnremovedEntryIsRetriedNotRecovered(t *testing.T) {
	var cs *countingStore
	h := newHarness(t, harnessOptions{
		store:  func(m *store.Memory) bots.Store { cs = &countingStore{Store: m}; return cs },
		engine: func(o *engine.Options) { o.HeartbeatInterval = 20 * time.Millisecond },
	})
	cs.failUnjournal.Store(true)
	conv := newSinkConv()
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.1", "hi")); err != nil {
		t.Fatal(err)
	}
	conv.final(t)
	waitFor(t, func() bool { n, _, _, _ := conv.counts(); return n == 1 })
	if n := len(replies(t, cs)); n != 1 {
		t.Fatalf("%d entries after a failed removal, want 1", n)
	}
	// Finished here: recovering it would answer twice.
	n, err := h.eng.Recover(ctx, map[bots.Platform]bots.Conversations{bots.Slack: conv})
	if err != nil || n != 0 {
		t.Fatalf("Recover = %d, %v; want 0", n, err)
	}
	conv.noFinal(t)
	cs.failUnjournal.Store(false)
	waitFor(t, func() bool { return len(replies(t, cs)) == 0 })
}
