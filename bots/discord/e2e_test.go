package discord

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

func TestMentionStartsThreadAndStreamsOneAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	reply := "Use a loop that swaps s[i] and s[len(s)-1-i] until the middle." + strings.Repeat(" More words here.", 30)
	// The first token comes late enough for the typing indicator to be
	// sent before the answer begins (once it has, no typing call is made:
	// reply.go), even on a busy machine.
	h.llm.Script(llmtest.Scenario{Reply: reply, Delay: 2 * time.Millisecond, FirstDelay: 300 * time.Millisecond})
	q := h.mention("how do I reverse a slice in Go?")

	msgs := h.waitExact(q.ID, strings.TrimSpace(reply))
	th, ok := h.dc.ChannelByID(q.ID)
	if !ok || th.ParentID != h.dc.Options().GeneralID || th.Name != "how do I reverse a slice in Go?" {
		t.Fatalf("thread = %+v, %v", th, ok)
	}
	if len(msgs) != 1 || msgs[0].Content != strings.TrimSpace(reply) {
		t.Fatalf("want one message with the whole answer, got %d: %q", len(msgs), joined(msgs))
	}
	if n := len(h.botMessages(h.dc.Options().GeneralID)); n != 0 {
		t.Errorf("%d bot messages in the channel itself", n)
	}
	// The question reached the model without the mention.
	reqs := h.llm.Requests()
	last := reqs[len(reqs)-1].Messages
	if got := last[len(last)-1].Content; !strings.Contains(got, "how do I reverse a slice in Go?") || strings.Contains(got, "<@") {
		t.Errorf("model saw %q", got)
	}
	typing, edits := 0, 0
	for _, r := range h.dc.Requests() {
		switch {
		case r.Method == "POST" && r.Path == "/channels/"+q.ID+"/typing":
			typing++
		case r.Method == "PATCH" && strings.HasPrefix(r.Path, "/channels/"+q.ID+"/messages/"):
			edits++
		}
	}
	if typing == 0 {
		t.Error("no typing indicator")
	}
	if edits == 0 {
		t.Error("the answer was not streamed (no edits)")
	}
	h.checkNoMentions()
}

func TestFollowUpInThreadNeedsNoMention(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "First answer."}, llmtest.Scenario{Reply: "Second answer."}, llmtest.Scenario{Reply: "Third answer."})
	q := h.mention("first question")
	h.waitExact(q.ID, "First answer.")
	// The Engine records that it answered in the thread once the reply is
	// done; a human is slower than this test.
	h.waitFor("engine idle", 5*time.Second, func() bool { return h.eng.InFlight() == 0 })
	h.dc.Post(q.ID, discordtest.Post{Author: h.alice, Content: "and a follow-up?"})
	msgs := h.waitExact(q.ID, "First answer.Second answer.")
	if len(msgs) != 2 {
		t.Fatalf("thread has %d bot messages", len(msgs))
	}
	// The follow-up was answered with the thread as context.
	reqs := h.llm.Requests()
	var all []string
	for _, m := range reqs[len(reqs)-1].Messages {
		all = append(all, m.Content)
	}
	ctx := strings.Join(all, "\n")
	if !strings.Contains(ctx, "first question") || !strings.Contains(ctx, "First answer.") || !strings.Contains(ctx, "and a follow-up?") {
		t.Errorf("follow-up context misses the thread: %q", ctx)
	}

	// A thread the bot never joined is left alone: the message is seen
	// before the mention in the same thread (same lane), which is answered.
	other := h.dc.NewID()
	h.dc.AddChannel(discordtest.Channel{ID: other, Type: discordtest.PublicThread, GuildID: h.dc.Options().GuildID,
		ParentID: h.dc.Options().GeneralID, OwnerID: h.alice.ID, Name: "humans"})
	h.dc.Post(other, discordtest.Post{Author: h.alice, Content: "just talking"})
	h.dc.Post(other, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> now you"})
	h.waitExact(other, "Third answer.")
	if n := len(h.llm.Requests()); n != 3 {
		t.Errorf("model called %d times, want 3", n)
	}
	h.checkNoMentions()
}

func TestDMGetsAnAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "Hello in private."})
	dm := h.dc.DMChannel(h.alice.ID)
	h.dc.Post(dm, discordtest.Post{Author: h.alice, Content: "hi bot"})
	msgs := h.waitExact(dm, "Hello in private.")
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	h.checkNoMentions()
}

