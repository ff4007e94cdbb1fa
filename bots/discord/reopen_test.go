package discord

import (
	"context"
	"strings"
	"testing"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
)

// botPost posts text in channel as the bot did before a crash.
func (h *harness) botPost(channel, text string) string {
	return h.dc.Post(channel, discordtest.Post{Author: h.dc.Bot(), Content: text}).ID
}

// requestsSince returns the requests recorded after the first n.
func (h *harness) requestsSince(n int) []discordtest.Request {
	return h.dc.Requests()[n:]
}

func count(reqs []discordtest.Request, method, pathPrefix string) int {
	n := 0
	for _, r := range reqs {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

func TestReopenEditsTheDeadProcessMessagesAndDeletesUnusedParts(t *testing.T) {
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	ids := []string{h.botPost(general, "partial part one"), h.botPost(general, "partial part two")}
	before := len(h.dc.Requests())
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: general}
	to := bots.Message{Key: key, ID: "1100000000000000999", SettingsChannel: general, UserID: h.alice.ID, Text: "explain"}
	r, err := h.a.Reopen(context.Background(), key, to, ids)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Update(context.Background(), "The regenerated")
	if err := r.Finish(context.Background(), "The regenerated answer."); err != nil {
		t.Fatal(err)
	}
	msgs := h.botMessages(general)
	if len(msgs) != 1 || msgs[0].ID != ids[0] || msgs[0].Content != "The regenerated answer." {
		t.Fatalf("channel holds %+v, want the first message rewritten and the second deleted", msgs)
	}
	reqs := h.requestsSince(before)
	if n := count(reqs, "POST", "/channels/"+general+"/messages"); n != 0 {
		t.Errorf("%d new messages posted, want edits only", n)
	}
	if n := count(reqs, "PATCH", "/channels/"+general+"/messages/"+ids[0]); n == 0 {
		t.Error("the first message was not edited")
	}
	if n := count(reqs, "DELETE", "/channels/"+general+"/messages/"+ids[1]); n != 1 {
		t.Errorf("%d deletes of the unused part, want 1", n)
	}
}

func TestReopenFindsAnAnswerPostedInTheParentChannel(t *testing.T) {
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	q := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> what is Go?"})
	// The thread could not be started: the answer went to the channel.
	id := h.botPost(general, "Go is")
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: q.ID, Thread: q.ID}
	to := bots.Message{Key: key, ID: q.ID, SettingsChannel: general, UserID: h.alice.ID, Text: "what is Go?"}
	r, err := h.a.Reopen(context.Background(), key, to, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(context.Background(), "Go is a programming language."); err != nil {
		t.Fatal(err)
	}
	got := h.botMessages(general)
	if len(got) != 1 || got[0].ID != id || got[0].Content != "Go is a programming language." {
		t.Fatalf("general holds %+v", got)
	}
	// A message that is gone cannot be reopened: the Engine answers anew.
	if _, err := h.a.Reopen(context.Background(), key, to, []string{"1100000000000000998"}); err == nil {
		t.Error("Reopen of a deleted message succeeded")
	}
}

func TestReopenWithoutMessagesStartsTheMentionThread(t *testing.T) {
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	q := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> what is Go?"})
	key := bots.ConversationKey{Platform: bots.Discord, Team: h.dc.Options().GuildID, Channel: q.ID, Thread: q.ID}
	to := bots.Message{Key: key, ID: q.ID, SettingsChannel: general, UserID: h.alice.ID, Text: "what is Go?", Mentioned: true}
	r, err := h.a.Reopen(context.Background(), key, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(context.Background(), "Go is a programming language."); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.dc.ChannelByID(q.ID); !ok {
		t.Fatal("the thread of the mention was not started")
	}
	if got := h.botMessages(q.ID); len(got) != 1 || got[0].Content != "Go is a programming language." {
		t.Errorf("thread holds %+v", got)
	}
	if got := h.botMessages(general); len(got) != 0 {
		t.Errorf("answer posted in the channel too: %+v", got)
	}
}

func TestInteractionAnswerKnowsItsMessageAndReopensAfterRestart(t *testing.T) {
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	fin := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask",
		discordtest.Option{Name: "question", Type: 3, Value: "what is Go?"}))
	if err := h.dc.Acknowledge(fin.Token, []byte(`{"type":5}`)); err != nil {
		t.Fatal(err)
	}
	in := &discordgo.Interaction{ID: fin.ID, AppID: fin.ApplicationID, Token: fin.Token, ChannelID: general,
		GuildID: fin.GuildID, Type: discordgo.InteractionApplicationCommand}
	key := bots.ConversationKey{Platform: bots.Discord, Team: fin.GuildID, Channel: general}
	to := bots.Message{Key: key, ID: fin.ID, SettingsChannel: general, UserID: h.alice.ID, Text: "what is Go?"}
	sink := h.a.newInteractionSink(in, time.Now())
	first := h.a.newReply(context.Background(), sink, sink, general, to, false)
	_ = first.Update(context.Background(), "Go is")
	h.waitFor("first words", 5*time.Second, func() bool { return len(first.IDs()) == 1 })
	orig := h.dc.InteractionResponse(fin.Token).Original
	// The journal gets the original response's message id, not "@original".
	if ids := first.IDs(); orig == nil || ids[0] != orig.ID {
		t.Fatalf("reply ids = %v, original response = %+v", first.IDs(), orig)
	}
	if err := first.Finish(context.Background(), "Go is a"); err != nil {
		t.Fatal(err)
	}
	if o := h.dc.InteractionResponse(fin.Token).Original; o.Content != "Go is a" {
		t.Fatalf("original response = %q, want the edit through the token", o.Content)
	}

	// After a restart the token is gone; the message is still editable.
	h.dc.ExpireInteraction(fin.Token)
	before := len(h.dc.Requests())
	r, err := h.a.Reopen(context.Background(), key, to, first.IDs())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(context.Background(), "Go is a programming language."); err != nil {
		t.Fatal(err)
	}
	if o := h.dc.InteractionResponse(fin.Token).Original; o.Content != "Go is a programming language." {
		t.Errorf("original response = %q after reopening", o.Content)
	}
	reqs := h.requestsSince(before)
	if count(reqs, "PATCH", "/channels/"+general+"/messages/"+orig.ID) == 0 || count(reqs, "POST", "/") != 0 ||
		count(reqs, "PATCH", "/webhooks/") != 0 {
		t.Errorf("requests after the restart: %+v", reqs)
	}
}
