package main

import (
	"maps"
	"sync"
	"testing"
	"time"

	"mistralbot/internal/redistest"
	"mistralbot/llm/llmtest"
)

// Two replicas share one Redis. Slack delivers one mention to both at once
// (a load balancer may), as app_mention and as message, then retries it to
// one of them: exactly one reply thread, with the whole answer, and the
// duplicates are counted in the replicas' metrics.
func TestE2ETwoReplicasOneRedisOneReply(t *testing.T) {
	answer := "Exactly one of us answers this, however often Slack delivers it."
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 20 * time.Millisecond})
	env := w.env(map[string]string{
		"MISTRALBOT_STORE_DRIVER":    "redis",
		"MISTRALBOT_STORE_REDIS_URL": redistest.URL(t),
	})
	envA, envB := maps.Clone(env), maps.Clone(env)
	maps.Copy(envA, replicaEnv("replica-a"))
	maps.Copy(envB, replicaEnv("replica-b"))
	a := startProc(t, "replica-a", envA)
	b := startProc(t, "replica-b", envB)

	m, appMention, message := w.mention("C0REPLICA", "U0BOB", "say it once", "EvREPLICA1")
	// The first deliveries race: both replicas get both events at once.
	var wg sync.WaitGroup
	for _, p := range []*proc{a, b} {
		for _, body := range [][]byte{appMention, message} {
			wg.Go(func() { w.deliver(p, body, 0) })
		}
	}
	wg.Wait()
	// Slack did not see a timely 200 (say) and retries, to either replica.
	w.deliver(b, appMention, 1)
	w.deliver(a, message, 1)
	const deliveries = 6

	// Every delivery ends as a reply or as a counted duplicate.
	settled := func() bool {
		var replies, dedupes, busy float64
		for _, p := range []*proc{a, b} {
			replies += p.metric("mistralbot_replies_total")
			dedupes += p.metric("mistralbot_dedupes_total", `platform="slack"`)
			busy += p.metric("mistralbot_replies_in_flight") + p.metric("mistralbot_queue_depth")
		}
		return replies+dedupes == deliveries && busy == 0
	}
	waitUntil(t, 20*time.Second, "every delivery to be answered or counted as a duplicate", settled)

	got := w.botReplies("C0REPLICA", m.TS)
	if len(got) != 1 {
		t.Fatalf("bot messages in the thread = %d, want 1: %+v", len(got), got)
	}
	if got[0].Text != replyText(answer) {
		t.Errorf("reply text = %q, want %q", got[0].Text, replyText(answer))
	}
	if n := w.postsIn("C0REPLICA", m.TS); n != 1 {
		t.Errorf("chat.postMessage calls in the thread = %d, want 1", n)
	}
	for _, c := range w.slack.CallsTo("chat.update") {
		if c.Params.Get("ts") != got[0].TS {
			t.Errorf("chat.update of another message %s: %v", c.Params.Get("ts"), c.Params)
		}
	}
	if n := len(w.llm.ChatRequests()); n != 1 {
		t.Errorf("LLM requests = %d, want 1", n)
	}
	ra, rb := a.metric("mistralbot_replies_total", `outcome="ok"`), b.metric("mistralbot_replies_total", `outcome="ok"`)
	if ra+rb != 1 {
		t.Errorf("ok replies: replica a %v, replica b %v; want one in all", ra, rb)
	}
	// The replica that did not answer saw every delivery it got as a
	// duplicate: the other replica's claim in Redis stopped it.
	loser := a
	if ra == 1 {
		loser = b
	}
	if d := loser.metric("mistralbot_dedupes_total", `platform="slack"`); d != 3 {
		t.Errorf("%s counted %v duplicates, want 3 (its 3 deliveries)", loser.name, d)
	}
	for _, p := range []*proc{a, b} {
		if bad := p.logLines("ERROR"); len(bad) > 0 {
			t.Errorf("%s logged errors: %v", p.name, bad)
		}
	}
}
