package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// inThread is a message of the Slack thread 1700.1, mentioning the bot
// (a mention is answered whether or not the bot joined the thread).
func inThread(id, text string) bots.Message {
	m := mention(id, text)
	m.InThread = true
	return m
}

// llamaServer is llama-server with a 256-token context, serving a model
// the bot does not know (so the Engine starts from 32768 tokens).
func llamaServer() llmtest.Options {
	return llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.LlamaCpp, ContextTokens: 256}
}

// TestMessageTooLongForTheWindow: against llama-server with a 256-token
// context, a message longer than the window is refused with 400
// exceed_context_size_error. The asker is told, naming the limit, and the
// message is left out of later prompts: the thread recovers.
func TestMessageTooLongForTheWindow(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llamaServer()})
	long := "please read this log: " + strings.Repeat("ERROR timeout in worker ", 60)
	h.conv.history[slackKey] = []bots.Turn{{Role: bots.UserTurn, ID: "1", Name: "Alice", Text: long}}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("1", long)); err != nil {
		t.Fatal(err)
	}
	r := h.conv.wait(t, 1)[0]
	if want := i18n.T("en", i18n.MessageTooLong, 256); r.Final() != want {
		t.Fatalf("final %q, want %q", r.Final(), want)
	}
	if n := len(h.srv.Requests()); n != 1 {
		t.Fatalf("%d requests: a question that cannot fit is not sent again", n)
	}

	// The platform's thread now holds the long message and the notice.
	h.conv.history[slackKey] = append(h.conv.history[slackKey],
		bots.Turn{Role: bots.BotTurn, ID: "2", Text: r.Final()},
		bots.Turn{Role: bots.UserTurn, ID: "3", Name: "Alice", Text: "ok, short: why the timeouts?"})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("3", "ok, short: why the timeouts?")); err != nil {
		t.Fatal(err)
	}
	r = h.conv.wait(t, 1)[0]
	if !strings.HasPrefix(r.Final(), "Echo: Alice: ok, short: why the timeouts?") {
		t.Fatalf("the thread did not recover: %q", r.Final())
	}
	reqs := h.srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want one more, accepted at once", len(reqs))
	}
	body := string(reqs[1].Body)
	if strings.Contains(body, "ERROR timeout in worker") || strings.Contains(body, "too long for the model") {
		t.Fatalf("the long message or the notice reached the model: %s", body)
	}
	var m struct {
		MaxTokens int `json:"max_tokens"`
	}
	if err := json.Unmarshal(reqs[1].Body, &m); err != nil {
		t.Fatal(err)
	}
	if m.MaxTokens != 64 { // a quarter of the window
		t.Fatalf("max_tokens %d in a 256-token window", m.MaxTokens)
	}
}

// TestLongThreadTrimmedToTheServerWindow: a thread longer than the
// server's window whose question fits: the refusal makes the Engine trim
// to the window it names and ask once more; the answer says history was
// left out.
func TestLongThreadTrimmedToTheServerWindow(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llamaServer()})
	var turns []bots.Turn
	for i := range 12 {
		turns = append(turns,
			bots.Turn{Role: bots.UserTurn, ID: "u" + string(rune('a'+i)), Name: "Bob", Text: "an earlier question about the deploy pipeline and its stages"},
			bots.Turn{Role: bots.BotTurn, ID: "b" + string(rune('a'+i)), Text: "an earlier answer about the deploy pipeline and its stages"})
	}
	h.conv.history[slackKey] = append(turns, bots.Turn{Role: bots.UserTurn, ID: "q", Name: "Alice", Text: "and now?"})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("q", "and now?")); err != nil {
		t.Fatal(err)
	}
	r := h.conv.wait(t, 1)[0]
	if !strings.HasPrefix(r.Final(), "Echo: Alice: and now?") || !strings.Contains(r.Final(), "Messages left out") {
		t.Fatalf("final %q", r.Final())
	}
	reqs := h.srv.Requests()
	if len(reqs) != 2 || len(reqs[1].Messages) >= len(reqs[0].Messages) {
		t.Fatalf("%d requests; the retry must be shorter", len(reqs))
	}
	if n := llmtest.PromptTokens(reqs[1].Messages); n >= 256 {
		t.Fatalf("retry of %d tokens still exceeds the window", n)
	}
	// The next question is trimmed before it is sent: no refusal.
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("q2", "thanks")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if n := len(h.srv.Requests()); n != 3 {
		t.Fatalf("%d requests: the learned window was not used", n)
	}
}

