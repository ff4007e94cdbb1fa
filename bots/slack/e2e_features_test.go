package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

func TestSlashCommandAnswersInThread(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode})
		h.llm.Script(llmtest.Scenario{Reply: "Use `slices.Reverse`."}, llmtest.Scenario{Reply: "It works in place."})
		h.command("/ask", "how do I reverse a slice in Go?", "C0GENERAL", "U0ALICE")

		var question fakeslack.Message
		h.waitFor("the question message", func() bool {
			for _, m := range h.fake.Messages("C0GENERAL") {
				if m.Metadata != nil {
					question = m
					return true
				}
			}
			return false
		})
		if !strings.Contains(question.Text, "<@U0ALICE>") || !strings.Contains(question.Text, "how do I reverse a slice in Go?") {
			t.Errorf("question message %q", question.Text)
		}
		h.waitReplyText("C0GENERAL", question.TS, "Use `slices.Reverse`.")

		// The thread can be followed up; the question is the asker's turn.
		h.say("C0GENERAL", question.TS, "U0ALICE", "does it allocate?")
		h.waitReplyText("C0GENERAL", question.TS, "Use `slices.Reverse`.\nIt works in place.")
		reqs := h.llm.Requests()
		var users []string
		for _, m := range reqs[len(reqs)-1].Messages {
			if m.Role == "user" {
				users = append(users, m.Content)
			}
		}
		joined := strings.Join(users, "\n")
		if !strings.Contains(joined, "Alice") || !strings.Contains(joined, "how do I reverse a slice in Go?") || !strings.Contains(joined, "does it allocate?") {
			t.Errorf("follow-up user turns: %q", users)
		}
	})
}

func TestCommandTextAnswersAreEphemeral(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode})
		h.command("/help", "", "C0GENERAL", "U0BOB")
		h.command("/ask", "", "C0GENERAL", "U0BOB") // empty question: a refusal, ephemeral
		h.waitFor("two ephemeral responses", func() bool { return len(h.fake.Responses()) == 2 })
		for _, r := range h.fake.Responses() {
			if r.ResponseType != "ephemeral" || r.Text == "" {
				t.Errorf("response %+v", r)
			}
		}
		if n := h.fake.Count("chat.postMessage", 0); n != 0 {
			t.Errorf("%d messages posted for ephemeral answers", n)
		}
		if n := len(h.llm.Requests()); n != 0 {
			t.Errorf("model called %d times", n)
		}
	})
}

func TestCommandInChannelWithoutTheBot(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode})
		h.fake.SetMember("C0SECRET", false)
		h.command("/ask", "anyone there?", "C0SECRET", "U0BOB")
		h.waitFor("the not-in-channel notice", func() bool { return len(h.fake.Responses()) == 1 })
		got := h.fake.Responses()[0]
		if want := Mrkdwn(i18n.T("en", i18n.NotInChannel)); got.Text != want || got.ResponseType != "ephemeral" {
			t.Errorf("response %+v, want ephemeral %q", got, want)
		}
		if n := len(h.llm.Requests()); n != 0 {
			t.Errorf("model called %d times for a channel the bot is not in", n)
		}
	})
}

func TestExplainCodeShortcut(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		h := newHarness(t, harnessOptions{mode: mode, llm: llmtest.Options{Default: llmtest.Scenario{Reply: "It doubles x."}}})
		code := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "```\nfunc f(x int) int { return 2 * x }\n```")
		h.interaction(h.fake.MessageShortcut(ExplainCodeCallbackID, code, "U0ALICE"))
		var got []fakeslack.Message
		h.waitFor("the explanation in the code's thread", func() bool {
			got = h.replies("C0GENERAL", code.TS)
			return len(got) == 2 && got[1].Text == "It doubles x."
		})
		if got[0].Metadata == nil {
			t.Errorf("first thread message is not the question: %+v", got[0])
		}
		if q := h.lastUserContent(); !strings.Contains(q, "return 2 * x") {
			t.Errorf("model did not get the code: %q", q)
		}
	})
}

