package slack

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"

	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

// The model cites the first message it reads and one it made up.
const summaryReply = "Alice decided to ship on Friday [m1]. Bob asked who tests it [m3, m9999]."

func summaryHarness(t *testing.T) *harness {
	return newHarness(t, harnessOptions{
		llm: llmtest.Options{Default: llmtest.Scenario{Times: 1 << 20, Reply: summaryReply}},
		engine: func(o *engine.Options) {
			o.ContextTokens, o.MaxTokens = 32768, 1024
		},
	})
}

// /summarize in a channel: the last day of the channel, privately,
// through the response_url, with permalinks of the cited messages and
// nothing invented; the channel gets no post; no 429.
func TestSlashSummarizeChannel(t *testing.T) {
	h := summaryHarness(t)
	g := h.fake.GenerateChannel("C0GENERAL", 500, time.Now().Add(-10*time.Hour), time.Minute)
	h.command("/summarize", "", "C0GENERAL", "U0BOB")
	var text string
	h.waitFor("the summary", func() bool {
		for _, r := range h.fake.Responses() {
			if strings.Contains(r.Text, "500") && strings.Contains(r.Text, "Friday") {
				text = r.Text
				return true
			}
		}
		return false
	})
	first := h.fake.Permalink("C0GENERAL", g.TS[0], "")
	if !strings.Contains(text, "<"+first+"|") || strings.Contains(text, "9999") {
		t.Errorf("summary %q: want a link to %s and no invented reference", text, first)
	}
	for _, r := range h.fake.Responses() {
		if r.ResponseType != "ephemeral" {
			t.Errorf("response %q is %s, want ephemeral", r.Text, r.ResponseType)
		}
	}
	if n := len(h.fake.BotReplies("C0GENERAL", "")); n != 0 {
		t.Errorf("%d posts in the channel, want none (private by default)", n)
	}
	if got := h.fake.RateLimited(); got != 0 {
		t.Errorf("%d 429s", got)
	}
}

// "Summarize thread" on a reply summarizes its thread; "share" posts the
// summary in the conversation; links to replies carry thread_ts and cid.
func TestSummarizeThreadShortcutAndShare(t *testing.T) {
	h := summaryHarness(t)
	g := h.fake.GenerateThread("C0GENERAL", 50, time.Now().Add(-time.Hour), time.Second)
	reply := h.fake.Thread("C0GENERAL", g.ThreadTS)[3]
	h.interaction(h.fake.MessageShortcut(SummarizeThreadCallbackID, reply, "U0ALICE"))
	h.waitFor("the thread summary", func() bool {
		for _, r := range h.fake.Responses() {
			if strings.Contains(r.Text, "50") && strings.Contains(r.Text, h.fake.Permalink("C0GENERAL", g.TS[0], g.ThreadTS)) {
				return true
			}
		}
		return false
	})
	// m3 is a reply: its link names the thread (mrkdwn escapes its &).
	var text string
	for _, r := range h.fake.Responses() {
		text += r.Text
	}
	if want := h.fake.Permalink("C0GENERAL", g.TS[2], g.ThreadTS); !strings.Contains(text, strings.ReplaceAll(want, "&", "&amp;")) || !strings.Contains(want, "?thread_ts=") {
		t.Errorf("reply link %s not in %q", want, text)
	}

	h.command("/summarize", "share 2h", "C0GENERAL", "U0BOB")
	h.waitFor("the shared summary", func() bool {
		for _, m := range h.fake.Messages("C0GENERAL") {
			if m.User == h.fake.Options().BotUserID && strings.Contains(m.Text, "Friday") {
				return true
			}
		}
		return false
	})
}

