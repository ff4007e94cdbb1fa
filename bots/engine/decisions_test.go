package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// The Engine's decisions against an in-memory model (no HTTP): what the
// final text says and what the model is asked, for each way an answer
// can go. The end-to-end tests over llmtest cover the same paths through
// the real client.

// script is one scripted model answer.
type script struct {
	tokens  []string
	finish  string // FinishReason ("stop" when empty)
	err     error  // Stream fails with it
	midErr  error  // Next fails with it after the tokens
	block   bool   // after the tokens, Next waits for the request's end
	endless bool   // Next never runs out of text
	model   string // the model that answered ("mem-model" when empty)
	// calls and citations end the round (tool loop tests).
	calls     []bots.ToolCall
	citations []bots.Citation
}

// memLLM is an in-memory bots.Completer (and bots.Tokens: four bytes a
// token) that plays scripts in order and records every request.
type memLLM struct {
	mu      sync.Mutex
	scripts []script
	reqs    []bots.ModelRequest
	// started receives each request's streaming start (Stream returned).
	started chan struct{}
}

var (
	_ bots.Completer = (*memLLM)(nil)
	_ bots.Tokens    = (*memLLM)(nil)
)

func newMemLLM(scripts ...script) *memLLM {
	return &memLLM{scripts: scripts, started: make(chan struct{}, 16)}
}

func (m *memLLM) Stream(ctx context.Context, req bots.ModelRequest) (bots.TokenStream, error) {
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	sc := script{tokens: []string{"ok"}}
	if len(m.scripts) > 0 {
		sc, m.scripts = m.scripts[0], m.scripts[1:]
	}
	m.mu.Unlock()
	if sc.err != nil {
		return nil, sc.err
	}
	m.started <- struct{}{}
	return &memStream{ctx: ctx, sc: sc}, nil
}

func (m *memLLM) requests() []bots.ModelRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]bots.ModelRequest(nil), m.reqs...)
}

func (*memLLM) EstimateTokens(s string) int      { return (len(s) + 3) / 4 }
func (*memLLM) MessageOverhead() int             { return 4 }
func (*memLLM) Ratio() float64                   { return 1 }
func (*memLLM) ImageTokens(string, int, int) int { return 0 }

type memStream struct {
	ctx    context.Context
	sc     script
	i, out int
	closed bool
}

func (s *memStream) Next() (string, error) {
	if s.closed {
		return "", errors.New("memllm: closed")
	}
	switch {
	case s.i < len(s.sc.tokens):
		s.i++
		s.out += len(s.sc.tokens[s.i-1])
		return s.sc.tokens[s.i-1], nil
	case s.sc.endless:
		s.out += 8
		return "runaway ", nil
	case s.sc.block:
		<-s.ctx.Done()
		return "", &bots.ModelError{Code: bots.CodeUnavailable, Err: s.ctx.Err()}
	case s.sc.midErr != nil:
		return "", s.sc.midErr
	}
	return "", io.EOF
}

func (s *memStream) Result() bots.ModelResult {
	r := bots.ModelResult{Model: s.sc.model, FinishReason: s.sc.finish,
		Usage: bots.Usage{PromptTokens: 10, CompletionTokens: (s.out + 3) / 4}}
	if r.Model == "" {
		r.Model = "mem-model"
	}
	if r.FinishReason == "" {
		r.FinishReason = "stop"
	}
	r.ToolCalls, r.Citations = s.sc.calls, s.sc.citations
	return r
}

func (s *memStream) Close() error { s.closed = true; return nil }

// memHarness is an Engine on memLLM, a memory store and the fake adapter.
type memHarness struct {
	llm  *memLLM
	eng  *engine.Engine
	conv *fakeConv
	obs  *doneRecorder

	outcomeOnce sync.Once
	stats       bots.ReplyStats
}

// doneRecorder is a recorder that also signals each ReplyDone: the
// Engine reports a reply after its final text.
type doneRecorder struct {
	recorder
	done chan bots.ReplyStats
}

func (r *doneRecorder) ReplyDone(s bots.ReplyStats) {
	r.recorder.ReplyDone(s)
	r.done <- s
}

