package engine_test

import (
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/tools/history"
	"mistralbot/llm/llmtest"
)

// historyConv is an adapter whose span reader holds Bob's message of
// yesterday in channel C1.
func historyConv() *spanConv {
	c := &spanConv{fakeConv: newFakeConv()}
	c.msgs = []bots.SpanMessage{{ID: "1699.5", UserID: "U2", Author: "Bob", Text: "the deploy moves to Friday",
		Time: time.Date(2026, 11, 24, 16, 5, 0, 0, time.UTC)}}
	return c
}

var historyNow = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// TestReadHistoryThroughTheToolLoop: over the real client and llmtest,
// the model calls read_history; the call reads the channel the question
// came from through the adapter's span reader, and the lines reach the
// next round as the tool's message.
func TestReadHistoryThroughTheToolLoop(t *testing.T) {
	conv := historyConv()
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.OpenRouter},
		engine: withTools(t, history.New(history.Options{Now: func() time.Time { return historyNow }}), nil)})
	h.srv.Script(
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{
			{ID: "call_1", Name: "read_history", Arguments: `{"scope":"channel","since":"48h","limit":20}`},
		}},
		llmtest.Scenario{Times: 1, Reply: "Bob said the deploy moves to Friday."},
	)
	if _, err := h.eng.Dispatch(t.Context(), conv, mention("m1", "what did Bob say yesterday about the deploy?")); err != nil {
		t.Fatal(err)
	}
	r := conv.wait(t, 1)[0]
	if !strings.HasPrefix(r.Final(), "Bob said the deploy moves to Friday.") {
		t.Fatalf("final %q", r.Final())
	}
	conv.mu.Lock()
	queries := append([]bots.SpanQuery(nil), conv.queries...)
	conv.mu.Unlock()
	want := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1"}
	if len(queries) != 1 || queries[0].Key != want || queries[0].Limit != 20 || !queries[0].Since.Equal(historyNow.Add(-48*time.Hour)) {
		t.Fatalf("span queries %+v, want one of channel C1, 20 messages, the last 48h", queries)
	}
	if first := h.request(t, 0); len(first.Tools) != 1 || first.Tools[0] != "read_history" {
		t.Fatalf("tools declared %+v", first.Tools)
	}
	msgs := h.request(t, 1).Messages
	as, res := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if res.Role != "tool" || len(as.ToolCalls) != 1 || res.ToolCallID != as.ToolCalls[0].ID || !strings.Contains(res.Content, "[2026-11-24 16:05 UTC] Bob: the deploy moves to Friday") {
		t.Fatalf("tool message %+v", res)
	}
}

// TestReadHistoryRefusesAChannelFromTheModel: a channel named in the
// arguments is refused and nothing is read; in a DM the channel scope is
// that DM.
func TestReadHistoryRefusesAChannelFromTheModel(t *testing.T) {
	conv := historyConv()
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.OpenRouter},
		engine: withTools(t, history.New(history.Options{Now: func() time.Time { return historyNow }}), nil)})
	h.srv.Script(
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{
			{ID: "call_1", Name: "read_history", Arguments: `{"scope":"channel","channel":"C999"}`},
		}},
		llmtest.Scenario{Times: 1, Reply: "I cannot read that channel."},
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{
			{ID: "call_2", Name: "read_history", Arguments: `{"scope":"channel"}`},
		}},
		llmtest.Scenario{Times: 1, Reply: "Done."},
	)
	if _, err := h.eng.Dispatch(t.Context(), conv, mention("m1", "read #secret")); err != nil {
		t.Fatal(err)
	}
	conv.wait(t, 1)
	msgs := h.request(t, 1).Messages
	if res := msgs[len(msgs)-1]; res.Role != "tool" || !strings.Contains(res.Content, "no channel or thread can be named") {
		t.Fatalf("tool message %+v", res)
	}
	conv.mu.Lock()
	n := len(conv.queries)
	conv.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d reads for a refused call", n)
	}

	dm := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "D7"}, ID: "m2",
		SettingsChannel: "D7", UserID: "U1", UserName: "Alice", Text: "what did I say?", DM: true}
	if _, err := h.eng.Dispatch(t.Context(), conv, dm); err != nil {
		t.Fatal(err)
	}
	conv.wait(t, 1)
	conv.mu.Lock()
	defer conv.mu.Unlock()
	if len(conv.queries) != 1 || conv.queries[0].Key != dm.Key {
		t.Fatalf("queries %+v, want the DM only", conv.queries)
	}
}

// TestReadHistoryFromACommandsAsk: a command's Ask comes without the
// adapter; the call reads through the one Recover was given for the
// platform, in the command's conversation.
func TestReadHistoryFromACommandsAsk(t *testing.T) {
	conv := historyConv()
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.OpenRouter},
		engine: withTools(t, history.New(history.Options{Now: func() time.Time { return historyNow }}), nil)})
	if _, err := h.eng.Recover(t.Context(), slackOnly(conv)); err != nil {
		t.Fatal(err)
	}
	h.srv.Script(
		llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "read_history", Arguments: `{}`}}},
		llmtest.Scenario{Times: 1, Reply: "Friday."},
	)
	cmd := bots.Command{Name: "ask", Text: "when is the deploy?", Msg: cmdMsg(false)}
	resp := h.eng.Command(t.Context(), conv, cmd)
	if resp.Ask == nil {
		t.Fatalf("no Ask: %q", resp.Text)
	}
	if err := h.eng.Answer(t.Context(), resp.Ask, &fakeReply{conv: conv.fakeConv, to: cmd.Msg}); err != nil {
		t.Fatal(err)
	}
	if r := conv.wait(t, 1)[0]; !strings.HasPrefix(r.Final(), "Friday.") {
		t.Fatalf("final %q", r.Final())
	}
	conv.mu.Lock()
	defer conv.mu.Unlock()
	if len(conv.queries) != 1 || conv.queries[0].Key != cmd.Msg.Key {
		t.Fatalf("queries %+v, want the command's conversation %+v", conv.queries, cmd.Msg.Key)
	}
}
