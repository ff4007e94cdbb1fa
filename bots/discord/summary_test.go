package discord

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

const summaryReply = "Alice decided to ship on Friday [m1]. Bruno asked who tests it [m3, m9999]."

func summaryHarness(t *testing.T, eng func(*engine.Options)) *harness {
	return newHarness(t, harnessConfig{
		llm:    llmtest.Options{Default: llmtest.Scenario{Times: 1 << 20, Reply: summaryReply}},
		engine: eng,
	})
}

// /summarize in a channel: deferred and ephemeral, then the summary in
// the original response with message links to the cited messages, none
// invented, nothing posted in the channel.
func TestSlashSummarizeChannel(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, nil)
	general, guild := h.dc.Options().GeneralID, h.dc.Options().GuildID
	msgs := h.dc.GenerateChannel(general, 300, time.Now().Add(-5*time.Hour), time.Minute)
	in := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "summarize"))
	link := "https://discord.com/channels/" + guild + "/" + general + "/" + msgs[0].ID
	h.waitFor("the summary", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && strings.Contains(r.Original.Content, link)
	})
	r := h.dc.InteractionResponse(in.Token)
	if r.Type != 5 || r.Original.Flags&64 == 0 || strings.Contains(r.Original.Content, "9999") || !strings.Contains(r.Original.Content, "300") {
		t.Errorf("response type %d flags %d: %q", r.Type, r.Original.Flags, r.Original.Content)
	}
	if n := len(h.botMessages(general)); n != 0 {
		t.Errorf("%d bot posts in the channel, want none", n)
	}
	if b, g := h.dc.RateLimited(); b+g != 0 {
		t.Errorf("429s: %d bucket, %d global", b, g)
	}
}

// In a thread, /summarize share summarizes the thread and posts it there.
func TestSlashSummarizeThreadShared(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, nil)
	th, _ := h.dc.GenerateThread(h.dc.Options().GeneralID, 40, time.Now().Add(-time.Hour), time.Second)
	who := h.invoker()
	who.ChannelID = th.ID
	in := h.dc.SlashCommand(who, "summarize", discordtest.Option{Name: "span", Type: 3, Value: "share"})
	in.Channel = &th
	h.dc.Interact(in)
	h.waitFor("the shared summary", 10*time.Second, func() bool {
		for _, m := range h.botMessages(th.ID) {
			if strings.Contains(m.Content, "Friday") && strings.Contains(m.Content, "/"+th.ID+"/") {
				return true
			}
		}
		return false
	})
}

// "@bot catch me up" in a channel is answered in the channel with the
// channel's summary (a plain message has no private answer on Discord),
// once, and is not answered as a question.
func TestCatchMeUpMention(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, nil)
	general := h.dc.Options().GeneralID
	h.dc.GenerateChannel(general, 30, time.Now().Add(-time.Hour), time.Second)
	h.mention("catch me up")
	h.waitFor("the catch-up", 10*time.Second, func() bool {
		for _, m := range h.botMessages(general) {
			if strings.Contains(m.Content, "Friday") {
				return true
			}
		}
		return false
	})
	if n := len(h.llm.ChatRequests()); n != 1 {
		t.Errorf("%d model calls, want 1", n)
	}
}

// Above the confirm threshold the original response carries a button;
// the asker's click runs the summary.
func TestSummarizeConfirmButton(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, func(o *engine.Options) {
		o.Summary = engine.SummaryOptions{InPerMTok: 0.15, OutPerMTok: 0.6, ConfirmUSD: 0.0001}
	})
	general := h.dc.Options().GeneralID
	h.dc.GenerateChannel(general, 200, time.Now().Add(-time.Hour), time.Second)
	in := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "summarize"))
	var custom string
	h.waitFor("the confirm button", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		if r.Original == nil {
			return false
		}
		for _, row := range r.Original.Components {
			for _, c := range row.Components {
				if strings.HasPrefix(c.CustomID, summaryPrefix) {
					custom = c.CustomID
				}
			}
		}
		return custom != ""
	})
	if n := len(h.llm.ChatRequests()); n != 0 {
		t.Fatalf("%d model calls before the click", n)
	}
	orig := *h.dc.InteractionResponse(in.Token).Original
	click := h.dc.ClickButton(orig, h.alice.ID, "2248473465835073", custom)
	h.waitFor("the confirmed summary", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(click.Token)
		return r.Original != nil && strings.Contains(r.Original.Content, "Friday")
	})
}

// A digest is posted in its channel, in parts of at most 2,000
// characters, with mentions disabled.
func TestPostToChannel(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, nil)
	general := h.dc.Options().GeneralID
	text := "**Digest of 2026-12-01**\n\n" + strings.Repeat("Alice shipped it. @everyone ", 150)
	if err := h.a.PostToChannel(t.Context(), bots.ConversationKey{Platform: bots.Discord, Channel: general}, text); err != nil {
		t.Fatal(err)
	}
	posts := h.botMessages(general)
	if len(posts) != 3 || !strings.HasPrefix(posts[0].Content, "**Digest of 2026-12-01**") {
		t.Fatalf("%d posts", len(posts))
	}
	for _, p := range posts {
		if len([]rune(p.Content)) > maxContent || p.MentionEveryone {
			t.Errorf("a part of %d characters, mention_everyone %v", len([]rune(p.Content)), p.MentionEveryone)
		}
	}
}

// A digest posted again with the same key (a takeover after its poster
// died) returns the messages the first post created, by nonce; another
// key is a new digest.
func TestDigestPostOnceByNonce(t *testing.T) {
	t.Parallel()
	h := summaryHarness(t, nil)
	general := h.dc.Options().GeneralID
	key := bots.ConversationKey{Platform: bots.Discord, Channel: general}
	// Two parts: the five creates of this test stay within the channel's
	// 5 per 5 s.
	text := "**Digest of 2026-12-01**\n\n" + strings.Repeat("Alice shipped it. ", 150)
	once := "digest:discord:" + general + ":2026-12-01"
	first, err := h.a.PostOnce(t.Context(), key, once, text)
	if err != nil {
		t.Fatal(err)
	}
	posts := h.botMessages(general)
	if len(posts) != 2 || posts[0].ID != first {
		t.Fatalf("%d posts, want 2 starting with the returned %s", len(posts), first)
	}
	again, err := h.a.PostOnce(t.Context(), key, once, text)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.botMessages(general)); n != 2 || again != first {
		t.Fatalf("same key again: %d posts, first %s; want 2 and %s", n, again, first)
	}
	if hits := h.dc.NonceHits(); hits != 2 {
		t.Errorf("%d nonce hits, want 2 (one per part)", hits)
	}
	if _, err := h.a.PostOnce(t.Context(), key, once+"x", "**Digest of 2026-12-02**"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.botMessages(general)); n != 3 {
		t.Fatalf("another key: %d posts, want 3", n)
	}
}