func newMemHarness(t *testing.T, m *memLLM, tune func(*engine.Options)) *memHarness {
	t.Helper()
	h := &memHarness{llm: m, conv: newFakeConv(), obs: &doneRecorder{done: make(chan bots.ReplyStats, 16)}}
	opts := enginetest.WithConfigDefaults(t, engine.Options{LLM: m, Store: store.NewMemory(store.MemoryOptions{}), Logger: testLogger(),
		Defaults:       engine.Defaults{FollowThreads: true, HistoryMessages: 50, Language: "auto", SystemPrompt: "Be helpful."},
		MaxConcurrency: 2, Observer: h.obs})
	if tune != nil {
		tune(&opts)
	}
	var err error
	if h.eng, err = engine.New(opts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// ask dispatches a mention and returns its finished reply.
func (h *memHarness) ask(t *testing.T, text string) *fakeReply {
	t.Helper()
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("q"+text, text)); err != nil {
		t.Fatal(err)
	}
	return h.conv.wait(t, 1)[0]
}

// outcome waits for the one ReplyDone the Engine reports.
func (h *memHarness) outcome(t *testing.T) bots.ReplyStats {
	t.Helper()
	h.outcomeOnce.Do(func() {
		select {
		case h.stats = <-h.obs.done:
		case <-time.After(10 * time.Second):
			t.Fatal("no reply reported")
		}
	})
	if stats, _ := h.obs.snapshot(); len(stats) != 1 {
		t.Fatalf("%d replies reported, want 1", len(stats))
	}
	return h.stats
}

func TestEngineAnswersWithTheModelsText(t *testing.T) {
	h := newMemHarness(t, newMemLLM(script{tokens: []string{"Hello", " there", "!"}}), nil)
	r := h.ask(t, "hi")
	if r.Final() != "Hello there!" {
		t.Fatalf("final %q", r.Final())
	}
	if u := r.Updates(); len(u) == 0 || u[len(u)-1] != "Hello there!" {
		t.Fatalf("updates %q", u)
	}
	req := h.llm.requests()[0]
	if req.Messages[0].Role != bots.RoleSystem || !strings.Contains(req.Messages[0].Content, "Be helpful.") ||
		req.Messages[len(req.Messages)-1].Content != "Alice: hi" || req.User == "" || req.User == "U1" {
		t.Fatalf("request %+v", req)
	}
	if s := h.outcome(t); s.Outcome != bots.OutcomeOK || s.Model != "mem-model" || s.Usage.Total() == 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestEngineTrimsHistoryAndSaysSo: a thread longer than the window loses
// its oldest turns (never the question), and the answer ends with the
// notice counting them.
func TestEngineTrimsHistoryAndSaysSo(t *testing.T) {
	h := newMemHarness(t, newMemLLM(script{tokens: []string{"short answer"}}), func(o *engine.Options) {
		o.ContextTokens, o.MaxTokens = 600, 100
	})
	var turns []bots.Turn
	for i := range 10 {
		turns = append(turns, bots.Turn{Role: bots.UserTurn, ID: fmt.Sprint(i), Name: "Bob", Text: fmt.Sprintf("turn-%d %s", i, strings.Repeat("word ", 60))})
	}
	h.conv.history[slackKey] = append(turns, bots.Turn{Role: bots.UserTurn, ID: "qwhy?", Name: "Alice", Text: "why?"})
	r := h.ask(t, "why?")
	var sent strings.Builder
	for _, m := range h.llm.requests()[0].Messages {
		sent.WriteString(m.Content)
	}
	kept := 0
	for i := range 10 {
		if strings.Contains(sent.String(), fmt.Sprintf("turn-%d ", i)) {
			kept++
		}
	}
	if kept == 0 || kept == 10 || !strings.Contains(sent.String(), "turn-9 ") || !strings.Contains(sent.String(), "Alice: why?") {
		t.Fatalf("kept %d old turns; the newest and the question must stay, the oldest go", kept)
	}
	want := "short answer\n\n" + i18n.T("en", i18n.HistoryTrimmed, 10-kept)
	if r.Final() != want {
		t.Fatalf("final %q, want %q", r.Final(), want)
	}
}

// TestEngineRetriesAnOverflowOnceTrimmedToTheServersWindow: a refusal
// naming the window makes the Engine trim to it and ask once more.
func TestEngineRetriesAnOverflowOnceTrimmedToTheServersWindow(t *testing.T) {
	overflow := &bots.ModelError{Code: bots.CodeContextLength, ContextTokens: 300, PromptTokens: 900, Err: errors.New("too long")}
	h := newMemHarness(t, newMemLLM(script{err: overflow}, script{tokens: []string{"fits now"}}), nil)
	var turns []bots.Turn
	for i := range 8 {
		turns = append(turns, bots.Turn{Role: bots.UserTurn, ID: fmt.Sprint(i), Name: "Bob", Text: strings.Repeat("context ", 50)})
	}
	h.conv.history[slackKey] = append(turns, bots.Turn{Role: bots.UserTurn, ID: "qsum?", Name: "Alice", Text: "sum?"})
	r := h.ask(t, "sum?")
	reqs := h.llm.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the refused one and one retry", len(reqs))
	}
	size := func(req bots.ModelRequest) (n int) {
		for _, m := range req.Messages {
			n += len(m.Content)
		}
		return n
	}
	if size(reqs[1]) >= size(reqs[0]) || size(reqs[1])/4 > 300 {
		t.Fatalf("retry sent %d bytes after %d; want it within the 300-token window", size(reqs[1]), size(reqs[0]))
	}
	kept := strings.Count(reqs[1].Messages[len(reqs[1].Messages)-1].Content, "Bob: ")
	if want := "fits now\n\n" + i18n.T("en", i18n.HistoryTrimmed, 8-kept); r.Final() != want {
		t.Fatalf("final %q, want %q", r.Final(), want)
	}
	if h.outcome(t).Outcome != bots.OutcomeOK {
		t.Fatalf("outcome %v", h.outcome(t).Outcome)
	}
}

// TestEngineTellsEachFailureInTheAskersWords: a failure before the
// stream is the localized sentence for its code; an unknown model is
// named.
func TestEngineTellsEachFailureInTheAskersWords(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&bots.ModelError{Code: bots.CodeRateLimited, Err: errors.New("429")}, i18n.T("en", i18n.ErrRateLimited)},
		{&bots.ModelError{Code: bots.CodeAuth, Err: errors.New("401")}, i18n.T("en", i18n.ErrAuth)},
		{&bots.ModelError{Code: bots.CodeNotFound, Model: "mistral-tiny-9", Err: errors.New("404")}, i18n.T("en", i18n.ErrModelNotFound, "mistral-tiny-9")},
		{errors.New("something unclassified"), i18n.T("en", i18n.ErrInternal)},
	} {
		h := newMemHarness(t, newMemLLM(script{err: c.err}), nil)
		r := h.ask(t, "hi")
		if r.Final() != c.want {
			t.Errorf("%v: final %q, want %q", c.err, r.Final(), c.want)
		}
		if s := h.outcome(t); s.Outcome != bots.OutcomeError || s.ErrorCode != bots.CodeOf(c.err) {
			t.Errorf("%v: stats %+v", c.err, s)
		}
	}
}

