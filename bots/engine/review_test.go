package engine_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/bots/stream"
	"mistralbot/llm/llmtest"
)

// stopOnClaim shuts the Engine down while a message is being dispatched,
// right after its delivery was claimed: the window between Dispatch's
// stopped check and its push into the pool.
type stopOnClaim struct {
	*store.Memory
	once sync.Once
	stop func()
}

func (s *stopOnClaim) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Memory.Claim(ctx, key, ttl)
	s.once.Do(s.stop)
	return ok, err
}

// Admit is the claim of a message (with its rate and journal entry).
func (s *stopOnClaim) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	got, err := s.Memory.Admit(ctx, a)
	s.once.Do(s.stop)
	return got, err
}

// A message claimed just before shutdown must not vanish: its delivery is
// claimed (a redelivery to another replica is a duplicate), so the asker is
// told, like every queued message at shutdown, with the interrupted notice.
func TestDispatchRacingShutdownIsNotLost(t *testing.T) {
	var h *harness
	sc := &stopOnClaim{}
	h = newHarness(t, harnessOptions{
		store: func(m *store.Memory) bots.Store { sc.Memory = m; return sc },
		noRun: true,
	})
	h.start(t)
	sc.stop = func() {
		// End Run and wait until it returned (the pool is closed).
		h.stop()
		h.stop = nil
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	d, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hello"))
	t.Logf("Dispatch = %v, %v", d, err)
	// The same delivery again (Slack retries, or another replica): deduped.
	if d2, _ := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hello")); d2 == bots.Queued {
		t.Fatalf("redelivery queued after shutdown")
	}
	r := h.conv.wait(t, 1)[0]
	if got, want := r.Final(), i18n.T("en", i18n.Interrupted); got != want {
		t.Errorf("final = %q, want %q", got, want)
	}
}

// The same window for a flag-reaction translation: claimed, then refused
// by a stopped pool, it must not vanish silently.
func TestTranslateRacingShutdownIsNotLost(t *testing.T) {
	var h *harness
	sc := &stopOnClaim{}
	h = newHarness(t, harnessOptions{
		store:  func(m *store.Memory) bots.Store { sc.Memory = m; return sc },
		engine: func(o *engine.Options) { o.TranslateReactions = true },
		noRun:  true,
	})
	h.start(t)
	sc.stop = func() {
		h.stop()
		h.stop = nil
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	err := h.eng.TranslateMessage(context.Background(), h.conv, mention("1", "hello world"), "fr")
	t.Logf("TranslateMessage = %v", err)
	r := h.conv.wait(t, 1)[0]
	if got, want := r.Final(), i18n.T("en", i18n.Interrupted); got != want {
		t.Errorf("final = %q, want %q", got, want)
	}
}

// staleList returns the journal as it was when listed, but only once every
// reply entry listed has since been removed: a recovery pass that reads the
// journal while a reply of this Engine finishes.
type staleList struct {
	*store.Memory
	armed atomic.Bool
}

func (s *staleList) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	list, err := s.Memory.Journaled(ctx)
	if err != nil || !s.armed.CompareAndSwap(true, false) {
		return list, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		now, _ := s.Memory.Journaled(ctx)
		left := 0
		for _, e := range now {
			if strings.HasPrefix(e.ID, "reply:") {
				left++
			}
		}
		if left == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return list, nil
}

// A recovery pass that lists the journal while one of this Engine's own
// replies is in flight, and checks the entry after that reply finished and
// left the journal, must not answer the question a second time.
func TestRecoverPassDoesNotReanswerAReplyFinishingMeanwhile(t *testing.T) {
	sl := &staleList{}
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store { sl.Memory = m; return sl }})
	conv := newSinkConv()
	ctx := context.Background()
	sl.armed.Store(true)
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.1", "hi")); err != nil {
		t.Fatal(err)
	}
	n, err := h.eng.Recover(ctx, map[bots.Platform]bots.Conversations{bots.Slack: conv})
	conv.final(t)
	if err != nil || n != 0 {
		t.Errorf("Recover = %d, %v; want 0", n, err)
	}
	conv.noFinal(t)
}

// slowThrottle makes every mandatory call wait d (a platform budget used up
// by other replies); optional edits are never allowed.
type slowThrottle struct{ d time.Duration }

func (slowThrottle) Allow() bool { return false }

