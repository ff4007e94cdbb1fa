package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/journal"
	"mistralbot/llm/llmtest"
)

// orphan is the journal entry a killed process leaves for a mention whose
// answer had reached the messages ids.
func orphan(id, owner, incarnation string, started time.Time, ids ...string) bots.JournalEntry {
	m := mention("1700."+id, "what is Go?")
	m.Key.Thread = m.ID
	state := journal.Queued
	if len(ids) > 0 {
		state = journal.Open
	}
	return bots.JournalEntry{ID: "reply:" + incarnation + ":" + id, Key: m.Key, Message: m, Placeholder: ids,
		State: state, Owner: owner, Incarnation: incarnation, Started: started}
}

func beat(owner, incarnation string, at time.Time) bots.JournalEntry {
	return bots.JournalEntry{ID: "replica:" + owner, State: journal.Alive, Owner: owner, Incarnation: incarnation, Started: at}
}

func putEntries(t *testing.T, st bots.Store, entries ...bots.JournalEntry) {
	t.Helper()
	for _, e := range entries {
		if err := st.Journal(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func slackOnly(c bots.Conversations) map[bots.Platform]bots.Conversations {
	return map[bots.Platform]bots.Conversations{bots.Slack: c}
}

func TestNextLifeRegeneratesIntoTheSameMessages(t *testing.T) {
	// Life 1: the platform becomes unreachable mid-answer and the process
	// stops; the interrupted notice cannot be delivered, so the reply stays
	// journaled.
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.ReplicaID, o.ShutdownGrace = "r1", 100*time.Millisecond
	}})
	h.srv.Script(llmtest.Scenario{Reply: "Go is a language made at Google", Fault: llmtest.Stall, FailAfter: 3})
	conv := newSinkConv()
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, conv, mention("1700.1", "what is Go?")); err != nil {
		t.Fatal(err)
	}
	id := <-conv.posted
	waitFor(t, func() bool { e := replies(t, h.store); return len(e) == 1 && len(e[0].Placeholder) == 1 })
	conv.setDown(true)
	h.shutdown(t)
	conv.final(t)
	left := replies(t, h.store)
	if len(left) != 1 || left[0].Placeholder[0] != id || left[0].Owner != "r1" {
		t.Fatalf("journal after the failed shutdown = %+v", left)
	}
	partial := conv.text(id)

	// Life 2, same replica id: the answer is regenerated into the message.
	conv.setDown(false)
	conv.history = []bots.Turn{{Role: bots.UserTurn, ID: "1700.1", Name: "Alice", Text: "what is Go?"},
		{Role: bots.BotTurn, ID: id, Text: partial}}
	h.srv.Script(llmtest.Scenario{Reply: "Go is a programming language designed at Google."})
	next := h.another(t, func(o *engine.Options) { o.ReplicaID = "r1" })
	n, err := next.Recover(ctx, slackOnly(conv))
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	if f := conv.final(t); f != "Go is a programming language designed at Google." {
		t.Fatalf("final = %q", f)
	}
	posts, _, opened, reopened := conv.counts()
	if posts != 1 || opened != 1 || len(reopened) != 1 || len(reopened[0]) != 1 || reopened[0][0] != id {
		t.Errorf("posts = %d, opened = %d, reopened = %v; want the first message reopened, nothing posted", posts, opened, reopened)
	}
	if got := conv.text(id); got != "Go is a programming language designed at Google." || got == partial {
		t.Errorf("message = %q (was %q)", got, partial)
	}
	waitFor(t, func() bool { return len(replies(t, h.store)) == 0 })
	// The prompt asked the question again, without the partial answer.
	reqs := h.srv.Requests()
	last := reqs[len(reqs)-1].Messages
	if q := last[len(last)-1]; q.Role != "user" || !strings.Contains(q.Content, "what is Go?") || len(last) != 2 {
		t.Errorf("recovery prompt = %+v", last)
	}
}