// TestEngineKeepsTheTextOfAnAnswerCutOff: a failure mid-stream keeps what
// was written and says why it stops.
func TestEngineKeepsTheTextOfAnAnswerCutOff(t *testing.T) {
	mid := &bots.ModelError{Code: bots.CodeUnavailable, Err: errors.New("stream broke")}
	h := newMemHarness(t, newMemLLM(script{tokens: []string{"The first half"}, midErr: mid}), nil)
	r := h.ask(t, "hi")
	want := "The first half\n\n" + i18n.T("en", i18n.CutOff, i18n.T("en", i18n.ErrUnavailable))
	if r.Final() != want {
		t.Fatalf("final %q, want %q", r.Final(), want)
	}
	if s := h.outcome(t); s.Outcome != bots.OutcomeCutOff || s.ErrorCode != bots.CodeUnavailable {
		t.Fatalf("stats %+v", s)
	}
}

// TestEngineLengthNotices: the provider's "length" and the Engine's own
// cap on a runaway model both end with the length notice, the runaway's
// request closed at the cap.
func TestEngineLengthNotices(t *testing.T) {
	notice := "\n\n" + i18n.T("en", i18n.LengthLimit)
	h := newMemHarness(t, newMemLLM(script{tokens: []string{"cut by max_tokens"}, finish: "length"}), nil)
	if r := h.ask(t, "hi"); r.Final() != "cut by max_tokens"+notice {
		t.Fatalf("final %q", r.Final())
	}
	h = newMemHarness(t, newMemLLM(script{endless: true}), func(o *engine.Options) { o.MaxReplyBytes = 100 })
	r := h.ask(t, "hi")
	text, ok := strings.CutSuffix(r.Final(), notice)
	if !ok || len(text) != 100 || !strings.HasPrefix(text, "runaway ") {
		t.Fatalf("final %q (%d bytes before the notice)", r.Final(), len(text))
	}
	if h.outcome(t).Outcome != bots.OutcomeLength {
		t.Fatalf("outcome %v", h.outcome(t).Outcome)
	}
}

