package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

// sentMessages decodes the messages of a recorded request from its raw
// JSON body, as the provider sees them.
func sentMessages(t *testing.T, body []byte) []struct{ Role, Content string } {
	t.Helper()
	var req struct {
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("request body: %v", err)
	}
	return req.Messages
}

func systemOnlyFirst(t *testing.T, msgs []struct{ Role, Content string }) string {
	t.Helper()
	for i, m := range msgs {
		if (m.Role == "system") != (i == 0) {
			t.Fatalf("message %d has role %s: want one leading system message: %+v", i, m.Role, msgs)
		}
	}
	return msgs[0].Content
}

func TestLanguageModesInSystemMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.Channels = map[string]bots.ChannelSettings{"slack:C2": {Language: ptr("de")}}
	}})
	ctx := context.Background()
	fr := "fr"
	if err := h.store.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: &fr}); err != nil {
		t.Fatal(err)
	}
	// C1: fixed French from the store, question in German.
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1", "Wie spät ist es in Tokio?")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	sys := systemOnlyFirst(t, sentMessages(t, h.request(t, 0).Body))
	if !strings.Contains(sys, "Always answer in French, whatever language the user writes in") || strings.Contains(sys, "latest message") {
		t.Errorf("fixed French: system message %q", sys)
	}
	// C2: fixed German from config.
	m := mention("2", "What time is it?")
	m.Key.Channel, m.SettingsChannel = "C2", "C2"
	if _, err := h.eng.Dispatch(ctx, h.conv, m); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if sys := systemOnlyFirst(t, sentMessages(t, h.request(t, 1).Body)); !strings.Contains(sys, "Always answer in German") {
		t.Errorf("fixed German: %q", sys)
	}
	// C3: auto.
	m = mention("3", "Qué hora es?")
	m.Key.Channel, m.SettingsChannel = "C3", "C3"
	if _, err := h.eng.Dispatch(ctx, h.conv, m); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	sys = systemOnlyFirst(t, sentMessages(t, h.request(t, 2).Body))
	if !strings.Contains(sys, "Answer in the language of the user's latest message.") || strings.Contains(sys, "Always answer in") {
		t.Errorf("auto: %q", sys)
	}
	if !strings.HasPrefix(sys, "You are Mistral Small, a helpful assistant.") || !strings.Contains(sys, "Markdown") {
		t.Errorf("auto: system prompt missing: %q", sys)
	}
}

// Model precedence: store > config channel > default; a thread uses its
// parent's settings.
func TestModelPrecedenceAndThreadInheritance(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.Defaults.Model = "default-model"
		o.Channels = map[string]bots.ChannelSettings{
			"discord:C1": {Model: ptr("config-model")},
			"discord:C2": {Model: ptr("config-model")},
		}
	}})
	ctx := context.Background()
	if err := h.store.UpdateSettings(ctx, "discord:C1", bots.ChannelSettings{Model: ptr("store-model")}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ channel, parent, want string }{
		{"C1", "C1", "store-model"},
		{"TH1", "C1", "store-model"}, // a thread of C1
		{"C2", "C2", "config-model"},
		{"C3", "", "default-model"},
	} {
		m := bots.Message{Key: bots.ConversationKey{Platform: bots.Discord, Team: "G", Channel: tc.channel},
			ID: fmt.Sprint(i), SettingsChannel: tc.parent, UserID: "U", UserName: "Ann", Text: "hi", Mentioned: true}
		if _, err := h.eng.Dispatch(ctx, h.conv, m); err != nil {
			t.Fatal(err)
		}
		h.conv.wait(t, 1)
		if got := h.request(t, i).Model; got != tc.want {
			t.Errorf("channel %s (parent %q): model %q, want %q", tc.channel, tc.parent, got, tc.want)
		}
	}
}

// A long thread is trimmed to the context window, the newest turns kept,
// and the reply says so.
func TestTrimmedHistoryNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.ContextTokens, o.MaxTokens = 600, 200 }})
	var turns []bots.Turn
	for i := range 30 {
		turns = append(turns,
			bots.Turn{Role: bots.UserTurn, ID: fmt.Sprint("u", i), Name: "Bob", Text: fmt.Sprint("question ", i, " ", strings.Repeat("blah ", 15))},
			bots.Turn{Role: bots.BotTurn, ID: fmt.Sprint("b", i), Text: fmt.Sprint("answer ", i, " ", strings.Repeat("blah ", 15))})
	}
	h.conv.history[slackKey] = append(turns, bots.Turn{Role: bots.UserTurn, ID: "q", Name: "Alice", Text: "<@BOT> last one"})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("q", "last one")); err != nil {
		t.Fatal(err)
	}
	r := h.conv.wait(t, 1)[0]
	notice := i18n.T("en", i18n.HistoryTrimmed, 45)
	if !strings.HasPrefix(r.Final(), "Echo: Alice: last one") || !strings.Contains(r.Final(), "\n\n"+notice[:20]) {
		t.Errorf("final = %q", r.Final())
	}
	msgs := sentMessages(t, h.request(t, 0).Body)
	systemOnlyFirst(t, msgs)
	if len(msgs) >= 61 || msgs[1].Role != "user" || !strings.Contains(msgs[len(msgs)-2].Content, "answer 29") {
		t.Errorf("trimmed prompt: %d messages: %+v", len(msgs), msgs)
	}
	if strings.Contains(fmt.Sprint(msgs), "question 0 ") {
		t.Error("the oldest turn survived trimming")
	}
}

func ptr[T any](v T) *T { return &v }