func TestFilesAreReadIntoContext(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.AttachmentMaxBytes = 64 }})
	small := &fakeslack.File{Name: "main.go", Mimetype: "text/plain", Filetype: "go", Content: []byte("package main\n\nfunc main() {}\n")}
	big := &fakeslack.File{Name: "notes.txt", Mimetype: "text/plain", Filetype: "text", InfoOnly: true,
		Content: []byte(strings.Repeat("long line of notes\n", 20))}
	image := &fakeslack.File{Name: "cat.png", Mimetype: "image/png", Filetype: "png", Content: []byte("\x89PNG\x00\x00")}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> what is wrong with these?", small, big, image)
	h.waitFor("a reply", func() bool { return len(h.replies("C0GENERAL", m.TS)) == 1 })
	var all string
	for _, msg := range h.llm.Requests()[0].Messages {
		all += msg.Content
	}
	if !strings.Contains(all, "package main") || !strings.Contains(all, "long line of notes") || strings.Contains(all, "PNG") {
		t.Errorf("attachments in the prompt:\n%s", all)
	}
	if strings.Count(all, "long line of notes") > 4 {
		t.Error("the big file was not truncated to 64 bytes")
	}
	if h.fake.Count("files.info", 0) != 1 {
		t.Errorf("files.info called %d times, want 1 (for the check_file_info file)", h.fake.Count("files.info", 0))
	}
}

func TestAssistantThreadGetsLocalizedPrompts(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// Slack creates the thread's root when the user opens the assistant.
	root := h.fake.PostUserMessage("D0ALICE", "", "U0ALICE", "New chat")
	ev := map[string]any{"type": "assistant_thread_started", "event_ts": "1760000300.000100",
		"assistant_thread": map[string]any{"user_id": "U0ALICE", "channel_id": "D0ALICE", "thread_ts": root.TS,
			"context": map[string]any{"channel_id": "C0GENERAL", "team_id": "T0001"}}}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	h.waitFor("suggested prompts and greeting", func() bool {
		return len(h.fake.Prompts()) == 1 && len(h.replies("D0ALICE", root.TS)) == 1
	})
	p := h.fake.Prompts()[0]
	if p.Channel != "D0ALICE" || p.ThreadTS != root.TS || len(p.Prompts) != 3 {
		t.Fatalf("prompts %+v", p)
	}
	if got, want := h.replies("D0ALICE", root.TS)[0].Text, Mrkdwn(i18n.T("fr", i18n.AssistantGreeting)); got != want {
		t.Errorf("greeting %q, want %q", got, want)
	}
	// Alice's Slack locale is fr-FR.
	if p.Prompts[0]["title"] != i18n.T("fr", i18n.SuggestTitle1) || p.Prompts[2]["message"] != i18n.T("fr", i18n.SuggestPrompt3) {
		t.Errorf("prompts not in French: %+v", p.Prompts)
	}
}

func TestFlagReactionTranslates(t *testing.T) {
	h := newHarness(t, harnessOptions{
		engine: func(o *engine.Options) { o.TranslateReactions = true },
		llm:    llmtest.Options{Default: llmtest.Scenario{Reply: "Bonjour à tous !"}},
	})
	m := h.fake.PostUserMessage("C0GENERAL", "", "U0BOB", "Hello everyone!")
	ev := map[string]any{"type": "reaction_added", "user": "U0ALICE", "reaction": "flag-fr", "event_ts": "1760000400.000100",
		"item": map[string]any{"type": "message", "channel": "C0GENERAL", "ts": m.TS}, "item_user": "U0BOB"}
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	h.waitReplyText("C0GENERAL", m.TS, "Bonjour à tous !")
	if q := h.lastUserContent(); !strings.Contains(q, "Hello everyone!") {
		t.Errorf("model got %q", q)
	}
	// A non-flag reaction does nothing.
	ev["reaction"], ev["event_ts"] = "thumbsup", "1760000400.000200"
	h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	// Nor does a flag from another app or from the bot itself.
	h.fake.AddUser(fakeslack.User{ID: "U0OTHERAPP", Name: "otherapp", IsBot: true})
	for i, u := range []string{"U0OTHERAPP", "U0BOT"} {
		ev["reaction"], ev["user"], ev["event_ts"] = "flag-de", u, fmt.Sprintf("1760000400.00030%d", i)
		h.deliverEvent(h.fake.EventCallback(nextEventID(), ev), 0)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(h.llm.Requests()); n != 1 {
		t.Errorf("model called %d times", n)
	}
}

func TestNativeStreaming(t *testing.T) {
	h := newHarness(t, harnessOptions{native: true,
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: longAnswer(600)}, Delay: 8 * time.Millisecond}})
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> stream it")
	got := h.waitReplyText("C0GENERAL", m.TS, neutralizeMarkdown(longAnswer(600)))
	if len(got) != 1 || got[0].Markdown == "" {
		t.Fatalf("not streamed natively: %+v", got)
	}
	start := h.fake.CallsTo("chat.startStream")
	if len(start) != 1 || start[0].Params.Get("recipient_user_id") != "U0ALICE" ||
		start[0].Params.Get("recipient_team_id") != "T0001" || start[0].Params.Get("thread_ts") != m.TS {
		t.Fatalf("startStream calls %+v", start)
	}
	if h.fake.Count("chat.appendStream", 0) == 0 || h.fake.Count("chat.stopStream", 0) != 1 {
		t.Errorf("appends %d, stops %d", h.fake.Count("chat.appendStream", 0), h.fake.Count("chat.stopStream", 0))
	}
	if h.fake.Count("chat.update", 0) != 0 || h.fake.Count("chat.postMessage", 0) != 0 {
		t.Error("native reply also used post/update")
	}
}

