package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

func TestAnswerStreamsAndRecordsUsage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	d, err := h.eng.Dispatch(ctx, h.conv, mention("1700.1", "hello there"))
	if err != nil || d != bots.Queued {
		t.Fatalf("Dispatch = %v, %v", d, err)
	}
	r := h.conv.wait(t, 1)[0]
	if got, want := r.Final(), "Echo: Alice: hello there"; got != want {
		t.Fatalf("final = %q, want %q", got, want)
	}
	ups := r.Updates()
	if len(ups) < 2 || !strings.HasPrefix(r.Final(), ups[0]) || ups[len(ups)-1] != r.Final() {
		t.Errorf("updates %q do not grow to the final text", ups)
	}
	req := h.request(t, 0)
	var body struct {
		Model       string  `json:"model"`
		Temperature float64 `json:"temperature"`
		MaxTokens   int     `json:"max_tokens"`
		Stream      bool    `json:"stream"`
		Messages    []struct {
			Role, Content string
		} `json:"messages"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Model != "mistralai/mistral-small-3.2-24b-instruct" || body.Temperature != 0.3 || body.MaxTokens != 1024 || !body.Stream {
		t.Errorf("request = %+v", body)
	}
	if len(body.Messages) != 2 || body.Messages[0].Role != "system" || body.Messages[1].Content != "Alice: hello there" {
		t.Errorf("messages = %+v", body.Messages)
	}
	waitFor(t, func() bool {
		u, _ := h.store.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(h.clk.Now()))
		return u.Requests == 1 && u.PromptTokens > 0 && u.CompletionTokens > 0
	})
	u, _ := h.store.Usage(ctx, bots.ScopeUser, "slack:U1", bots.Month(h.clk.Now()))
	if u.Requests != 1 {
		t.Errorf("user month usage = %+v", u)
	}
}

func TestDecideToAnswer(t *testing.T) {
	thread := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1800.1"}
	joined := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1900.1"}
	base := bots.Message{SettingsChannel: "C1", UserID: "U2", UserName: "Bob", Text: "and then?"}
	with := func(f func(*bots.Message)) bots.Message { m := base; f(&m); return m }
	for _, tc := range []struct {
		name   string
		follow bool
		msg    bots.Message
		want   bots.Disposition
	}{
		{"mention", true, with(func(m *bots.Message) { m.Key = slackKey; m.ID = "1"; m.Mentioned = true }), bots.Queued},
		{"dm", true, with(func(m *bots.Message) {
			m.Key = bots.ConversationKey{Platform: bots.Slack, Channel: "D1"}
			m.ID = "2"
			m.DM = true
		}), bots.Queued},
		{"channel chatter", true, with(func(m *bots.Message) { m.Key = bots.ConversationKey{Platform: bots.Slack, Channel: "C1"}; m.ID = "3" }), bots.Ignored},
		{"thread the bot never joined", true, with(func(m *bots.Message) { m.Key = thread; m.ID = "4"; m.InThread = true }), bots.Ignored},
		{"follow-up in a joined thread", true, with(func(m *bots.Message) { m.Key = joined; m.ID = "5"; m.InThread = true }), bots.Queued},
		{"follow-up with follow_threads off", false, with(func(m *bots.Message) { m.Key = joined; m.ID = "6"; m.InThread = true }), bots.Ignored},
		{"bare mention", true, with(func(m *bots.Message) { m.Key = slackKey; m.ID = "7"; m.Mentioned = true; m.Text = "  " }), bots.Ignored},
		{"mention with only a file", true, with(func(m *bots.Message) {
			m.Key = slackKey
			m.ID = "8"
			m.Mentioned = true
			m.Text = ""
			m.Attachments = []bots.Attachment{{Name: "a.go", Text: "package a"}}
		}), bots.Queued},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.Defaults.FollowThreads = tc.follow }})
			// The bot answered in "joined" before this process started: only
			// the platform's history says so.
			h.conv.history[joined] = []bots.Turn{
				{Role: bots.UserTurn, ID: "1", Name: "Ann", Text: "question"},
				{Role: bots.BotTurn, ID: "2", Text: "answer"},
			}
			h.conv.history[thread] = []bots.Turn{{Role: bots.UserTurn, ID: "1", Name: "Ann", Text: "hi Bob"}}
			d, err := h.eng.Dispatch(context.Background(), h.conv, tc.msg)
			if err != nil || d != tc.want {
				t.Fatalf("Dispatch = %v, %v; want %v", d, err, tc.want)
			}
			if tc.want == bots.Queued {
				h.conv.wait(t, 1)
			} else {
				h.conv.none(t)
				if n := len(h.srv.Requests()); n != 0 {
					t.Errorf("%d LLM requests for an ignored message", n)
				}
			}
		})
	}
}

func TestFollowUpAfterAnswerUsesCachedHistory(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1700.1", "first")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	follow := mention("1700.2", "second")
	follow.Mentioned, follow.InThread = false, true
	if d, err := h.eng.Dispatch(ctx, h.conv, follow); err != nil || d != bots.Queued {
		t.Fatalf("follow-up: %v, %v", d, err)
	}
	h.conv.wait(t, 1)
	// The mention opened its thread (nothing to fetch) and the follow-up
	// found the thread cached.
	if n := h.conv.calls(); n != 0 {
		t.Errorf("History fetched %d times, want 0", n)
	}
	msgs := h.request(t, 1).Messages
	var roles []string
	for _, m := range msgs {
		roles = append(roles, m.Role)
	}
	if fmt.Sprint(roles) != "[system user assistant user]" || msgs[2].Content != "Echo: Alice: first" || msgs[3].Content != "Alice: second" {
		t.Errorf("second prompt = %+v", msgs)
	}
}

func TestDedupe(t *testing.T) {
	// The memory store claims key by key; bbolt claims a message's keys
	// in one transaction (bots.MultiClaimer).
	stores := map[string]func(t *testing.T, m *store.Memory) bots.Store{
		"memory": func(_ *testing.T, m *store.Memory) bots.Store { return m },
		"bolt": func(t *testing.T, _ *store.Memory) bots.Store {
			b, err := store.OpenBolt(context.Background(), store.BoltOptions{Path: filepath.Join(t.TempDir(), "b.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store { return open(t, m) }})
			ctx := context.Background()
			m := mention("1700.1", "hello")
			m.EventID = "Ev1"
			if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued {
				t.Fatalf("first delivery: %v", d)
			}
			// The same mention as a "message" event (other event id), and a
			// retry of the first event.
			again := m
			again.EventID = "Ev2"
			retry := m
			retry.ID = ""
			for _, dup := range []bots.Message{again, retry} {
				if d, err := h.eng.Dispatch(ctx, h.conv, dup); d != bots.Duplicate || err != nil {
					t.Errorf("duplicate delivery: %v, %v", d, err)
				}
			}
			h.conv.wait(t, 1)
			h.conv.none(t)
			if n := len(h.srv.Requests()); n != 1 {
				t.Errorf("%d LLM requests, want 1", n)
			}
		})
	}
}

// Replies in one thread are produced in order, each seeing the answers
// before it, while other threads run in parallel.
func TestThreadOrderUnderConcurrency(t *testing.T) {
	h := newHarness(t, harnessOptions{
		server: llmtest.Options{Delay: 2 * time.Millisecond},
		engine: func(o *engine.Options) { o.MaxConcurrency = 4 },
	})
	ctx := context.Background()
	const n = 6
	var wg sync.WaitGroup
	for th := range 3 {
		wg.Go(func() {
			key := bots.ConversationKey{Platform: bots.Discord, Team: "G", Channel: fmt.Sprint("TH", th), Thread: fmt.Sprint("TH", th)}
			for i := range n {
				m := bots.Message{Key: key, ID: fmt.Sprint(th, "-", i), UserID: "U", UserName: "Ann", Text: fmt.Sprint("q", i), Mentioned: true}
				if d, err := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued || err != nil {
					t.Errorf("Dispatch: %v, %v", d, err)
				}
			}
		})
	}
	wg.Wait()
	got := map[string][]string{}
	for _, r := range h.conv.wait(t, 3*n) {
		got[r.key.Channel] = append(got[r.key.Channel], r.Final())
	}
	for ch, finals := range got {
		for i, f := range finals {
			if f != fmt.Sprint("Echo: Ann: q", i) {
				t.Fatalf("thread %s: replies out of order: %q", ch, finals)
			}
		}
	}
	// Each prompt holds the previous question's answer before its question.
	for _, req := range h.srv.Requests() {
		msgs := req.Messages
		last := msgs[len(msgs)-1].Content
		var i int
		if _, err := fmt.Sscanf(last, "Ann: q%d", &i); err != nil {
			t.Fatalf("last message %q", last)
		}
		if i > 0 && msgs[len(msgs)-2].Content != fmt.Sprint("Echo: Ann: q", i-1) {
			t.Errorf("prompt for q%d: %+v", i, msgs)
		}
	}
	// The worker releases its slot just after the last Finish.
	waitFor(t, func() bool { return h.eng.InFlight() == 0 && h.eng.QueueDepth() == 0 })
}

func TestQueueFullIsBusy(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, harnessOptions{noRun: true, engine: func(o *engine.Options) {
		o.MaxConcurrency, o.QueueSize, o.Observer = 1, 1, rec
	}})
	ctx := context.Background()
	if d, _ := h.eng.Dispatch(ctx, h.conv, mention("1", "first")); d != bots.Queued {
		t.Fatalf("first: %v", d)
	}
	if h.eng.QueueDepth() != 1 {
		t.Fatalf("queue depth %d", h.eng.QueueDepth())
	}
	other := mention("2", "second")
	other.Key.Thread = "other"
	if d, err := h.eng.Dispatch(ctx, h.conv, other); d != bots.Notified || err != nil {
		t.Fatalf("second: %v, %v", d, err)
	}
	r := h.conv.wait(t, 1)[0]
	if r.to.ID != "2" || r.Final() != i18n.T("en", i18n.Busy) {
		t.Errorf("busy reply to %s: %q", r.to.ID, r.Final())
	}
	h.start(t)
	if r := h.conv.wait(t, 1)[0]; r.Final() != "Echo: Alice: first" {
		t.Errorf("queued reply: %q", r.Final())
	}
	waitFor(t, func() bool { s, _ := rec.snapshot(); return len(s) == 1 })
	s, refused := rec.snapshot()
	if s[0].Outcome != bots.OutcomeOK || s[0].Usage.PromptTokens == 0 || fmt.Sprint(refused) != "[slack:busy]" {
		t.Errorf("observed %+v, refused %v", s, refused)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFollowUpWhileTheFirstAnswerStreamsIsAnswered(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.srv.Script(llmtest.Scenario{Reply: "a slow first answer with several words", Delay: 30 * time.Millisecond})
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1700.1", "first")); err != nil {
		t.Fatal(err)
	}
	// Wait until the first answer is visibly streaming.
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.conv.mu.Lock()
		streaming := len(h.conv.replies) == 1 && func() bool {
			r := h.conv.replies[0]
			r.mu.Lock()
			defer r.mu.Unlock()
			return len(r.updates) > 0 && r.finishes == 0
		}()
		h.conv.mu.Unlock()
		if streaming {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first answer never started streaming")
		}
		time.Sleep(2 * time.Millisecond)
	}
	follow := mention("1700.2", "second")
	follow.Mentioned, follow.InThread = false, true
	if d, err := h.eng.Dispatch(ctx, h.conv, follow); err != nil || d != bots.Queued {
		t.Fatalf("follow-up during the first answer: %v, %v; want Queued", d, err)
	}
	got := h.conv.wait(t, 2)
	if got[0].to.ID != "1700.1" || got[1].to.ID != "1700.2" {
		t.Fatalf("answers out of order: %s then %s", got[0].to.ID, got[1].to.ID)
	}
}

// A mention in a thread someone else started fetches the thread; a
// top-level mention, which opens its own thread, fetches nothing.
func TestHistoryFetchedOnlyForExistingThreads(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1700.1", "top level")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if n := h.conv.calls(); n != 0 {
		t.Fatalf("a top-level mention fetched history %d times", n)
	}
	in := mention("1800.5", "in a thread")
	in.Key.Thread, in.InThread = "1800.1", true
	h.conv.mu.Lock()
	h.conv.history[in.Key] = []bots.Turn{{Role: bots.UserTurn, ID: "1800.1", Name: "Bob", Text: "what about maps?"}}
	h.conv.mu.Unlock()
	if _, err := h.eng.Dispatch(ctx, h.conv, in); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if n := h.conv.calls(); n != 1 {
		t.Fatalf("a mention in an existing thread fetched history %d times, want 1", n)
	}
	if msgs := h.request(t, 1).Messages; len(msgs) < 2 || !strings.Contains(msgs[1].Content, "what about maps?") {
		t.Errorf("the thread's earlier message is not in the prompt: %+v", msgs)
	}
}
