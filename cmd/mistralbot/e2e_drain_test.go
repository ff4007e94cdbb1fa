package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// SIGTERM while 10 replies stream: the process stops taking events, lets
// all 10 finish with their whole text within server.shutdown_grace, and
// exits 0.
func TestE2ESIGTERMDrainsTenStreamedReplies(t *testing.T) {
	const (
		n     = 10
		grace = 20 * time.Second
	)
	// 30 words at 80ms each: every reply streams for about 2.5s.
	answer := words("drain", 30)
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 80 * time.Millisecond})
	env := w.env(map[string]string{
		"MISTRALBOT_STORE_DRIVER": "bolt",
		"MISTRALBOT_STORE_PATH":   filepath.Join(t.TempDir(), "bot.db"),
	})
	env["MISTRALBOT_SERVER_SHUTDOWN_GRACE"] = grace.String()
	p := startProc(t, "bot", env)

	type asked struct{ channel, ts string }
	var questions []asked
	for i := range n {
		channel := fmt.Sprintf("C0DRAIN%02d", i)
		m, appMention, _ := w.mention(channel, "U0BOB", fmt.Sprintf("question %d", i), fmt.Sprintf("EvDRAIN%02d", i))
		w.deliver(p, appMention, 0)
		questions = append(questions, asked{channel, m.TS})
	}
	// Every reply has shown its first text: all 10 are streaming.
	waitUntil(t, 20*time.Second, "the first text of all 10 replies at Slack", func() bool {
		for _, q := range questions {
			if len(w.botReplies(q.channel, q.ts)) == 0 {
				return false
			}
		}
		return true
	})
	for _, q := range questions {
		if got := w.botReplies(q.channel, q.ts); got[0].Text == replyText(answer) {
			t.Fatalf("reply in %s was already complete when SIGTERM was sent; the test needs slower streams", q.channel)
		}
	}

	began := time.Now()
	p.signal(syscall.SIGTERM)
	// Draining, the process takes no new event: Slack gets no 200 (503, or
	// no connection at all) and redelivers to another replica later.
	waitUntil(t, 10*time.Second, "/readyz to stop answering 200", func() bool {
		status, _ := p.get("/readyz")
		return status != http.StatusOK
	})
	late, lateBody, _ := w.mention("C0DRAINLATE", "U0BOB", "asked during the drain", "EvDRAINLATE")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	status, _, err := w.slack.Deliver(ctx, w.client, p.url()+"/slack/events", fakeslack.Delivery{Body: lateBody})
	cancel()
	t.Logf("event delivered during the drain: status %d, err %v", status, err)
	if err == nil && status == http.StatusOK {
		t.Error("an event delivered during the drain was accepted (200): it should be refused so that Slack redelivers it")
	}
	code := p.wait(grace + 10*time.Second)
	drain := time.Since(began)
	t.Logf("drain: SIGTERM to exit %s with %d replies streaming (grace %s)", drain.Round(time.Millisecond), n, grace)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if drain >= grace+5*time.Second {
		t.Errorf("exit took %s, want under the grace %s (+5s margin)", drain, grace)
	}

	for _, q := range questions {
		got := w.botReplies(q.channel, q.ts)
		if len(got) != 1 {
			t.Errorf("%s: %d bot messages, want 1", q.channel, len(got))
			continue
		}
		// The whole answer and nothing else: no "interrupted" notice.
		if got[0].Text != replyText(answer) {
			t.Errorf("%s: reply %q, want the whole answer %q", q.channel, got[0].Text, replyText(answer))
		}
	}
	if got := w.botReplies("C0DRAINLATE", late.TS); len(got) != 0 {
		t.Errorf("the event refused during the drain was answered: %q", joinTexts(got))
	}
	if bad := p.logLines("ERROR"); len(bad) > 0 {
		t.Errorf("errors logged: %v", bad)
	}
	if n := len(w.llm.ChatRequests()); n != 10 {
		t.Errorf("LLM requests = %d, want 10", n)
	}
}