// TestEngineEmptyAnswerIsAnError: a model that says nothing is told as
// unavailable, not posted as an empty message.
func TestEngineEmptyAnswerIsAnError(t *testing.T) {
	h := newMemHarness(t, newMemLLM(script{tokens: []string{"  "}}), nil)
	if r := h.ask(t, "hi"); r.Final() != i18n.T("en", i18n.ErrUnavailable) {
		t.Fatalf("final %q", r.Final())
	}
}

// stoppableConv opens replies that carry a Stop control (bots.Controlled).

type stoppableConv struct {
	*fakeConv
	updated chan struct{} // closed by the first Update
	once    sync.Once
}

type stoppableReply struct {
	*fakeReply
	c *stoppableConv
}

var _ bots.Controlled = stoppableReply{}

func (stoppableReply) ReplyID() string { return "reply-1" }

func (r stoppableReply) Update(ctx context.Context, text string) error {
	err := r.fakeReply.Update(ctx, text)
	r.c.once.Do(func() { close(r.c.updated) })
	return err
}

func (c *stoppableConv) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	r, err := c.fakeConv.OpenReply(ctx, key, to)
	if err != nil {
		return nil, err
	}
	return stoppableReply{r.(*fakeReply), c}, nil
}

// TestEngineStopEndsTheModelRequestAndKeepsTheText: a Stop click by the
// asker cancels the model request; the text so far stays, with the
// notice; another user's click is refused.
func TestEngineStopEndsTheModelRequestAndKeepsTheText(t *testing.T) {
	m := newMemLLM(script{tokens: []string{"Partial"}, block: true})
	h := newMemHarness(t, m, nil)
	conv := &stoppableConv{fakeConv: h.conv, updated: make(chan struct{})}
	if _, err := h.eng.Dispatch(context.Background(), conv, mention("q1", "long one")); err != nil {
		t.Fatal(err)
	}
	// The reply is registered for Stop before the answer's first update.
	select {
	case <-conv.updated:
	case <-time.After(10 * time.Second):
		t.Fatal("no update")
	}
	ctx := context.Background()
	if got, _ := h.eng.Stop(ctx, bots.Slack, "reply-1", "U2", false); got == bots.StopDone {
		t.Fatal("someone else stopped the answer")
	}
	if got, err := h.eng.Stop(ctx, bots.Slack, "reply-1", "U1", false); got != bots.StopDone || err != nil {
		t.Fatalf("stop: %v, %v", got, err)
	}
	r := h.conv.wait(t, 1)[0]
	if want := "Partial\n\n" + i18n.T("en", i18n.Stopped); r.Final() != want {
		t.Fatalf("final %q, want %q", r.Final(), want)
	}
	if h.outcome(t).Outcome != bots.OutcomeStopped {
		t.Fatalf("outcome %v", h.outcome(t).Outcome)
	}
}