func TestSlashCommandDefersThenStreamsIntoOriginalResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	reply := "Here is how:" + strings.Repeat(" step", 80)
	h.llm.Script(llmtest.Scenario{Reply: reply, Delay: time.Millisecond})
	in := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "code",
		discordtest.Option{Name: "question", Type: 3, Value: "reverse a slice"}, discordtest.Option{Name: "language", Type: 3, Value: "go"}))
	h.waitFor("answer in the original response", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && r.Original.Content == strings.TrimSpace(reply)
	})
	r := h.dc.InteractionResponse(in.Token)
	if r.Type != 5 {
		t.Errorf("initial response type %d, want 5 (deferred)", r.Type)
	}
	if len(r.Followups) != 0 {
		t.Errorf("%d follow-ups for a short answer", len(r.Followups))
	}
	reqs := h.llm.Requests()
	sys := reqs[len(reqs)-1].Messages[0].Content
	if !strings.Contains(strings.ToLower(sys), "go") {
		t.Errorf("the language option did not reach the prompt: %q", sys)
	}

	// /help needs no model: an ephemeral message at once.
	help := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "help"))
	h.waitFor("help response", 5*time.Second, func() bool { return h.dc.InteractionResponse(help.Token).Type != 0 })
	hr := h.dc.InteractionResponse(help.Token)
	if hr.Type != 4 || hr.Original == nil || hr.Original.Flags&64 == 0 || !strings.Contains(hr.Original.Content, "/ask") {
		t.Errorf("help response: type %d %+v", hr.Type, hr.Original)
	}
	h.checkNoMentions()
}

func TestContextMenuExplainsTargetMessageCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "This prints hello."})
	code := "```go\nfmt.Println(\"hello\")\n```"
	target := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: code})
	in := h.dc.Interact(h.dc.MessageCommand(h.invoker(), "Explain code", target))
	h.waitFor("explanation", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && r.Original.Content == "This prints hello."
	})
	reqs := h.llm.Requests()
	msgs := reqs[len(reqs)-1].Messages
	if got := msgs[len(msgs)-1].Content; !strings.Contains(got, `fmt.Println("hello")`) {
		t.Errorf("model did not get the code: %q", got)
	}
	if !strings.Contains(strings.ToLower(msgs[0].Content), "explain") {
		t.Errorf("no explain task in the system prompt: %q", msgs[0].Content)
	}
}

// longAnswer is about 6,500 characters of prose and code blocks.
func longAnswer() string {
	var b strings.Builder
	for i := 0; b.Len() < 6500; i++ {
		fmt.Fprintf(&b, "Paragraph %d explains the next step in some detail, with enough words to fill lines.\n\n", i)
		if i%3 == 0 {
			fmt.Fprintf(&b, "```go\nfunc step%d() {\n\tfor i := 0; i < 10; i++ {\n\t\tfmt.Println(i)\n\t}\n}\n```\n\n", i)
		}
	}
	return strings.TrimSpace(b.String())
}

func TestLongAnswerArrivesWholeWithBalancedFences(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	reply := longAnswer()
	h.llm.Script(llmtest.Scenario{Reply: reply})
	q := h.mention("explain everything")
	var msgs []discordtest.Message
	h.waitFor("the whole answer", 15*time.Second, func() bool {
		msgs = h.botMessages(q.ID)
		return len(msgs) >= 4 && strings.Contains(msgs[len(msgs)-1].Content, "Paragraph") &&
			strings.Contains(normalizeParts(msgs), lastLine(reply))
	})
	for i, m := range msgs {
		if n := len([]rune(m.Content)); n > 2000 {
			t.Errorf("message %d has %d chars", i, n)
		}
		if c := strings.Count(m.Content, "```"); c%2 != 0 {
			t.Errorf("message %d has unbalanced fences:\n%s", i, m.Content)
		}
	}
	if got := normalizeParts(msgs); got != squash(reply) {
		t.Errorf("text lost or changed:\n got %q\nwant %q", got, squash(reply))
	}
	h.checkNoMentions()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return squash(lines[len(lines)-1])
}

// normalizeParts joins parts, dropping the fence lines added at cuts, and
// squashes white space: the text must then equal the answer's.
func normalizeParts(msgs []discordtest.Message) string {
	var words []string
	for _, m := range msgs {
		words = append(words, strings.Fields(m.Content)...)
	}
	return squashFences(strings.Join(words, " "))
}

