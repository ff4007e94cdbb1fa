package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

func TestReplyChainAndAttachmentsReachTheModel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.AttachmentMaxBytes = 64 }})
	h.llm.Script(llmtest.Scenario{Reply: "It loops."})
	general := h.dc.Options().GeneralID
	bob := discordtest.User{ID: "1100000000000000006", Username: "bob", GlobalName: strp("Bob")}
	first := h.dc.Post(general, discordtest.Post{Author: bob, Content: "here is my loop: for {}"})
	second := h.dc.Post(general, discordtest.Post{Author: h.alice, Nick: "Ali", Content: "looks infinite", ReplyTo: first.ID})
	code := strings.Repeat("x := 1 // é\n", 20) // 260 bytes, cut at 64 without splitting é
	att := h.dc.AddAttachment("main.go", "text/x-go; charset=utf-8", []byte(code))
	img := h.dc.AddAttachment("cat.png", "image/png", []byte{0x89, 'P', 'N', 'G'})
	q := h.dc.Post(general, discordtest.Post{Author: bob, Content: "<@" + h.dc.Bot().ID + "> what does it do?",
		ReplyTo: second.ID, Attachments: []discordtest.Attachment{att, img}})
	// The Engine tells the asker the file was cut (Truncated was set).
	msgs := h.waitTextIn(q.ID, "main.go")
	if !strings.HasPrefix(msgs[0].Content, "It loops.") || !strings.Contains(msgs[0].Content, "64") {
		t.Errorf("answer %q", msgs[0].Content)
	}

	reqs := h.llm.Requests()
	var all []string
	for _, m := range reqs[0].Messages {
		all = append(all, m.Content)
	}
	prompt := strings.Join(all, "\n---\n")
	for _, want := range []string{"here is my loop: for {}", "looks infinite", "Ali", "Bob", "what does it do?", "main.go", "x := 1"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("prompt misses %q:\n%s", want, prompt)
		}
	}
	if strings.Contains(prompt, "PNG") || strings.Count(prompt, "x := 1") > 6 {
		t.Errorf("binary file or untruncated text in the prompt:\n%s", prompt)
	}
}

func TestThreadHistoryIsPaginatedWithStarter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	general := h.dc.Options().GeneralID
	starter := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "starter question"})
	h.dc.AddChannel(discordtest.Channel{ID: starter.ID, Type: discordtest.PublicThread, GuildID: h.dc.Options().GuildID,
		ParentID: general, OwnerID: h.alice.ID, Name: "t"})
	for i := 0; i < 130; i++ {
		h.dc.Post(starter.ID, discordtest.Post{Author: h.alice, Content: fmt.Sprintf("message %d", i)})
	}
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: starter.ID, Thread: starter.ID}
	turns, err := h.a.History(context.Background(), key, 140)
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 131 || turns[0].Text != "starter question" || turns[1].Text != "message 0" || turns[130].Text != "message 129" {
		t.Fatalf("%d turns: first %+v last %+v", len(turns), turns[0], turns[len(turns)-1])
	}
	if turns[1].Name != "Alice" || turns[1].Role != bots.UserTurn {
		t.Errorf("turn %+v", turns[1])
	}
	pages := 0
	for _, r := range h.dc.Requests() {
		// The Engine reads the thread too (did the bot take part?), 50 at
		// a time: count the pages of this call, 100 then 40.
		if r.Method == "GET" && r.Path == "/channels/"+starter.ID+"/messages" &&
			(strings.Contains(r.Query, "limit=100") || strings.Contains(r.Query, "limit=40")) {
			pages++
			if pages == 2 && !strings.Contains(r.Query, "before=") {
				t.Errorf("second page without before: %s", r.Query)
			}
		}
	}
	if pages != 2 {
		t.Errorf("%d pages fetched, want 2", pages)
	}
	// A limit keeps the newest messages.
	turns, err = h.a.History(context.Background(), key, 10)
	if err != nil || len(turns) != 10 || turns[9].Text != "message 129" {
		t.Errorf("limited history: %d turns, err %v", len(turns), err)
	}
	// A deleted thread is an error the Engine can report.
	h.dc.DeleteChannel(starter.ID)
	h.a.channels.forget(starter.ID)
	if _, err := h.a.History(context.Background(), key, 10); err == nil || codeOf(err) != codeUnknownChannel {
		t.Errorf("deleted thread: %v", err)
	}
}
