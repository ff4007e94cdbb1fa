package discord

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
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
			// The create took effect at once; its retry, after the lost
			// answer, must get the same message back.
			h.waitFor("the retried create", 10*time.Second, func() bool { return h.dc.NonceHits() > 0 })
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

// Model-written links get no preview by default: every create and edit of
// the answer carries SUPPRESS_EMBEDS (1<<2); bot.link_previews turns it
// off. Even a server that ignores allowed_mentions sees no @everyone.
func TestDefenceInDepth(t *testing.T) {
	t.Parallel()
	for _, previews := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "link previews"}[previews], func(t *testing.T) {
			t.Parallel()
			answer := "@everyone see https://attacker.example/?q=secret and @here too. " + slowAnswer(20)
			h := newHarness(t, harnessConfig{
				fake:    discordtest.Options{IgnoreAllowedMentions: true},
				llm:     llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 10 * time.Millisecond},
				adapter: func(o *Options) { fastRetries(o); o.LinkPreviews = previews },
			})
			q := h.mention("hostile")
			want := neutralize(answer)
			msgs := h.waitExact(q.ID, want)
			if msgs[0].MentionEveryone {
				t.Error("the answer pinged @everyone")
			}
			n := 0
			for _, r := range h.dc.ContentRequests() {
				if !strings.HasPrefix(r.Path, "/channels/"+q.ID+"/messages") {
					continue
				}
				n++
				flags, _ := r.JSON()["flags"].(float64)
				if suppressed := int(flags)&4 != 0; suppressed == previews {
					t.Errorf("%s %s: flags %v with link previews %v", r.Method, r.Path, flags, previews)
				}
			}
			if n < 2 {
				t.Errorf("%d creates and edits, want a post and edits", n)
			}
		})
	}
}