// "@mistralbot catch me up" in a thread answers ephemerally in the
// thread (chat.postEphemeral), once although Slack delivers the mention
// twice, and is not answered as a question.
func TestCatchMeUpMention(t *testing.T) {
	h := summaryHarness(t)
	g := h.fake.GenerateThread("C0GENERAL", 20, time.Now().Add(-time.Hour), time.Second)
	h.say("C0GENERAL", g.ThreadTS, "U0BOB", "<@U0BOT> catch me up")
	h.waitFor("the catch-up", func() bool {
		for _, e := range h.fake.Ephemerals() {
			if e.User == "U0BOB" && e.ThreadTS == g.ThreadTS && strings.Contains(e.Text, "Friday") {
				return true
			}
		}
		return false
	})
	// Both deliveries were acknowledged, so both handlers were started;
	// once they are done, the duplicate has had its chance.
	h.adapter.work.Wait()
	n := 0
	for _, e := range h.fake.Ephemerals() {
		if strings.Contains(e.Text, "Friday") {
			n++
		}
	}
	if n != 1 || len(h.fake.BotReplies("C0GENERAL", g.ThreadTS)) != 0 || len(h.llm.ChatRequests()) != 1 {
		t.Fatalf("%d summaries, %d thread replies, %d model calls; want 1, 0, 1", n, len(h.fake.BotReplies("C0GENERAL", g.ThreadTS)), len(h.llm.ChatRequests()))
	}
}

// A digest is posted in its channel, top-level, as mrkdwn, split under
// Slack's limits.
func TestPostToChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		text := "**Digest of 2026-12-01**\n\n" + strings.Repeat("Alice shipped it. ", 400)
		key := bots.ConversationKey{Platform: bots.Slack, Channel: "C0GENERAL"}
		if err := d.a.PostToChannel(t.Context(), key, text); err != nil {
			t.Fatal(err)
		}
		var posts []fakeslack.Message
		for _, m := range d.fake.Messages("C0GENERAL") {
			if m.User == fakeslack.DefaultBotUserID {
				posts = append(posts, m)
			}
		}
		if len(posts) != 3 || !strings.HasPrefix(posts[0].Text, "*Digest of 2026-12-01*") || posts[0].ThreadTS != "" {
			t.Fatalf("%d posts, first %.60q", len(posts), posts[0].Text)
		}
		for _, p := range posts {
			if len([]rune(p.Text)) > maxSummaryPart+100 {
				t.Errorf("a part of %d characters", len([]rune(p.Text)))
			}
		}
	})
}

// Above bot.summary_confirm_usd the asker gets the estimate with a
// Summarize button (ephemeral, through the response_url); the model is
// not called until the click, and the click runs it.
func TestSummarizeConfirmButton(t *testing.T) {
	h := newHarness(t, harnessOptions{
		llm: llmtest.Options{Default: llmtest.Scenario{Times: 1 << 20, Reply: summaryReply}},
		engine: func(o *engine.Options) {
			o.Summary = engine.SummaryOptions{InPerMTok: 0.15, OutPerMTok: 0.6, ConfirmUSD: 0.0001}
		},
	})
	h.fake.GenerateChannel("C0GENERAL", 100, time.Now().Add(-time.Hour), time.Second)
	h.command("/summarize", "", "C0GENERAL", "U0BOB")
	var confirm fakeslack.Response
	h.waitFor("the confirm button", func() bool {
		for _, r := range h.fake.Responses() {
			if len(r.Blocks) > 0 {
				confirm = r
				return true
			}
		}
		return false
	})
	if n := len(h.llm.ChatRequests()); n != 0 || confirm.ResponseType != "ephemeral" {
		t.Fatalf("%d model calls before the click, response type %q", n, confirm.ResponseType)
	}
	btn := fakeslack.Message{Channel: "C0GENERAL", Blocks: confirm.Blocks}
	if len(btn.Buttons()) != 1 || btn.Buttons()[0].ActionID != SummaryConfirmActionID {
		t.Fatalf("buttons %+v", btn.Buttons())
	}
	h.interaction(h.fake.BlockAction(btn, "U0BOB", SummaryConfirmActionID))
	h.waitFor("the confirmed summary", func() bool {
		for _, r := range h.fake.Responses() {
			if strings.Contains(r.Text, "Friday") {
				return true
			}
		}
		return false
	})
}

// /summarize in a channel the bot is not in: the asker is told to invite
// it, privately, and the model is not called.
func TestSummarizeChannelTheBotIsNotIn(t *testing.T) {
	h := summaryHarness(t)
	h.fake.SetMember("C0PRIVATE", false)
	h.command("/summarize", "", "C0PRIVATE", "U0BOB")
	h.waitFor("the refusal", func() bool {
		for _, r := range h.fake.Responses() {
			if strings.Contains(r.Text, "invite") && r.ResponseType == "ephemeral" {
				return true
			}
		}
		return false
	})
	if n := len(h.llm.ChatRequests()); n != 0 {
		t.Fatalf("%d model calls", n)
	}
}
