package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// TestModelAskedWhileReplyOpens: the model request does not wait for the
// platform to open the reply (a Discord thread is a round trip, more under
// the global rate limit): OpenReply here returns only once the model has
// been asked, which would never happen if the Engine asked after it.
func TestModelAskedWhileReplyOpens(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.conv.openHook = func(ctx context.Context) error {
		deadline := time.Now().Add(5 * time.Second)
		for len(h.srv.Requests()) == 0 {
			if time.Now().After(deadline) {
				return errors.New("the model was not asked while the reply was being opened")
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1700.1", "hello")); err != nil {
		t.Fatal(err)
	}
	if got, want := h.conv.wait(t, 1)[0].Final(), "Echo: Alice: hello"; got != want {
		t.Fatalf("final = %q, want %q", got, want)
	}
}

// TestOpenReplyFailureCancelsTheModel: when the reply cannot be opened,
// the model request started meanwhile is cancelled at once (not left to
// stream into nothing); the harness checks no goroutine is left.
func TestOpenReplyFailureCancelsTheModel(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Default: llmtest.Scenario{FirstDelay: time.Minute}}})
	opened := make(chan struct{})
	h.conv.openHook = func(ctx context.Context) error {
		defer close(opened)
		for len(h.srv.Requests()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		return errors.New("missing permissions")
	}
	start := time.Now()
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1700.1", "hello")); err != nil {
		t.Fatal(err)
	}
	<-opened
	// The job ends without the shutdown: the model request was cancelled,
	// not waited for (its first token is a minute away, and the client
	// would give up on the silence only after its 5 s idle timeout).
	deadline := time.Now().Add(4 * time.Second)
	for h.eng.InFlight() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the job is still waiting for a model answer nobody would see, %v after the reply failed to open", time.Since(start))
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.conv.none(t)
}

// journalGate is a store whose first reply-journal write waits until the
// model has been asked (at most 5 s) and records the order of events.
type journalGate struct {
	bots.Store
	srv          *llmtest.Server
	sawModel     atomic.Bool // the model was asked while the write waited
	journaled    atomic.Bool // the write is over
	openedBefore atomic.Bool // OpenReply ran before the write was over
}

func (g *journalGate) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.State == journal.Queued && !g.journaled.Load() {
		deadline := time.Now().Add(5 * time.Second)
		for len(g.srv.Requests()) == 0 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		g.sawModel.Store(len(g.srv.Requests()) > 0)
		defer g.journaled.Store(true)
	}
	return g.Store.Journal(ctx, e)
}

// TestJournalOverlapsTheModelRequest: when push writes the journal entry
// (a store without bots.Admitter, as here; a command's answer, a
// translation), its write (an fsync with bbolt) does not hold up the
// model request, and nothing is posted before the entry is stored (a
// crash then still finds it). A message on a store with Admit is
// journaled with its claim: TestAdmissionWaitsOneStoreRoundTrip.
func TestJournalOverlapsTheModelRequest(t *testing.T) {
	var g *journalGate
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store {
		g = &journalGate{Store: m}
		return g
	}})
	g.srv = h.srv
	h.conv.openHook = func(context.Context) error {
		if !g.journaled.Load() {
			g.openedBefore.Store(true)
		}
		return nil
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1700.1", "hello")); err != nil {
		t.Fatal(err)
	}
	if got := h.conv.wait(t, 1)[0].Final(); got != "Echo: Alice: hello" {
		t.Fatalf("final = %q", got)
	}
	if !g.sawModel.Load() {
		t.Error("the model was asked only after the journal write")
	}
	if g.openedBefore.Load() {
		t.Error("the reply was opened before its journal entry was stored")
	}
}
