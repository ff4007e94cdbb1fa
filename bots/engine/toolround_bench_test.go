package engine

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/store"
	"mistralbot/bots/tools"
)

// BenchmarkToolRound is the tool loop's own cost of one round, the model
// and the tools excluded (both answer at once from memory): three calls
// resolved and run through the Toolbox with 4 KB results, the assistant
// and tool messages appended, the prompt checked against the window, the
// next round's request started. Budget (issue 16): under 2 ms CPU.
func BenchmarkToolRound(b *testing.B) {
	result := strings.Repeat("a line of a tool's answer\n", 160) // ~4 KB
	box, err := tools.New(tools.Options{Providers: []tools.Provider{benchProvider{result}}})
	if err != nil {
		b.Fatal(err)
	}
	llm := &benchLLM{}
	e, err := New(Options{LLM: llm, Store: store.NewMemory(store.MemoryOptions{}), Tools: ToolOptions{Runner: box, MaxRounds: 1 << 30},
		MaxConcurrency: 1, MaxTokens: 1024, MaxPromptChars: 4000})
	if err != nil {
		b.Fatal(err)
	}
	calls := []bots.ToolCall{
		{ID: "c1", Name: "kb__search", Arguments: `{"q":"deploy schedule"}`},
		{ID: "c2", Name: "kb__search", Arguments: `{"q":"release notes"}`},
		{ID: "c3", Name: "kb__search", Arguments: `{"q":"on-call rota"}`},
	}
	base := []bots.ModelMessage{
		{Role: bots.RoleSystem, Content: strings.Repeat("You are a helpful assistant. ", 40)},
		{Role: bots.RoleUser, Content: "Alice: when is the next deploy, and who is on call?"},
	}
	t := &toolTurn{e: e, channel: "slack:C1", msg: bots.Message{Key: bots.ConversationKey{Platform: bots.Slack}, UserID: "U1"},
		answerID: "reply:bench:1", lang: "en"}
	s := &toolStream{a: &answerPlan{e: e, p: prompt{window: 32768, maxTokens: 1024}, tools: t}, t: t, ctx: context.Background()}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		t.answerID = "reply:bench:" + strconv.Itoa(n) // new keys: the Toolbox runs every call

		s.req = bots.ModelRequest{Messages: append(make([]bots.ModelMessage, 0, 8), base...), Tools: e.toolSpecs(t.channel, ""), MaxTokens: 1024}
		s.round, s.rounds, s.usage = 0, nil, bots.Usage{}
		s.cur = &benchStream{calls: calls}
		more, err := s.endRound()
		if err != nil || !more {
			b.Fatalf("round: %v, %v", more, err)
		}
	}
}

type benchProvider struct{ text string }

func (benchProvider) Name() string { return "kb" }
func (benchProvider) Tools() []tools.Tool {
	return []tools.Tool{{Name: "kb__search", Remote: "search", ReadOnly: true, Description: "Search",
		Schema: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`)}}
}
func (p benchProvider) Call(context.Context, tools.Tool, json.RawMessage, string) (tools.Output, error) {
	return tools.Output{Text: p.text, Sources: []string{"https://kb.example/deploy"}}, nil
}

// benchLLM answers at once with an empty round (no work of its own).
type benchLLM struct{}

func (*benchLLM) Stream(context.Context, bots.ModelRequest) (bots.TokenStream, error) {
	return &benchStream{}, nil
}
func (*benchLLM) EstimateTokens(s string) int      { return len(s) / 4 }
func (*benchLLM) MessageOverhead() int             { return 4 }
func (*benchLLM) Ratio() float64                   { return 1 }
func (*benchLLM) ImageTokens(string, int, int) int { return 0 }

type benchStream struct{ calls []bots.ToolCall }

func (*benchStream) Next() (string, error) { return "", io.EOF }
func (s *benchStream) Result() bots.ModelResult {
	return bots.ModelResult{Model: "m", Usage: bots.Usage{PromptTokens: 900, CompletionTokens: 40}, ToolCalls: s.calls}
}
func (*benchStream) Close() error { return nil }