// TestServerTruncationNotice: Ollama cuts an overlong prompt from the
// front without an error and reports prompt_tokens equal to its window;
// the answer carries a notice and the estimator is not calibrated by it.
func TestServerTruncationNotice(t *testing.T) {
	var est *llm.Estimator // the client's, which calibrates itself
	h := newHarness(t, harnessOptions{
		server: llmtest.Options{Dialect: llmtest.OpenAI, Server: llmtest.Ollama, ContextTokens: 200,
			Models: []llmtest.Model{{ID: "mistralai/mistral-small-3.2-24b-instruct", ContextLength: 131072}}},
		engine: func(o *engine.Options) {
			// The probe finds Ollama's runtime window (after loading it).
			client := o.LLM.(*llmcompleter.Client).LLM()
			if _, err := client.Probe(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			est = client.Estimator()
			// An estimate running low (code, other scripts) fills the
			// window past what the server counts.
			for range 40 {
				est.Observe(1000, 250)
			}
		},
	})
	ratio := est.Ratio()
	var turns []bots.Turn
	for i := range 6 {
		turns = append(turns, bots.Turn{Role: bots.UserTurn, ID: string(rune('a' + i)), Name: "Bob", Text: strings.Repeat("context ", 20)})
	}
	h.conv.history[slackKey] = append(turns, bots.Turn{Role: bots.UserTurn, ID: "q", Name: "Alice", Text: "summary?"})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("q", "summary?")); err != nil {
		t.Fatal(err)
	}
	r := h.conv.wait(t, 1)[0]
	if want := i18n.T("en", i18n.ContextTruncated, 200); !strings.HasSuffix(r.Final(), "\n\n"+want) {
		t.Fatalf("final %q lacks %q", r.Final(), want)
	}
	if h.srv.Stats().Truncated != 1 {
		t.Fatalf("the server did not truncate: %+v", h.srv.Stats())
	}
	if est.Ratio() != ratio {
		t.Fatalf("calibrated from a truncated count: %v -> %v", ratio, est.Ratio())
	}
}

// TestNoticesNotFedBackToTheModel: a re-fetched thread holds the bot's
// messages as posted, notices included; the prompt has the model's words
// only, and a bot message that was only a notice is left out.
func TestNoticesNotFedBackToTheModel(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	slackWarning := strings.ReplaceAll(i18n.T("fr", i18n.LengthLimit), "⚠️", ":warning:")
	h.conv.history[slackKey] = []bots.Turn{
		{Role: bots.UserTurn, ID: "1", Name: "Alice", Text: "write a poem"},
		{Role: bots.BotTurn, ID: "2", Text: "Roses are red\n\n" + i18n.T("en", i18n.HistoryTrimmed, 3) + "\n\n" + i18n.T("en", i18n.LengthLimit)},
		{Role: bots.UserTurn, ID: "3", Name: "Alice", Text: "another"},
		{Role: bots.BotTurn, ID: "4", Text: i18n.T("en", i18n.ErrTimeout)},
		{Role: bots.UserTurn, ID: "5", Name: "Alice", Text: "en français"},
		{Role: bots.BotTurn, ID: "6", Text: "Les roses sont rouges\n\n" + slackWarning},
		{Role: bots.UserTurn, ID: "7", Name: "Alice", Text: "merci"},
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, inThread("7", "merci")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	msgs := sentMessages(t, h.request(t, 0).Body)
	var assistant []string
	for _, m := range msgs {
		if m.Role == "assistant" {
			assistant = append(assistant, m.Content)
		}
	}
	if strings.Join(assistant, "|") != "Roses are red|Les roses sont rouges" {
		t.Fatalf("assistant turns %q", assistant)
	}
	if body := string(h.request(t, 0).Body); strings.Contains(body, "maximum") || strings.Contains(body, "warning") || strings.Contains(body, "took too long") {
		t.Fatalf("a notice reached the model: %s", body)
	}
}

// usageConv opens replies whose Finish first reads the channel's usage:
// what /usage would say the moment the answer is complete.
type usageConv struct {
	*fakeConv
	h    *harness
	seen chan int64
}

func (c *usageConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	return &usageReply{Reply: r, c: c}, err
}

type usageReply struct {
	bots.Reply
	c *usageConv
}

func (r *usageReply) Finish(ctx context.Context, text string) error {
	u, err := r.c.h.store.Usage(ctx, bots.ScopeChannel, "slack:C1", bots.Day(r.c.h.clk.Now()))
	if err != nil {
		return err
	}
	r.c.seen <- u.Tokens()
	return r.Reply.Finish(ctx, text)
}

// TestUsageRecordedBeforeTheFinalText: /usage right after an answer
// counts it.
func TestUsageRecordedBeforeTheFinalText(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	conv := &usageConv{fakeConv: h.conv, h: h, seen: make(chan int64, 4)}
	if _, err := h.eng.Dispatch(context.Background(), conv, mention("1700.1", "count my tokens")); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if n := <-conv.seen; n <= 0 {
		t.Fatalf("usage when the final text went out: %d tokens", n)
	}
}
