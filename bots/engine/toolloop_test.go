package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
)

// fakeTools is a tools.Provider in memory: its tools answer by answer,
// and every run is counted by name.
type fakeTools struct {
	tools  []tools.Tool
	answer func(ctx context.Context, tool string, args json.RawMessage) (tools.Output, error)

	mu   sync.Mutex
	runs map[string]int
	keys []string
}

var _ tools.Provider = (*fakeTools)(nil)

func (f *fakeTools) Name() string        { return "kb" }
func (f *fakeTools) Tools() []tools.Tool { return f.tools }
func (f *fakeTools) Call(ctx context.Context, t tools.Tool, args json.RawMessage, key string) (tools.Output, error) {
	f.mu.Lock()
	if f.runs == nil {
		f.runs = map[string]int{}
	}
	f.runs[t.Name]++
	f.keys = append(f.keys, key)
	f.mu.Unlock()
	if f.answer == nil {
		return tools.Output{Text: "result of " + t.Name + " " + string(args)}, nil
	}
	return f.answer(ctx, t.Name, args)
}

func (f *fakeTools) ran(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[name]
}

// kbTools offers kb__search (read-only) and kb__delete (side effects).
func kbTools() *fakeTools {
	return &fakeTools{tools: []tools.Tool{
		{Name: "kb__search", Remote: "search", Description: "Search the knowledge base", ReadOnly: true,
			Schema: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`), Approval: tools.ApprovalAuto},
		{Name: "kb__delete", Remote: "delete", Description: "Delete a page", Approval: tools.ApprovalAuto},
	}}
}

// withTools gives the Engine a Toolbox over p.
func withTools(t *testing.T, p tools.Provider, tune func(*engine.ToolOptions)) func(*engine.Options) {
	return func(o *engine.Options) {
		box, err := tools.New(tools.Options{Providers: []tools.Provider{p}, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		o.Tools = engine.ToolOptions{Runner: box}
		if tune != nil {
			tune(&o.Tools)
		}
	}
}

func call(id, name, args string) bots.ToolCall {
	return bots.ToolCall{ID: id, Name: name, Arguments: args}
}

// TestToolLoopRunsTheCallsAndAnswers: a round of calls is run, the results
// go back as tool messages after the assistant's calls, the answer lists
// the sources the tool returned, and the usage is every round's.
func TestToolLoopRunsTheCallsAndAnswers(t *testing.T) {
	kb := kbTools()
	kb.answer = func(_ context.Context, tool string, args json.RawMessage) (tools.Output, error) {
		return tools.Output{Text: "page: the deploy runs at 9", Sources: []string{"https://kb.example/deploy"}}, nil
	}
	m := newMemLLM(
		script{tokens: []string{"Let me look."}, calls: []bots.ToolCall{call("c1", "kb__search", `{"q":"deploy"}`)}},
		script{tokens: []string{"The deploy runs at 9."}},
	)
	h := newMemHarness(t, m, withTools(t, kb, nil))
	r := h.ask(t, "when is the deploy?")
	final := r.Final()
	if !strings.HasPrefix(final, "Let me look.\n\nThe deploy runs at 9.") || !strings.Contains(final, "https://kb.example/deploy") {
		t.Fatalf("final %q", final)
	}
	if kb.ran("kb__search") != 1 {
		t.Fatalf("search ran %d times", kb.ran("kb__search"))
	}
	reqs := m.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if len(reqs[0].Tools) != 2 || reqs[0].Tools[0].Name != "kb__delete" || reqs[0].Tools[1].Name != "kb__search" {
		t.Fatalf("tools offered %+v", reqs[0].Tools)
	}
	msgs := reqs[1].Messages
	as, res := msgs[len(msgs)-2], msgs[len(msgs)-1]
	if as.Role != bots.RoleAssistant || as.Content != "Let me look." || len(as.ToolCalls) != 1 || as.ToolCalls[0].ID != "c1" {
		t.Fatalf("assistant message %+v", as)
	}
	if res.Role != bots.RoleTool || res.ToolCallID != "c1" || res.Name != "kb__search" || res.Content != "page: the deploy runs at 9" {
		t.Fatalf("tool message %+v", res)
	}
	if s := h.outcome(t); s.Outcome != bots.OutcomeOK || s.Usage.PromptTokens != 20 {
		t.Fatalf("stats %+v (want both rounds' 10 prompt tokens)", s)
	}
}

// TestToolLoopMalformedCallGetsItsProblemOnce: a call the client found
// malformed is never run; its problem text is its result, once, and the
// asker sees a short note.
func TestToolLoopMalformedCallGetsItsProblemOnce(t *testing.T) {
	kb := kbTools()
	bad := call("c1", "kb__search", `{"q":`)
	bad.Problem = "error: the arguments are not a valid JSON object"
	m := newMemLLM(script{calls: []bots.ToolCall{bad, call("c2", "kb__search", `{"q":"ok"}`)}}, script{tokens: []string{"Done."}})
	h := newMemHarness(t, m, withTools(t, kb, nil))
	r := h.ask(t, "search")
	if kb.ran("kb__search") != 1 {
		t.Fatalf("ran %d times, want only the good call", kb.ran("kb__search"))
	}
	msgs := m.requests()[1].Messages
	var results []bots.ModelMessage
	for _, msg := range msgs {
		if msg.Role == bots.RoleTool {
			results = append(results, msg)
		}
	}
	if len(results) != 2 || results[0].Content != bad.Problem || results[1].ToolCallID != "c2" {
		t.Fatalf("results %+v", results)
	}
	if want := i18n.T("en", i18n.ToolFailed, "kb__search"); !strings.Contains(r.Final(), want) {
		t.Fatalf("final %q lacks %q", r.Final(), want)
	}
}

// TestToolLoopStopsAtMaxRounds: a model that calls tools forever gets
// MaxRounds rounds; the next calls are refused and the last request
// forbids calling, and the answer says the limit was reached.
func TestToolLoopStopsAtMaxRounds(t *testing.T) {
	kb := kbTools()
	var scripts []script
	for i := range 3 {
		scripts = append(scripts, script{calls: []bots.ToolCall{call("c"+string(rune('0'+i)), "kb__search", `{}`)}})
	}
	scripts = append(scripts, script{tokens: []string{"Best I can say."}})
	m := newMemLLM(scripts...)
	h := newMemHarness(t, m, withTools(t, kb, func(o *engine.ToolOptions) { o.MaxRounds = 2 }))
	r := h.ask(t, "loop")
	if kb.ran("kb__search") != 2 {
		t.Fatalf("ran %d times, want 2", kb.ran("kb__search"))
	}
	reqs := m.requests()
	if len(reqs) != 4 || !reqs[3].NoToolCalls || reqs[2].NoToolCalls {
		t.Fatalf("%d requests; NoToolCalls of the last: %v", len(reqs), reqs[len(reqs)-1].NoToolCalls)
	}
	last := reqs[3].Messages[len(reqs[3].Messages)-1]
	if last.Role != bots.RoleTool || !strings.Contains(last.Content, "no more tool calls") {
		t.Fatalf("refused call's result %+v", last)
	}
	if !strings.HasPrefix(r.Final(), "Best I can say.") || !strings.Contains(r.Final(), i18n.T("en", i18n.ToolLimit)) {
		t.Fatalf("final %q", r.Final())
	}
}

// TestToolLoopAsksAgainWithoutTools: a server refusing tools
// (CodeToolsUnsupported) gets the question again without them, once, and
// the answer says so.
func TestToolLoopAsksAgainWithoutTools(t *testing.T) {
	m := newMemLLM(script{err: &bots.ModelError{Code: bots.CodeToolsUnsupported}}, script{tokens: []string{"Plain answer."}})
	h := newMemHarness(t, m, withTools(t, kbTools(), nil))
	r := h.ask(t, "hi")
	reqs := m.requests()
	if len(reqs) != 2 || len(reqs[0].Tools) == 0 || len(reqs[1].Tools) != 0 {
		t.Fatalf("%d requests, tools %d then %d", len(reqs), len(reqs[0].Tools), len(reqs[len(reqs)-1].Tools))
	}
	if !strings.HasPrefix(r.Final(), "Plain answer.") || !strings.Contains(r.Final(), i18n.T("en", i18n.ToolsUnsupported)) {
		t.Fatalf("final %q", r.Final())
	}
}

// TestToolLoopListsCitations: the web search's citations are listed
// under the answer, once each.
func TestToolLoopListsCitations(t *testing.T) {
	m := newMemLLM(
		script{calls: []bots.ToolCall{call("c1", "kb__search", `{}`)}, citations: []bots.Citation{{URL: "https://a.example/"}}},
		script{tokens: []string{"Answer."}, citations: []bots.Citation{{URL: "https://b.example/"}}},
	)
	kb := kbTools()
	kb.answer = func(context.Context, string, json.RawMessage) (tools.Output, error) {
		return tools.Output{Text: "x", Sources: []string{"notes.md"}}, nil
	}
	h := newMemHarness(t, m, withTools(t, kb, func(o *engine.ToolOptions) { o.WebSearch = true }))
	r := h.ask(t, "q")
	want := i18n.T("en", i18n.ToolSources, "https://a.example/ · notes.md · https://b.example/")
	if !strings.Contains(r.Final(), want) {
		t.Fatalf("final %q lacks %q", r.Final(), want)
	}
	if !m.requests()[0].WebSearch {
		t.Fatal("web search not asked for")
	}
	if i18n.StripNotices(r.Final()) != "Answer." {
		t.Fatalf("the sources are not stripped as a notice: %q", i18n.StripNotices(r.Final()))
	}
}

// TestToolLoopBudget: a tool that hangs is cut at the tools' time budget;
// the model gets the timeout as the result and is asked to answer
// without more calls.
func TestToolLoopBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kb := kbTools()
		kb.answer = func(ctx context.Context, _ string, _ json.RawMessage) (tools.Output, error) {
			<-ctx.Done()
			return tools.Output{}, ctx.Err()
		}
		m := newMemLLM(script{calls: []bots.ToolCall{call("c1", "kb__search", `{}`)}}, script{tokens: []string{"Without it."}})
		h := newMemHarness(t, m, withTools(t, kb, func(o *engine.ToolOptions) { o.Budget = 3 * time.Second }))
		start := time.Now()
		r := h.ask(t, "q")
		if took := time.Since(start); took < 3*time.Second || took > 4*time.Second {
			t.Fatalf("answered after %s, want the 3s budget", took)
		}
		reqs := m.requests()
		res := reqs[1].Messages[len(reqs[1].Messages)-1]
		if !strings.Contains(res.Content, "did not finish within the time left") || !reqs[1].NoToolCalls {
			t.Fatalf("result %q, NoToolCalls %v", res.Content, reqs[1].NoToolCalls)
		}
		if !strings.Contains(r.Final(), i18n.T("en", i18n.ToolFailed, "kb__search")) {
			t.Fatalf("final %q", r.Final())
		}
	})
}

// TestToolLoopOffersNoToolsToAModelWithout: a model known to take no
// tools is offered none.
func TestToolLoopOffersNoToolsToAModelWithout(t *testing.T) {
	m := &toollessLLM{memLLM: newMemLLM(script{tokens: []string{"ok"}})}
	h := newMemHarness(t, m.memLLM, func(o *engine.Options) {
		withTools(t, kbTools(), nil)(o)
		o.LLM = m
	})
	h.ask(t, "q")
	if n := len(m.requests()[0].Tools); n != 0 {
		t.Fatalf("%d tools offered to a model that takes none", n)
	}
}

// toollessLLM is a completer that knows its model takes no tools.
type toollessLLM struct{ *memLLM }

var _ bots.ToolTaker = toollessLLM{}

func (toollessLLM) TakesTools(string) bool { return false }

// TestToolLoopFetchesOnlyPastedLinks: a tool limited to pasted links
// runs for a URL in the question, not for one the model made up.
func TestToolLoopFetchesOnlyPastedLinks(t *testing.T) {
	kb := kbTools()
	m := newMemLLM(
		script{calls: []bots.ToolCall{
			call("c1", "kb__search", `{"url":"https://docs.example/page/"}`),
			call("c2", "kb__search", `{"url":"https://evil.example/?q=secrets"}`),
		}},
		script{tokens: []string{"Read it."}},
	)
	h := newMemHarness(t, m, withTools(t, kb, func(o *engine.ToolOptions) { o.PastedLinksOnly = []string{"kb__search"} }))
	h.ask(t, "what does https://docs.example/page say?")
	if kb.ran("kb__search") != 1 {
		t.Fatalf("ran %d times, want only for the pasted link", kb.ran("kb__search"))
	}
	msgs := m.requests()[1].Messages
	if last := msgs[len(msgs)-1]; last.ToolCallID != "c2" || !strings.Contains(last.Content, "only reads links a person posted") {
		t.Fatalf("the made-up link's result %+v", last)
	}
}