func squash(s string) string { return squashFences(strings.Join(strings.Fields(s), " ")) }

// squashFences removes "``` ```go" pairs (a fence closed at the end of a
// part and re-opened at the start of the next).
func squashFences(s string) string {
	for _, lang := range []string{"```go", "```"} {
		s = strings.ReplaceAll(s, "``` "+lang+" ", "")
	}
	return s
}

func TestModelOutputCannotPing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	reply := "@everyone @here look, <@1100000000000000005> and <@&42>!"
	h.llm.Script(llmtest.Scenario{Reply: reply})
	q := h.mention("say something loud")
	// @everyone and @here are made inert in the text itself (a zero-width
	// space after the @), for a server that would ignore allowed_mentions.
	want := "@\u200beveryone @\u200bhere look, <@1100000000000000005> and <@&42>!"
	msgs := h.waitExact(q.ID, want)
	if msgs[0].Content != want {
		t.Errorf("content changed: %q", msgs[0].Content)
	}
	if msgs[0].MentionEveryone || len(msgs[0].Mentions) != 0 || len(msgs[0].MentionRoles) != 0 {
		t.Errorf("the message pinged: everyone=%v users=%v roles=%v", msgs[0].MentionEveryone, msgs[0].Mentions, msgs[0].MentionRoles)
	}
	h.checkNoMentions()
}

func TestConcurrentAnswersInOneChannel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		force   int
		threads bool
	}{{"threads", 0, true}, {"in-channel", 0, false}, {"forced-429", 8, true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessConfig{})
			reply := "A complete answer, " + strings.Repeat("with many words streamed one by one, ", 8) + "done."
			h.llm.SetDefault(llmtest.Scenario{Reply: reply, Delay: 2 * time.Millisecond})
			if !tc.threads {
				// No Create Public Threads permission: every answer goes to
				// the channel, all ten sharing its rate-limit bucket.
				h.dc.FailNext("POST", "/threads", 403, 50013, "Missing Permissions", 10)
			}
			if tc.force > 0 {
				h.dc.Force429(tc.force, 150*time.Millisecond)
			}
			var wg sync.WaitGroup
			qs := make([]discordtest.Message, 10)
			for i := range qs {
				wg.Add(1)
				go func() { defer wg.Done(); qs[i] = h.mention(fmt.Sprintf("question number %d with some words", i)) }()
			}
			wg.Wait()
			if tc.threads {
				for _, q := range qs {
					h.waitExact(q.ID, reply)
				}
			} else {
				h.waitFor("ten answers in the channel", 20*time.Second, func() bool {
					n := 0
					for _, m := range h.botMessages(h.dc.Options().GeneralID) {
						if m.Content == reply {
							n++
						}
					}
					return n == 10
				})
				for _, m := range h.botMessages(h.dc.Options().GeneralID) {
					if m.MessageReference == nil {
						t.Errorf("answer %s is not a reply to its question", m.ID)
					}
				}
			}
			if tc.force == 0 {
				if n := h.dc.Count429(); n != 0 {
					t.Errorf("%d requests answered 429 under default pacing", n)
				}
			} else if n := h.dc.Count429(); n < tc.force {
				t.Errorf("only %d 429s", n)
			}
			h.checkNoMentions()
		})
	}
}

func TestRoleMentionOfTheBot(t *testing.T) {
	t.Parallel()
	// The bot's managed role, which GUILD_CREATE tells.
	h := newHarness(t, harnessConfig{setup: func(dc *discordtest.Server) {
		bot := dc.Bot()
		dc.SetMember(dc.Options().GuildID, discordtest.Member{User: &bot, Roles: []string{"777"}})
	}})
	h.llm.Script(llmtest.Scenario{Reply: "Role answer."}, llmtest.Scenario{Reply: "Sync."})
	general := h.dc.Options().GeneralID
	q := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "<@&777> what is a goroutine?"})
	h.waitExact(q.ID, "Role answer.")
	reqs := h.llm.Requests()
	msgs := reqs[0].Messages
	if got := msgs[len(msgs)-1].Content; !strings.Contains(got, "what is a goroutine?") || strings.Contains(got, "777") {
		t.Errorf("model saw %q", got)
	}
	// Another role is not the bot.
	h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "<@&778> not for the bot"})
	s := h.mention("sync")
	h.waitExact(s.ID, "Sync.")
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("model called %d times", n)
	}
}