func (s slowThrottle) Wait(ctx context.Context) error {
	t := time.NewTimer(s.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// throttledConv opens Streamers that share a busy platform budget.
type throttledConv struct{ *sinkConv }

func (c throttledConv) OpenReply(context.Context, bots.ConversationKey, bots.Message) (bots.Reply, error) {
	return &sinkReply{Streamer: stream.NewStreamer(c.sinkConv, stream.StreamOptions{Limit: 2000, Throttle: slowThrottle{d: time.Second}}), c: c.sinkConv}, nil
}

// A reply whose answer is complete just before ReplyTimeout, and whose last
// edit then waits for the platform's budget past that deadline, must still
// get its final text: the asker must not be left with a half-written
// message and no notice.
func TestFinalEditOutlivesTheReplyDeadline(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.ReplyTimeout = 400 * time.Millisecond }})
	const answer = "Go is a programming language designed at Google."
	h.srv.Script(llmtest.Scenario{Reply: answer, Delay: 10 * time.Millisecond})
	conv := throttledConv{newSinkConv()}
	if _, err := h.eng.Dispatch(context.Background(), conv, mention("1700.1", "what is Go?")); err != nil {
		t.Fatal(err)
	}
	id := <-conv.posted
	if f := conv.final(t); f != answer {
		t.Fatalf("final = %q", f)
	}
	if got := conv.text(id); got != answer {
		t.Errorf("message = %q, want %q", got, answer)
	}
}

// The platform fails the final edit of a reply (not a 429: no retry) while
// the process stays up. The message then holds a partial answer and no
// notice; as docs/STATUS.md promises, the reply must stay journaled, with
// its message, so that the next start regenerates it.
func TestFailedFinalEditStaysJournaledForTheNextLife(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.ReplicaID = "r1" }})
	h.srv.Script(llmtest.Scenario{Reply: "Go is a language made at Google", Delay: 30 * time.Millisecond})
	conv := newSinkConv()
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.1", "what is Go?")); err != nil {
		t.Fatal(err)
	}
	id := <-conv.posted
	conv.setDown(true)
	conv.final(t)
	waitFor(t, func() bool { return h.eng.InFlight() == 0 })
	left := replies(t, h.store)
	if len(left) != 1 || len(left[0].Placeholder) != 1 || left[0].Placeholder[0] != id {
		t.Fatalf("journal after the failed final edit = %+v; want the reply with its message", left)
	}
	partial := conv.text(id)

	// The next life of r1 regenerates the answer into that message.
	h.shutdown(t)
	conv.setDown(false)
	conv.history = []bots.Turn{{Role: bots.UserTurn, ID: "1700.1", Name: "Alice", Text: "what is Go?"},
		{Role: bots.BotTurn, ID: id, Text: partial}}
	h.srv.Script(llmtest.Scenario{Reply: "Go is a programming language designed at Google."})
	next := h.another(t, func(o *engine.Options) { o.ReplicaID = "r1" })
	if n, err := next.Recover(ctx, slackOnly(conv)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	conv.final(t)
	if got := conv.text(id); got != "Go is a programming language designed at Google." {
		t.Errorf("message = %q", got)
	}
}

// A follow-up posted in a thread right after the mention that opened it,
// while that mention still waits for a worker (the Engine is busy), is
// answered after it, as it would be a moment later while the first answer
// streams: it must not be ignored because the bot has not spoken yet.
func TestFollowUpWhileTheFirstAnswerIsQueuedIsAnswered(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.MaxConcurrency = 1 }})
	h.srv.Script(llmtest.Scenario{Reply: "a slow answer elsewhere with several words", Delay: 40 * time.Millisecond})
	ctx := context.Background()
	other := mention("1600.1", "elsewhere")
	other.Key.Thread = "1600.1"
	if _, err := h.eng.Dispatch(ctx, h.conv, other); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.eng.InFlight() == 1 })
	if d, err := h.eng.Dispatch(ctx, h.conv, mention("1700.1", "first")); err != nil || d != bots.Queued {
		t.Fatalf("mention: %v, %v", d, err)
	}
	follow := mention("1700.2", "and in Python please")
	follow.Mentioned, follow.InThread = false, true
	if d, err := h.eng.Dispatch(ctx, h.conv, follow); err != nil || d != bots.Queued {
		t.Fatalf("follow-up while the first answer waits: %v, %v; want Queued", d, err)
	}
	got := h.conv.wait(t, 3)
	if got[1].to.ID != "1700.1" || got[2].to.ID != "1700.2" {
		t.Fatalf("answers out of order: %s then %s", got[1].to.ID, got[2].to.ID)
	}
}
