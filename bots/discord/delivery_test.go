package discord

import (
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// fastRetries keeps the adapter's pauses short in tests.
func fastRetries(o *Options) {
	o.RetryDelay = 20 * time.Millisecond
	o.MinEditInterval = 50 * time.Millisecond
}

// The answer's post takes effect but its answer is lost (the connection
// breaks after the create): the retry carries the same nonce, and Discord
// (the fake, as Discord documents enforce_nonce) returns the first
// message instead of creating a second. One answer, whole.
func TestUncertainPostIsNotDoubled(t *testing.T) {
	t.Parallel()
	for _, kind := range []discordtest.FaultKind{discordtest.FaultBreakAfter, discordtest.FaultGarbled} {
		t.Run(map[discordtest.FaultKind]string{discordtest.FaultBreakAfter: "break", discordtest.FaultGarbled: "garbled"}[kind], func(t *testing.T) {
			t.Parallel()
			answer := "One answer, posted once although its first create lost its answer."
			h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}}, adapter: fastRetries})
			thread := nextID(h)
			h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + thread + "/messages", Kind: kind})
			q := h.mention("a question")
			if q.ID != thread {
				t.Fatalf("mention %s, want %s", q.ID, thread)
			}
			msgs := h.waitExact(thread, answer)
			if len(msgs) != 1 {
				t.Errorf("%d messages, want 1", len(msgs))
			}
			if h.dc.Served() != 1 || h.dc.NonceHits() != 1 {
				t.Errorf("faults served %d, nonce hits %d: want 1 and 1", h.dc.Served(), h.dc.NonceHits())
			}
			for _, r := range h.dc.Requests() {
				if r.Method == "POST" && r.Path == "/channels/"+thread+"/messages" {
					b := r.JSON()
					if n, _ := b["nonce"].(string); n == "" || len(n) > 25 || b["enforce_nonce"] != true {
						t.Errorf("create without a valid nonce: %s", r.Body)
					}
				}
			}
		})
	}
}

// Thread creation: a 502 (Discord: "wait a bit and retry") is retried and
// the answer goes to the thread; a 429 or a 5xx that outlasts the retries
// sends the answer to the channel, as a reply to the mention. No question
// is dropped.
func TestThreadStartFailures(t *testing.T) {
	t.Parallel()
	answer := "The answer, wherever it could go."
	for _, tc := range []struct {
		name      string
		fault     discordtest.Fault
		inChannel bool
		served    int
	}{
		{"502 twice", discordtest.Fault{Kind: discordtest.FaultHTML, N: 2}, false, 2},
		{"429 once", discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: 50 * time.Millisecond}, false, 1},
		{"429 storm", discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: 50 * time.Millisecond, N: -1}, true, threadTries},
		{"502 storm", discordtest.Fault{Kind: discordtest.FaultHTML, N: -1}, true, threadTries},
		{"503 storm", discordtest.Fault{Kind: discordtest.FaultHTML, Status: 503, N: -1}, true, threadTries},
		{"missing permission", discordtest.Fault{Code: 50013}, true, 1},
		{"lost answer", discordtest.Fault{Kind: discordtest.FaultBreakAfter}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}}, adapter: fastRetries})
			general := h.dc.Options().GeneralID
			id := nextID(h)
			f := tc.fault
			f.Method, f.Path = "POST", "/channels/"+general+"/messages/"+id+"/threads"
			h.dc.Inject(f)
			q := h.mention("where does my answer go?")
			if q.ID != id {
				t.Fatalf("mention %s, want %s", q.ID, id)
			}
			if tc.inChannel {
				h.waitFor("the answer in the channel", 10*time.Second, func() bool { return len(h.botMessages(general)) > 0 })
				msgs := h.waitExact(general, answer)
				if len(msgs) != 1 || msgs[0].MessageReference == nil || msgs[0].MessageReference.MessageID != q.ID {
					t.Errorf("the answer in the channel is not one reply to the mention: %+v", msgs)
				}
				if _, ok := h.dc.ChannelByID(id); ok {
					t.Error("a thread exists although its creation failed")
				}
			} else {
				if msgs := h.waitExact(id, answer); len(msgs) != 1 {
					t.Errorf("%d messages in the thread, want 1", len(msgs))
				}
				if n := len(h.botMessages(general)); n != 0 {
					t.Errorf("%d bot messages in the channel, want 0", n)
				}
			}
			if h.dc.Served() != tc.served {
				t.Errorf("faults served %d, want %d", h.dc.Served(), tc.served)
			}
		})
	}
}
