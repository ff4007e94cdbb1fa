package engine_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// fairAnswer is every reply's text: 5 chunks of fairDelay each, so one
// reply takes fairReply of (fake) time.
const (
	fairAnswer = "Go is a programming language."
	fairDelay  = 200 * time.Millisecond
	fairReply  = 5 * fairDelay
)

// fairEngine runs an Engine with the production pool sizes (16 workers,
// 128 queue slots) on pipeLLM inside the caller's synctest bubble.
func fairEngine(t *testing.T, rate, pending int) (*engine.Engine, *pipeLLM, *recorder, func()) {
	t.Helper()
	llm := &pipeLLM{answer: func(int) ([]string, bool) { return words(fairAnswer), false }, delay: fairDelay}
	rec := &recorder{}
	eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm.client(t), Store: store.NewMemory(store.MemoryOptions{}),
		Logger: testLogger(), Observer: rec, MaxConcurrency: 16, QueueSize: 128,
		RatePerUser: rate, MaxPendingPerUser: pending, Defaults: engine.Defaults{FollowThreads: true}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	return eng, llm, rec, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		llm.wg.Wait()
	}
}

// flood dispatches n mentions from user U1, each opening its own thread
// (the worst case: no lane serializes them), and counts the dispositions.
func flood(t *testing.T, eng *engine.Engine, conv bots.Conversations, batch, n int) map[bots.Disposition]int {
	t.Helper()
	got := map[bots.Disposition]int{}
	for i := range n {
		m := mention(fmt.Sprint(1700+batch, ".", i), fmt.Sprint("question ", i))
		m.Key.Thread = m.ID
		d, err := eng.Dispatch(context.Background(), conv, m)
		if err != nil {
			t.Fatalf("flood message %d: %v", i, err)
		}
		got[d]++
	}
	return got
}

// bob is a mention from another user in another channel.
func bob() bots.Message {
	m := mention("1800.1", "what is Go?")
	m.Key.Channel, m.SettingsChannel, m.Key.Thread = "C2", "C2", m.ID
	m.UserID, m.UserName = "U2", "Bob"
	return m
}

// Issue 12: one user sending 300 mentions while another sends one. With
// the defaults (rate 10 a minute, 3 pending) the other is answered within
// one reply time; the flooder gets 3 answers and 2 notices (pending, then
// rate), each saying what happens to the rest, and nothing else: no
// question is refused silently without its asker having been told within
// the minute. Only 4 model calls are made (issue: 144).
func TestFloodingUserDoesNotStarveOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng, llm, rec, stop := fairEngine(t, 10, 3)
		defer stop()
		conv := newFakeConv()
		got := flood(t, eng, conv, 0, 300)
		if got[bots.Queued] != 3 || got[bots.Notified] != 2 || got[bots.Refused] != 295 {
			t.Errorf("flooder's dispositions = %v, want 3 queued, 2 notified, 295 refused", got)
		}
		start := time.Now()
		if d, err := eng.Dispatch(context.Background(), conv, bob()); d != bots.Queued || err != nil {
			t.Fatalf("Bob: %v, %v", d, err)
		}
		var bobDone time.Duration
		var answers, notices []string
		for _, r := range conv.wait(t, 6) {
			switch {
			case r.to.UserID == "U2":
				bobDone = time.Since(start)
				if r.Final() != fairAnswer {
					t.Errorf("Bob's reply = %q", r.Final())
				}
			case r.Final() == fairAnswer:
				answers = append(answers, r.to.ID)
			default:
				notices = append(notices, r.Final())
			}
		}
		if bobDone == 0 || bobDone > fairReply {
			t.Errorf("Bob answered after %v, want within one reply time (%v)", bobDone, fairReply)
		}
		if len(answers) != 3 {
			t.Errorf("flooder answered %d times, want 3", len(answers))
		}
		wantPending := i18n.T("en", i18n.LimitUserPending, 3)
		if len(notices) != 2 || notices[0] != wantPending {
			t.Errorf("flooder's notices = %q, want the pending notice then the rate notice", notices)
		}
		synctest.Wait()
		conv.none(t)
		if n := llm.requests.Load(); n != 4 {
			t.Errorf("%d model calls, want 4", n)
		}
		_, refused := rec.snapshot()
		count := map[string]int{}
		for _, r := range refused {
			count[r]++
		}
		if count["slack:pending"] != 7 || count["slack:pending_repeat"] != 6 || count["slack:rate_repeat"] != 289 {
			t.Errorf("refusals = %v", count)
		}
		t.Logf("Bob answered after %v; flooder: %v, %d notices", bobDone, got, len(notices))
	})
}

// The per-user bound alone (no rate): the flooder's slots free up as its
// answers finish, a new question is then queued, and a new minute brings
// at most one new notice.
func TestPendingPerUserIsReleasedAndNoticedOncePerMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng, llm, _, stop := fairEngine(t, 0, 3)
		defer stop()
		conv := newFakeConv()
		got := flood(t, eng, conv, 0, 300)
		if got[bots.Queued] != 3 || got[bots.Notified] != 1 || got[bots.Refused] != 296 {
			t.Errorf("dispositions = %v, want 3 queued, 1 notified, 296 refused", got)
		}
		rs := conv.wait(t, 4)
		if n := llm.requests.Load(); n != 3 {
			t.Errorf("%d model calls, want 3", n)
		}
		notices := 0
		for _, r := range rs {
			if r.Final() == i18n.T("en", i18n.LimitUserPending, 3) {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d pending notices, want 1", notices)
		}
		synctest.Wait()                 // the workers released the user's slots
		m := mention("1900.1", "again") // a new thread
		m.Key.Thread = m.ID
		if d, err := eng.Dispatch(context.Background(), conv, m); d != bots.Queued || err != nil {
			t.Fatalf("after the answers: %v, %v", d, err)
		}
		if r := conv.wait(t, 1)[0]; r.Final() != fairAnswer {
			t.Errorf("answer = %q", r.Final())
		}
		time.Sleep(time.Minute) // the notice window passes (fake time)
		got = flood(t, eng, conv, 1, 10)
		if got[bots.Queued] != 3 || got[bots.Notified] != 1 || got[bots.Refused] != 6 {
			t.Errorf("next minute's dispositions = %v, want 3 queued, 1 notified, 6 refused", got)
		}
		conv.wait(t, 4)
		synctest.Wait()
		conv.none(t)
	})
}
