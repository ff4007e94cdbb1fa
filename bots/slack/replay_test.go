package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// replay POSTs the same signed request twice (same body, same timestamp,
// so the same valid signature: what a client that captured it sends) and
// checks both are acknowledged with an empty 200, as a first delivery is.
func (h *harness) replay(path string, body []byte) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := fakeslack.Delivery{Body: body, ContentType: "application/x-www-form-urlencoded", Timestamp: time.Now()}
	for i := range 2 {
		status, resp, err := h.fake.Deliver(ctx, h.client, h.app.URL+path, d)
		if err != nil || status != http.StatusOK || resp != "" {
			h.t.Fatalf("delivery %d to %s: %d %q %v", i+1, path, status, resp, err)
		}
	}
}

// questionMessages counts the question messages /ask posted in channel
// (top-level messages with metadata; the answers in the thread carry
// some too).
func (h *harness) questionMessages(channel string) int {
	n := 0
	for _, m := range h.fake.Messages(channel) {
		if m.Metadata != nil && (m.ThreadTS == "" || m.ThreadTS == m.TS) {
			n++
		}
	}
	return n
}

// Issue 12: a captured /ask replayed inside the signature window is
// answered once: one question message, one answer, one model request.
func TestReplayedSlashCommandIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: ModeHTTP, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Use `slices.Reverse`."}}})
	form := h.fake.SlashCommand("/ask", "how do I reverse a slice in Go?", "C0GENERAL", "U0ALICE")
	h.replay("/slack/commands", []byte(form.Encode()))
	h.waitFor("the replay refused", func() bool { return strings.Contains(h.logs.String(), "replayed slash command ignored") })
	h.waitFor("the answer", func() bool {
		for _, m := range h.fake.Messages("C0GENERAL") {
			if m.Metadata != nil {
				got := h.replies("C0GENERAL", m.TS)
				return joinBodies(got) == "Use `slices.Reverse`." && !streaming(got)
			}
		}
		return false
	})
	if n := h.questionMessages("C0GENERAL"); n != 1 {
		t.Errorf("%d question messages, want 1", n)
	}
	if n := len(h.llm.Requests()); n != 1 {
		t.Errorf("%d model requests, want 1", n)
	}
}

// A replayed /usage does not show the victim's usage a second time (the
// replayer would get it through the response_url it supplied).
func TestReplayedUsageCommandIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: ModeHTTP})
	form := h.fake.SlashCommand("/usage", "", "C0GENERAL", "U0ALICE")
	h.replay("/slack/commands", []byte(form.Encode()))
	h.waitFor("the replay refused", func() bool { return strings.Contains(h.logs.String(), "replayed slash command ignored") })
	h.waitFor("the usage answer", func() bool { return len(h.fake.Responses()) >= 1 })
	// A later, distinct command is answered: its response follows the
	// usage one, and nothing came between for the replay.
	h.command("/help", "", "C0GENERAL", "U0ALICE")
	h.waitFor("the help answer", func() bool { return len(h.fake.Responses()) >= 2 })
	if n := len(h.fake.Responses()); n != 2 {
		t.Errorf("%d responses, want 2 (usage once, help once)", n)
	}
}

// A replayed "Explain code" shortcut is answered once too.
func TestReplayedShortcutIsAnsweredOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{mode: ModeHTTP, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "It doubles x."}}})
	code := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "```\nfunc f(x int) int { return 2 * x }\n```")
	h.replay("/slack/interactions", fakeslack.InteractionForm(h.fake.MessageShortcut(ExplainCodeCallbackID, code, "U0ALICE")))
	h.waitFor("the replay refused", func() bool { return strings.Contains(h.logs.String(), "replayed message shortcut ignored") })
	h.waitFor("the explanation", func() bool {
		got := h.replies("C0GENERAL", code.TS)
		return len(got) == 2 && got[1].Text == "It doubles x." && !streaming(got)
	})
	if n := len(h.llm.Requests()); n != 1 {
		t.Errorf("%d model requests, want 1", n)
	}
}
