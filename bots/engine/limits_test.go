package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

// The 11th request in a minute is refused with the window's reset time, and
// nothing reaches the model; the next minute is allowed again.
func TestRatePerUser(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.RatePerUser = 10 }})
	ctx := context.Background()
	for i := range 10 {
		m := mention(fmt.Sprint("m", i), "question")
		m.Key.Thread = fmt.Sprint("t", i)
		if d, err := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued || err != nil {
			t.Fatalf("request %d: %v, %v", i+1, d, err)
		}
	}
	h.conv.wait(t, 10)
	m := mention("m10", "one more")
	m.Key.Thread = "t10"
	if d, err := h.eng.Dispatch(ctx, h.conv, m); d != bots.Notified || err != nil {
		t.Fatalf("11th request: %v, %v", d, err)
	}
	r := h.conv.wait(t, 1)[0]
	if want := i18n.T("en", i18n.LimitUserRate, 10, "14:03 UTC"); r.Final() != want || !strings.Contains(want, "14:03 UTC") {
		t.Errorf("refusal = %q, want %q", r.Final(), want)
	}
	if n := len(h.srv.Requests()); n != 10 {
		t.Errorf("%d LLM requests, want 10", n)
	}
	h.clk.Set(h.clk.Now().Add(31 * time.Second)) // 14:03:01
	m = mention("m11", "next minute")
	m.Key.Thread = "t11"
	if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued {
		t.Errorf("next minute: %v", d)
	}
	h.conv.wait(t, 1)
}

// The bot-wide daily USD cap refuses until midnight UTC, then resets.
func TestDailyUSDCapResetsAtMidnight(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.DailyUSDCap = 1 }})
	ctx := context.Background()
	if err := h.store.AddUsage(ctx, bots.UsageRecord{Channel: "discord:9", User: "discord:7", PromptTokens: 10, CostUSD: 1.5, Time: h.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	if d, _ := h.eng.Dispatch(ctx, h.conv, mention("a", "expensive")); d != bots.Notified {
		t.Fatalf("over the cap: %v", d)
	}
	if got, want := h.conv.wait(t, 1)[0].Final(), i18n.T("en", i18n.LimitDailyUSD, "00:00 UTC"); got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	h.clk.Set(time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC))
	m := mention("b", "still today")
	m.Key.Thread = "2"
	if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Notified {
		t.Fatalf("23:59:59: %v", d)
	}
	h.conv.wait(t, 1)
	h.clk.Set(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	m = mention("c", "tomorrow")
	m.Key.Thread = "3"
	if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued {
		t.Fatalf("after midnight: %v", d)
	}
	if got := h.conv.wait(t, 1)[0].Final(); got != "Echo: Alice: tomorrow" {
		t.Errorf("after midnight: %q", got)
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Errorf("%d LLM requests, want 1", n)
	}
}

// A channel's daily tokens count its threads too (settings channel).
func TestDailyTokensPerChannel(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.DailyTokensPerChannel = 100 }})
	ctx := context.Background()
	if err := h.store.AddUsage(ctx, bots.UsageRecord{Channel: "slack:C1", User: "slack:U9", PromptTokens: 80, CompletionTokens: 20, Time: h.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	if d, _ := h.eng.Dispatch(ctx, h.conv, mention("a", "q")); d != bots.Notified {
		t.Fatalf("channel over budget: %v", d)
	}
	if got, want := h.conv.wait(t, 1)[0].Final(), i18n.T("en", i18n.LimitChannelTokens, int64(100), "00:00 UTC"); got != want {
		t.Errorf("refusal = %q, want %q", got, want)
	}
	other := mention("b", "q")
	other.Key.Channel, other.SettingsChannel = "C2", "C2"
	if d, _ := h.eng.Dispatch(ctx, h.conv, other); d != bots.Queued {
		t.Errorf("another channel: %v", d)
	}
	h.conv.wait(t, 1)
}

// Commands are refused ephemerally when a limit is hit.
func TestCommandLimited(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.RatePerUser = 1 }})
	ctx := context.Background()
	cmd := bots.Command{Name: "ask", Text: "why?", Msg: mention("c1", "")}
	if resp := h.eng.Command(ctx, h.conv, cmd); resp.Ask == nil {
		t.Fatalf("first ask refused: %q", resp.Text)
	}
	resp := h.eng.Command(ctx, h.conv, cmd)
	if resp.Ask != nil || resp.Text != i18n.T("en", i18n.LimitUserRate, 1, "14:03 UTC") {
		t.Errorf("second ask: %+v", resp)
	}
}

// Outside the allow-lists the bot is silent on mentions and refuses
// commands briefly.
func TestAllowLists(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.AllowedChannels = []string{"slack:C2"}
		o.AllowedUsers = []string{"slack:U1", "slack:U2"}
	}})
	ctx := context.Background()
	if d, _ := h.eng.Dispatch(ctx, h.conv, mention("a", "hi")); d != bots.Refused {
		t.Errorf("channel not allowed: %v", d)
	}
	if resp := h.eng.Command(ctx, h.conv, bots.Command{Name: "ask", Text: "hi", Msg: mention("b", "")}); resp.Text != i18n.T("en", i18n.NotAllowedChannel) {
		t.Errorf("command in a channel not allowed: %+v", resp)
	}
	m := mention("c", "hi")
	m.Key.Channel, m.SettingsChannel, m.UserID = "C2", "C2", "U3"
	if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Refused {
		t.Errorf("user not allowed: %v", d)
	}
	// A thread of an allowed channel is allowed.
	m.UserID, m.Key.Channel, m.ID = "U2", "TH5", "d"
	if d, _ := h.eng.Dispatch(ctx, h.conv, m); d != bots.Queued {
		t.Errorf("thread of an allowed channel: %v", d)
	}
	h.conv.wait(t, 1)
	h.conv.none(t)
}