// A Discord reply tells when its first text became visible (the
// first_token_to_visible metric) and which messages it posted (the
// journal).
func TestReplyCapabilities(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: general}
	r, err := h.a.OpenReply(context.Background(), key, bots.Message{Key: key, UserID: h.alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	fp, ok := r.(bots.FirstPoster)
	if !ok {
		t.Fatal("the reply has no FirstPost")
	}
	ids, ok := r.(bots.MessageIDs)
	if !ok {
		t.Fatal("the reply has no IDs")
	}
	if !fp.FirstPost().IsZero() {
		t.Error("first post time before anything was posted")
	}
	before := time.Now()
	if err := r.Finish(context.Background(), "the whole answer"); err != nil {
		t.Fatal(err)
	}
	if at := fp.FirstPost(); at.Before(before) || at.After(time.Now()) {
		t.Errorf("first post at %v, want between %v and now", at, before)
	}
	if got := ids.IDs(); len(got) != 1 || got[0] != h.botMessages(general)[0].ID {
		t.Errorf("ids %v, messages %+v", got, h.botMessages(general))
	}
}

// What an operator reads while an answer survives faults: one line per
// failed call, naming the call, status, code and (50035) the refused
// fields; a 5xx never called "rate limited"; no HTML page, no token.
func TestFailedCallsAreLoggedOnceAndSafely(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	answer := slowAnswer(30)
	h := newHarness(t, harnessConfig{
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 15 * time.Millisecond},
		adapter: func(o *Options) {
			fastRetries(o)
			o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		},
	})
	in := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "q"}))
	orig := "/webhooks/" + h.dc.Options().AppID + "/" + in.Token + "/messages/@original"
	h.dc.Inject(discordtest.Fault{Method: "PATCH", Path: orig, Kind: discordtest.FaultHTML, N: 2})
	h.dc.Inject(discordtest.Fault{Method: "PATCH", Path: orig, Kind: discordtest.Fault429, RetryAfter: 30 * time.Millisecond})
	h.dc.Dispatch("INTERACTION_CREATE", in)
	h.waitFor("the first text", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && r.Original.Content != ""
	})
	h.dc.Inject(discordtest.Fault{Method: "PATCH", Path: orig, Code: 50035})
	h.waitFor("the whole answer", 15*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		var parts []string
		if r.Original != nil {
			parts = append(parts, r.Original.Content)
		}
		for _, f := range r.Followups {
			parts = append(parts, f.Content)
		}
		return squash(strings.Join(parts, " ")) == squash(answer)
	})
	if h.dc.Served() != 4 {
		t.Fatalf("served %d faults, want 4", h.dc.Served())
	}
	rest := logs.lines("discord: REST call")
	if len(rest) != 4 {
		t.Errorf("%d lines for 4 failed calls:\n%s", len(rest), strings.Join(rest, "\n"))
	}
	var limited, form int
	for _, l := range rest {
		if strings.Contains(l, "rate limited") {
			limited++
			if !strings.Contains(l, "status=429") {
				t.Errorf("a call that was not a 429 logged as rate limited: %s", l)
			}
		}
		if strings.Contains(l, "code=50035") {
			form++
			if !strings.Contains(l, "content: BASE_TYPE_MAX_LENGTH") {
				t.Errorf("the 50035 line lacks the refused field: %s", l)
			}
		}
		if !strings.Contains(l, "call=") || !strings.Contains(l, "status=") || !strings.Contains(l, "code=") {
			t.Errorf("line lacks the call, status or code: %s", l)
		}
	}
	if limited != 1 || form != 1 {
		t.Errorf("%d rate limited and %d 50035 lines, want 1 and 1", limited, form)
	}
	all := logs.String()
	for _, secret := range []string{"<html", "<center>", in.Token, h.dc.Options().Token} {
		if strings.Contains(all, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
	for _, l := range strings.Split(all, "\n") {
		if strings.Contains(l, "502") && strings.Contains(l, "rate limited") {
			t.Errorf("a 502 logged as rate limited: %s", l)
		}
	}
}

// A thread start refused with a 429 asking for minutes is not waited for:
// the answer goes to the channel at once.
func TestThreadStartLong429AnswersInTheChannel(t *testing.T) {
	t.Parallel()
	answer := "Answered in the channel rather than after minutes."
	h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}}, adapter: fastRetries})
	general := h.dc.Options().GeneralID
	id := nextID(h)
	h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + general + "/messages/" + id + "/threads",
		Kind: discordtest.Fault429, RetryAfter: 5 * time.Minute})
	h.mention("now please")
	h.waitExact(general, answer)
	if h.dc.Served() != 1 {
		t.Errorf("served %d 429s, want 1", h.dc.Served())
	}
}

// A follow-up cannot carry a nonce: when one takes effect but its answer
// is lost, it is not posted again (the part would appear twice); the
// reply stops there and the asker gets one notice saying a part was not
// confirmed.
func TestUncertainFollowupIsNotPostedTwice(t *testing.T) {
	t.Parallel()
	answer := strings.Repeat("A long answer that needs a follow-up message. ", 60) + "The end."
	h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}}, adapter: fastRetries})
	in := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "long"}))
	h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/webhooks/" + h.dc.Options().AppID + "/" + in.Token, Kind: discordtest.FaultBreakAfter})
	h.dc.Dispatch("INTERACTION_CREATE", in)
	var notices, parts []string
	h.waitFor("the notice", 15*time.Second, func() bool {
		notices, parts = nil, nil
		for _, m := range h.dc.InteractionResponse(in.Token).Followups {
			if strings.Contains(m.Content, noticeMark) {
				notices = append(notices, m.Content)
			} else {
				parts = append(parts, m.Content)
			}
		}
		return len(notices) > 0
	})
	h.waitFor("the reply to end", 10*time.Second, func() bool { return h.eng.InFlight() == 0 })
	if len(notices) != 1 || !strings.Contains(notices[0], "did not confirm") {
		t.Errorf("notices %q, want one saying a part was not confirmed", notices)
	}
	if len(parts) != 1 {
		t.Errorf("%d follow-ups holding the answer's second part, want 1 (never twice)", len(parts))
	}
	if h.dc.Served() != 1 {
		t.Errorf("served %d faults, want 1", h.dc.Served())
	}
}
