package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// Config accepts 0 for bot.history_messages and server.shutdown_grace
// (issue 18): the Engine must take a zero as what it says, not as "use
// my own default" (it used to turn them into 50 and 30 s).

// TestHistoryZeroAsksTheQuestionAlone: with no history, a follow-up in a
// thread reaches the model alone and the thread is never fetched.
func TestHistoryZeroAsksTheQuestionAlone(t *testing.T) {
	m := newMemLLM(script{tokens: []string{"ok"}})
	h := newMemHarness(t, m, func(o *engine.Options) { o.Defaults.HistoryMessages = 0 })
	h.conv.history[slackKey] = []bots.Turn{
		{Role: bots.UserTurn, ID: "1", Name: "Bob", Text: "earlier question"},
		{Role: bots.BotTurn, ID: "2", Text: "earlier answer"},
	}
	if got := h.eng.Options().Defaults.HistoryMessages; got != 0 {
		t.Fatalf("HistoryMessages %d after New, want 0", got)
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("q3", "and now?")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	msgs := m.requests()[0].Messages
	for _, msg := range msgs {
		if strings.Contains(msg.Content, "earlier") {
			t.Fatalf("history sent with history_messages 0: %+v", msgs)
		}
	}
	if last := msgs[len(msgs)-1].Content; last != "Alice: and now?" {
		t.Fatalf("last message %q, want the question", last)
	}
	h.conv.mu.Lock()
	calls := h.conv.historyCalls
	h.conv.mu.Unlock()
	if calls != 0 {
		t.Fatalf("%d history fetches with history_messages 0", calls)
	}
}

// TestShutdownGraceZeroCutsAtOnce: with no grace, a reply in flight is
// cut off as soon as Run's context ends (it still ends with the notice);
// with the old 30 s fill, Run would wait for it that long.
func TestShutdownGraceZeroCutsAtOnce(t *testing.T) {
	m := newMemLLM(script{tokens: []string{"partial"}, block: true})
	conv := newFakeConv()
	opts := enginetest.WithConfigDefaults(t, engine.Options{LLM: m, Store: store.NewMemory(store.MemoryOptions{}), Logger: testLogger(),
		Defaults: engine.Defaults{Language: "en"}, MaxConcurrency: 1})
	opts.ShutdownGrace = 0 // after the helper, which fills config's 30 s
	eng, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if g := eng.Options().ShutdownGrace; g != 0 {
		t.Fatalf("ShutdownGrace %v after New, want 0", g)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	if _, err := eng.Dispatch(context.Background(), conv, mention("q1", "hi")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the model was never asked")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waiting for the reply 10 s after its context ended, with no grace")
	}
	r := conv.wait(t, 1)[0]
	if !strings.Contains(r.Final(), i18n.T("en", i18n.Interrupted)) {
		t.Fatalf("final %q, want the interrupted notice", r.Final())
	}
}

// TestNegativeHistoryAndGraceAreErrors: New names each option it refuses.
func TestNegativeHistoryAndGraceAreErrors(t *testing.T) {
	_, err := engine.New(engine.Options{LLM: newMemLLM(), Store: store.NewMemory(store.MemoryOptions{}),
		Defaults: engine.Defaults{HistoryMessages: -1}, ShutdownGrace: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "history messages") || !strings.Contains(err.Error(), "shutdown grace") {
		t.Fatalf("err %v, want both named", err)
	}
}