func TestNativeStreamingRefusedFallsBack(t *testing.T) {
	h := newHarness(t, harnessOptions{native: true, fake: fakeslack.Options{DisableNativeStreaming: true},
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Plain answer, no streaming API."}, Delay: 5 * time.Millisecond}})
	for i := range 2 {
		m := h.say("C0GENERAL", "", "U0ALICE", fmt.Sprintf("<@U0BOT> question %d", i))
		h.waitReplyText("C0GENERAL", m.TS, "Plain answer, no streaming API.")
	}
	// Refused once, then remembered for the workspace.
	if n := h.fake.Count("chat.startStream", 0); n != 1 {
		t.Errorf("startStream tried %d times", n)
	}
}

func TestSocketReconnects(t *testing.T) {
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Still here."}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.fake.DropSocket()
	if err := h.fake.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> after the drop")
	h.waitReplyText("C0GENERAL", m.TS, "Still here.")
	if err := h.fake.RequestDisconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.fake.WaitConnected(ctx, 3); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ready again", h.adapter.Ready)
	if n := h.fake.Count("apps.connections.open", 0); n != 3 {
		t.Errorf("apps.connections.open called %d times", n)
	}
}

func TestUnknownAndMalformedEnvelopesAreAcked(t *testing.T) {
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Fine."}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, env := range []fakeslack.Envelope{
		{Type: "events_api", Payload: h.fake.EventCallback(nextEventID(), map[string]any{"type": "pin_added", "user": "U0ALICE"})},
		{Type: "events_api", Payload: []byte(`{"type":"event_callback","event":{"type":"message","channel":5}}`)},
		{Type: "surprise", Payload: []byte(`{}`)},
		{Type: "slash_commands", Payload: []byte(`{"command":"/ask"}`)},
		{Type: "interactive", Payload: []byte(`{"type":"block_actions"}`)},
	} {
		id, err := h.fake.Send(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.fake.WaitAck(ctx, id); err != nil {
			t.Errorf("%s envelope not acked: %v", env.Type, err)
		}
	}
	if err := h.fake.SendRaw(ctx, []byte("this is not json")); err != nil {
		t.Fatal(err)
	}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> still alive?")
	h.waitReplyText("C0GENERAL", m.TS, "Fine.")
}

func TestInvalidTokenFailsClearly(t *testing.T) {
	fake := fakeslack.New(fakeslack.Options{})
	defer fake.Close()
	eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: nopLLM{}, Store: nopStore()}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options{BotToken: "xoxb-wrong", AppToken: "xapp-x", APIURL: fake.APIURL(), Mode: ModeSocket, AttachmentMaxBytes: 1,
		Engine: eng, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "slack.bot_token") || !strings.Contains(err.Error(), "invalid_auth") ||
		!strings.Contains(err.Error(), "at "+fake.APIURL()+" (slack.api_url)") {
		t.Errorf("Run = %v, want an error naming slack.bot_token, invalid_auth and the API it asked", err)
	}
	if _, err := New(Options{BotToken: "xoxp-user", Mode: "carrier-pigeon", Engine: eng}); err == nil ||
		!strings.Contains(err.Error(), "xoxb-") || !strings.Contains(err.Error(), "slack.mode") {
		t.Errorf("New with bad options = %v", err)
	}
	if _, err := New(Options{BotToken: "xoxb-1", Mode: ModeSocket, Engine: eng}); err == nil || !strings.Contains(err.Error(), "app_token") {
		t.Errorf("socket mode without app token = %v", err)
	}
	// config's values are required, not invented.
	_, err = New(Options{BotToken: "xoxb-1", AppToken: "xapp-1", Engine: eng})
	for _, key := range []string{"slack.mode", "slack.api_url", "bot.attachment_max_bytes"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("New without %s = %v", key, err)
		}
	}
}