func TestRecoverLeavesLiveReplicasAloneAndRecoversOrphansOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{noRun: true})
	conv := newSinkConv()
	now := h.clk.Now()
	ids := map[string]string{}
	for _, k := range []string{"live", "restarted", "stale", "silent", "young"} {
		ids[k] = conv.seed("partial " + k)
	}
	putEntries(t, h.store,
		beat("b", "b1", now),
		beat("c", "c1", now.Add(-2*time.Minute)),
		orphan("1", "b", "b1", now.Add(-30*time.Minute), ids["live"]),     // live owner, long queue
		orphan("2", "b", "b0", now.Add(-5*time.Minute), ids["restarted"]), // b restarted since
		orphan("3", "c", "c1", now.Add(-time.Minute), ids["stale"]),       // c stopped beating
		orphan("4", "d", "d1", now.Add(-5*time.Minute), ids["silent"]),    // d never beat
		orphan("5", "e", "e1", now.Add(-10*time.Second), ids["young"]),    // e may not have beaten yet
	)
	// Both replicas read the journal before either claims: only the claim
	// keeps them from answering twice.
	bs := &barrierStore{Store: h.store, n: 2, arrived: make(chan struct{}, 2), go_: make(chan struct{})}
	x := h.another(t, func(o *engine.Options) { o.ReplicaID, o.Store = "x", bs })
	y := h.another(t, func(o *engine.Options) { o.ReplicaID, o.Store = "y", bs })
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, e := range []*engine.Engine{x, y} {
		wg.Go(func() {
			n, err := e.Recover(context.Background(), slackOnly(conv))
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 3 {
		t.Fatalf("recovered %v, want 3 in all", counts)
	}
	for range 3 {
		if f := conv.final(t); f != "Echo: Alice: what is Go?" {
			t.Errorf("final = %q", f)
		}
	}
	conv.noFinal(t)
	for _, k := range []string{"restarted", "stale", "silent"} {
		if got := conv.text(ids[k]); got != "Echo: Alice: what is Go?" {
			t.Errorf("%s message = %q", k, got)
		}
	}
	for _, k := range []string{"live", "young"} {
		if got := conv.text(ids[k]); got != "partial "+k {
			t.Errorf("%s message touched: %q", k, got)
		}
	}
	waitFor(t, func() bool { return len(replies(t, h.store)) == 2 })
	for _, e := range replies(t, h.store) {
		if e.Owner != "b" && e.Owner != "e" {
			t.Errorf("left %+v", e)
		}
	}
	if posts, _, _, _ := conv.counts(); posts != 0 {
		t.Errorf("%d new messages, want 0", posts)
	}
}

func TestRecoveryFailureSaysInterrupted(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.ReplicaID = "r1" }})
	h.srv.Script(llmtest.Scenario{Status: 503})
	conv := newSinkConv()
	id := conv.seed("Go is a")
	putEntries(t, h.store, orphan("1", "r1", "old", h.clk.Now().Add(-time.Minute), id))
	if n, err := h.eng.Recover(context.Background(), slackOnly(conv)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	want := i18n.T("en", i18n.Interrupted)
	if f := conv.final(t); f != want {
		t.Fatalf("final = %q, want %q", f, want)
	}
	if got := conv.text(id); got != want {
		t.Errorf("message = %q, want the notice", got)
	}
	if posts, _, _, _ := conv.counts(); posts != 0 {
		t.Errorf("%d posts, want the placeholder edited", posts)
	}
	waitFor(t, func() bool { return len(replies(t, h.store)) == 0 })
}

func TestOldRepliesAreClosedNotRegenerated(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.RecoverMaxAge = time.Hour }})
	conv := newSinkConv()
	id := conv.seed("Go is a")
	putEntries(t, h.store, orphan("1", "gone", "g1", h.clk.Now().Add(-2*time.Hour), id))
	if n, err := h.eng.Recover(context.Background(), slackOnly(conv)); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	if f := conv.final(t); f != i18n.T("en", i18n.Interrupted) || conv.text(id) != f {
		t.Fatalf("final = %q, message = %q", f, conv.text(id))
	}
	if n := len(h.srv.Requests()); n != 0 {
		t.Errorf("%d LLM requests for an expired reply", n)
	}
}

func TestRecoveredCommandWithoutMessagesAnswersAnew(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	conv := newSinkConv()
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1"}, SettingsChannel: "C1",
		UserID: "U1", UserName: "Alice", Text: "reverse a list"}
	cmd := bots.Command{Name: "code", Text: "reverse a list", Options: map[string]string{"language": "Go"}}
	putEntries(t, h.store, bots.JournalEntry{ID: "reply:old:1", Key: msg.Key, Message: msg, State: journal.Queued,
		Owner: "old", Incarnation: "old", Started: h.clk.Now().Add(-5 * time.Minute), Kind: "ask", Command: &cmd})
	// An adapter that cannot reopen gets a new reply.
	if n, err := h.eng.Recover(context.Background(), slackOnly(plainConv{conv})); err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	if f := conv.final(t); !strings.Contains(f, "reverse a list") {
		t.Fatalf("final = %q", f)
	}
	if posts, _, opened, reopened := conv.counts(); posts != 1 || opened != 1 || len(reopened) != 0 {
		t.Errorf("posts = %d, opened = %d, reopened = %v", posts, opened, reopened)
	}
	sys := h.request(t, 0).Messages[0]
	if sys.Role != "system" || !strings.Contains(sys.Content, "working Go code") {
		t.Errorf("system message lacks the /code task: %q", sys.Content)
	}
	waitFor(t, func() bool { return len(replies(t, h.store)) == 0 })
}

func TestRecoverSkipsPlatformsNotRunning(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	conv := newSinkConv()
	e := orphan("1", "gone", "g1", h.clk.Now().Add(-time.Hour), conv.seed("partial"))
	e.Key.Platform, e.Message.Key.Platform = bots.Discord, bots.Discord
	putEntries(t, h.store, e)
	if n, err := h.eng.Recover(context.Background(), slackOnly(conv)); err != nil || n != 0 {
		t.Fatalf("Recover = %d, %v; want 0", n, err)
	}
	if got := replies(t, h.store); len(got) != 1 {
		t.Errorf("journal = %+v, want the Discord entry kept", got)
	}
}

// barrierStore holds Journaled until n callers are reading it.
type barrierStore struct {
	bots.Store
	n       int
	once    sync.Once
	arrived chan struct{}
	go_     chan struct{}
}

func (b *barrierStore) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	all, err := b.Store.Journaled(ctx)
	b.arrived <- struct{}{}
	if len(b.arrived) == b.n {
		b.once.Do(func() { close(b.go_) })
	}
	select {
	case <-b.go_:
	case <-time.After(5 * time.Second):
	}
	return all, err
}
