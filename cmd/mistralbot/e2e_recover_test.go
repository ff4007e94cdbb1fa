package main

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// SIGKILL in the middle of a streamed reply, then a restart on the same
// store: the message the person saw growing ends complete or marked
// interrupted (never a partial answer left as if whole, never a second
// answer), and the journal is empty once it is settled.
func TestE2ESIGKILLThenRestartSettlesTheReply(t *testing.T) {
	// 60 words at 80ms each: the reply streams for about 5s.
	answer := words("crash", 60)
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 80 * time.Millisecond})
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	// Both lives of the process are one replica: the restart recovers
	// what the killed process left at once.
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "bolt", "MISTRALBOT_STORE_PATH": dbPath})
	maps.Copy(env, replicaEnv("crash-test"))
	first := startProc(t, "first", env)

	m, appMention, _ := w.mention("C0CRASH", "U0BOB", "a long answer please", "EvCRASH1")
	w.deliver(first, appMention, 0)
	// Kill once the reply is visible and has grown by an edit.
	waitUntil(t, 20*time.Second, "the reply to be posted and edited", func() bool {
		got := w.botReplies("C0CRASH", m.TS)
		return len(got) == 1 && got[0].Edits > 0
	})
	first.signal(syscall.SIGKILL)
	first.wait(10 * time.Second)
	killed := w.botReplies("C0CRASH", m.TS)
	if len(killed) != 1 || killed[0].Text == replyText(answer) {
		t.Fatalf("after SIGKILL the thread holds %+v; want one partial reply (the test needs a slower stream)", killed)
	}
	placeholder := killed[0].TS
	t.Logf("killed with the reply at %d of %d characters", len(killed[0].Text), len(replyText(answer)))

	restarted := time.Now()
	second := startProc(t, "second", env)
	interrupted := noticeTexts(i18n.Interrupted)
	settled := func() bool {
		got := w.botReplies("C0CRASH", m.TS)
		if len(got) == 0 || got[0].TS != placeholder {
			return false
		}
		return got[0].Text == replyText(answer) || containsAny(got[0].Text, interrupted)
	}
	// The first edit of the placeholder after the restart is when recovery
	// reached it; settled is when it holds its final text.
	var touched time.Duration
	deadline := time.Now().Add(20 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		if got := w.botReplies("C0CRASH", m.TS); touched == 0 && len(got) > 0 && got[0].Edits > killed[0].Edits {
			touched = time.Since(restarted)
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := w.botReplies("C0CRASH", m.TS)
	if !settled() {
		t.Fatalf("20s after the restart the reply is still %q (placeholder %s, %d bot messages in the thread); "+
			"want the whole answer or the localized interrupted notice: a person is left with a partial answer forever",
			joinTexts(got), placeholder, len(got))
	}
	t.Logf("recovery: placeholder first edited %s and settled (%s) %s after the restart began",
		touched.Round(time.Millisecond), outcomeOf(got[0].Text, replyText(answer)), time.Since(restarted).Round(time.Millisecond))
	if len(got) != 1 {
		t.Errorf("bot messages in the thread = %d, want 1 (the placeholder, settled in place): %q", len(got), joinTexts(got))
	}

	// Stop the second process and read the journal it leaves behind.
	second.signal(syscall.SIGTERM)
	if code := second.wait(30 * time.Second); code != 0 {
		t.Errorf("second process exit code %d", code)
	}
	st, err := store.OpenBolt(context.Background(), store.BoltOptions{Path: dbPath, CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	left, err := st.Journaled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("journal entries left after recovery: %+v", left)
	}
}

// noticeTexts returns a notice as the fake shows it, in every catalog
// language (the asker's locale picks one).
func noticeTexts(key i18n.Key, args ...any) []string {
	var out []string
	for _, lang := range i18n.Supported() {
		out = append(out, strings.TrimSpace(replyText(i18n.T(lang, key, args...))))
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func joinTexts(msgs []fakeslack.Message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Body())
	}
	return strings.Join(parts, "\n---\n")
}

func outcomeOf(text, whole string) string {
	if text == whole {
		return "complete"
	}
	return "marked interrupted"
}