func TestHistoryPaginatesLongThreads(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	parent := h.fake.PostUserMessage("C0LONG", "", "U0ALICE", "start")
	for i := range 450 {
		h.fake.PostUserMessage("C0LONG", parent.TS, "U0BOB", fmt.Sprintf("message %d", i))
	}
	h.fake.ResetCalls()
	turns, err := h.adapter.History(context.Background(), bots.ConversationKey{Platform: bots.Slack, Team: "T0001", Channel: "C0LONG", Thread: parent.TS}, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 50 || turns[0].Text != "message 400" || turns[49].Text != "message 449" || turns[49].Name != "bob" {
		t.Errorf("got %d turns: first %+v last %+v", len(turns), turns[0], turns[len(turns)-1])
	}
	if n := h.fake.Count("conversations.replies", 0); n != 3 {
		t.Errorf("conversations.replies called %d times, want 3 pages", n)
	}
	if n := h.fake.Count("users.info", 0); n > 1 {
		t.Errorf("users.info called %d times for one user", n)
	}
}

// nopLLM is a model port for tests that never reach the model.
type nopLLM struct{}

var (
	_ bots.Completer = nopLLM{}
	_ bots.Tokens    = nopLLM{}
)

func (nopLLM) Stream(context.Context, bots.ModelRequest) (bots.TokenStream, error) {
	return nil, errors.New("no model in this test")
}

func (nopLLM) EstimateTokens(s string) int      { return len(s)/3 + 1 }
func (nopLLM) MessageOverhead() int             { return 4 }
func (nopLLM) Ratio() float64                   { return 1 }
func (nopLLM) ImageTokens(string, int, int) int { return 0 }

func nopStore() bots.Store { return store.NewMemory(store.MemoryOptions{}) }

func TestReopenWritesIntoPartialMessages(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()
	q := h.fake.PostUserMessage("C0CRASH", "", "U0ALICE", "<@U0BOT> long answer")
	var ids []string
	for _, text := range []string{"partial part one", "partial part two"} {
		_, ts, err := h.adapter.api.PostMessageContext(ctx, "C0CRASH", slackgo.MsgOptionText(text, false), slackgo.MsgOptionTS(q.TS))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ts)
	}
	key := bots.ConversationKey{Platform: bots.Slack, Team: "T0001", Channel: "C0CRASH", Thread: q.TS}
	r, err := h.adapter.Reopen(ctx, key, bots.Message{Key: key, UserID: "U0ALICE"}, ids)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Update(ctx, "The regenerated")
	if err := r.Finish(ctx, "The regenerated answer."); err != nil {
		t.Fatal(err)
	}
	got := h.replies("C0CRASH", q.TS)
	if len(got) != 1 || got[0].TS != ids[0] || got[0].Text != "The regenerated answer." {
		t.Errorf("after reopen the thread holds %+v", got)
	}
	if n := h.fake.Count("chat.postMessage", 0); n != 2 {
		t.Errorf("reopen posted new messages (%d posts in all)", n)
	}
	if n := h.fake.Count("chat.delete", 0); n != 1 {
		t.Errorf("%d deletes, want the unused second part deleted", n)
	}
}

func TestSocketRetriesFailedConnectionsWithBoundedBackoff(t *testing.T) {
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Default: llmtest.Scenario{Reply: "Back."}}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// apps.connections.open refuses three times (429 with Retry-After 1s),
	// then the connection comes back without anyone restarting anything.
	h.fake.Force429("apps.connections.open", 3, time.Second)
	start := time.Now()
	h.fake.DropSocket()
	if err := h.fake.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*time.Second || took > 10*time.Second {
		t.Errorf("reconnected after %v; want Retry-After honoured (>= 2s) and bounded", took)
	}
	if n := h.fake.Count("apps.connections.open", 429); n != 3 {
		t.Errorf("%d refused opens", n)
	}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> are you back?")
	h.waitReplyText("C0GENERAL", m.TS, "Back.")
}
