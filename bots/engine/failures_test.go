package engine_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

func TestMidStreamErrorKeepsPartialWithNotice(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.Observer = rec }})
	h.srv.Script(llmtest.Scenario{Reply: "one two three four five six", Fault: llmtest.MidStreamError, FailAfter: 3})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "count")); err != nil {
		t.Fatal(err)
	}
	r := h.conv.wait(t, 1)[0]
	want := "one two three\n\n" + i18n.T("en", i18n.CutOff, i18n.T("en", i18n.ErrUnavailable))
	if r.Final() != want {
		t.Errorf("final = %q, want %q", r.Final(), want)
	}
	if ups := r.Updates(); len(ups) == 0 || ups[len(ups)-1] != "one two three" {
		t.Errorf("updates = %q", ups)
	}
	waitFor(t, func() bool { s, _ := rec.snapshot(); return len(s) == 1 })
	s, _ := rec.snapshot()
	if s[0].Outcome != bots.OutcomeCutOff || s[0].ErrorCode != "unavailable" || s[0].Platform != bots.Slack || s[0].Total <= 0 || s[0].Usage.CompletionTokens == 0 {
		t.Errorf("observed %+v", s[0])
	}
}

func TestLLMErrorsAreLocalized(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   llmtest.Scenario
		key  i18n.Key
	}{
		{"401", llmtest.Scenario{Status: 401}, i18n.ErrAuth},
		{"402", llmtest.Scenario{Status: 402}, i18n.ErrBudget},
		{"429", llmtest.Scenario{Status: 429}, i18n.ErrRateLimited},
		{"503", llmtest.Scenario{Status: 503}, i18n.ErrUnavailable},
		{"disconnect before text", llmtest.Scenario{Fault: llmtest.Disconnect, FailAfter: 0}, i18n.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.srv.Script(tc.sc)
			m := mention("1", "hola, ¿qué tal? Esto es para ti")
			m.Locale = "fr-CA"
			if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
				t.Fatal(err)
			}
			// The locale chooses the language of the bot's own texts.
			if got, want := h.conv.wait(t, 1)[0].Final(), i18n.T("fr", tc.key); got != want {
				t.Errorf("final = %q, want %q", got, want)
			}
			// Nothing was produced, so nothing is billed.
			u, _ := h.store.Usage(context.Background(), bots.ScopeGlobal, "", bots.Day(h.clk.Now()))
			if tc.sc.Status != 0 && u.Requests != 0 {
				t.Errorf("usage recorded for a refused request: %+v", u)
			}
		})
	}
}

func TestModelNotFoundMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Retired: []string{"mistralai/mistral-small"}},
		engine: func(o *engine.Options) { o.Defaults.Model = "mistralai/mistral-small" }})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hi")); err != nil {
		t.Fatal(err)
	}
	if got, want := h.conv.wait(t, 1)[0].Final(), i18n.T("en", i18n.ErrModelNotFound, "mistralai/mistral-small"); got != want {
		t.Errorf("final = %q, want %q", got, want)
	}
}

// failingUsage is a store whose AddUsage fails.
type failingUsage struct{ *store.Memory }

func (failingUsage) AddUsage(context.Context, bots.UsageRecord) error {
	return errors.New("redis: connection refused")
}

func TestStoreFailureStillDeliversAnswer(t *testing.T) {
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store { return failingUsage{m} }})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hi")); err != nil {
		t.Fatal(err)
	}
	if got := h.conv.wait(t, 1)[0].Final(); got != "Echo: Alice: hi" {
		t.Errorf("final = %q", got)
	}
}

// A claim that fails on the store still answers (availability over dedupe).
type failingClaims struct{ *store.Memory }

func (failingClaims) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis: i/o timeout")
}

// Admit is the claim of a message: it fails the same way.
func (failingClaims) Admit(context.Context, bots.Admission) (bots.Admitted, error) {
	return bots.Admitted{}, errors.New("redis: i/o timeout")
}

func TestClaimFailureStillAnswers(t *testing.T) {
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store { return failingClaims{m} }})
	if d, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "hi")); d != bots.Queued || err != nil {
		t.Fatalf("Dispatch = %v, %v", d, err)
	}
	h.conv.wait(t, 1)
}

// outageClaims fails every claim while down, like Redis unreachable.
type outageClaims struct {
	*store.Memory
	down atomic.Bool
}

func (s *outageClaims) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errors.New("redis: dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return s.Memory.Claim(ctx, key, ttl)
}

// Admit is the claim of a message: down with the rest.
func (s *outageClaims) Admit(ctx context.Context, a bots.Admission) (bots.Admitted, error) {
	if s.down.Load() {
		return bots.Admitted{}, errors.New("redis: dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return s.Memory.Admit(ctx, a)
}

// With the store down, a Slack channel mention (delivered as app_mention
// and as message, then redelivered) is still answered exactly once: the
// Engine's own claims stand in. When the store comes back empty, the late
// delivery of a question asked during the outage is still recognised,
// and new questions are answered.
func TestClaimsDuringAStoreOutageAnswerOnce(t *testing.T) {
	var st *outageClaims
	h := newHarness(t, harnessOptions{store: func(m *store.Memory) bots.Store {
		st = &outageClaims{Memory: m}
		return st
	}})
	ctx := context.Background()
	st.down.Store(true)
	deliver := func(event, ts string) bots.Disposition {
		t.Helper()
		m := mention(ts, "hi")
		m.EventID = event
		d, err := h.eng.Dispatch(ctx, h.conv, m)
		if err != nil {
			t.Fatalf("Dispatch(%s) = %v", event, err)
		}
		return d
	}
	got := []bots.Disposition{deliver("Ev1", "1700.1"), deliver("Ev2", "1700.1"), deliver("Ev1", "1700.1")}
	if want := []bots.Disposition{bots.Queued, bots.Duplicate, bots.Duplicate}; !slices.Equal(got, want) {
		t.Fatalf("app_mention, message, retry during the outage = %v, want %v", got, want)
	}
	other := deliver("Ev3", "1700.3") // asked during the outage; its message event comes late
	h.conv.wait(t, 2)
	st.down.Store(false) // back, and empty: nothing it holds says 1700.3 was answered
	if d := deliver("Ev4", "1700.3"); d != bots.Duplicate || other != bots.Queued {
		t.Fatalf("late delivery after the store came back = %v (first %v), want duplicate", d, other)
	}
	if d := deliver("Ev5", "1700.5"); d != bots.Queued {
		t.Fatalf("new question after the outage = %v, want queued", d)
	}
	h.conv.wait(t, 1)
	h.conv.mu.Lock()
	defer h.conv.mu.Unlock()
	if n := len(h.conv.replies); n != 3 {
		t.Errorf("%d replies opened, want 3 (one per question)", n)
	}
}

// A reply stopped by max_tokens ends with the length notice; the provider's
// cost is what gets recorded. The server replays the captured OpenRouter
// stream with finish_reason "length" (llmtest has no such scenario).
func TestLengthLimitNotice(t *testing.T) {
	raw, err := os.ReadFile("/work/shared/fixtures/openrouter-stream.sse")
	if err != nil {
		raw = []byte(fallbackStream)
	}
	body := strings.ReplaceAll(string(raw), `"finish_reason":"stop","native_finish_reason":"stop"`, `"finish_reason":"length","native_finish_reason":"length"`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	h := newHarness(t, harnessOptions{baseURL: srv.URL + "/api/v1"})
	if _, err := h.eng.Dispatch(context.Background(), h.conv, mention("1", "long")); err != nil {
		t.Fatal(err)
	}
	final := h.conv.wait(t, 1)[0].Final()
	if want := "Bonjour !\n\n" + i18n.T("en", i18n.LengthLimit); final != want {
		t.Errorf("final = %q, want %q", final, want)
	}
	waitFor(t, func() bool {
		u, _ := h.store.Usage(context.Background(), bots.ScopeGlobal, "", bots.Day(h.clk.Now()))
		return u.PromptTokens == 12 && u.CompletionTokens == 3 && u.CostUSD == 0.0000015
	})
}

// fallbackStream is the fixture's content, for runs outside this machine.
const fallbackStream = `data: {"id":"gen-1","model":"m","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"Bon"},"finish_reason":null}]}

data: {"id":"gen-1","model":"m","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"jour !"},"finish_reason":"stop","native_finish_reason":"stop"}]}

data: {"id":"gen-1","model":"m","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"cost":0.0000015}}

data: [DONE]

`

// On shutdown, queued replies get the interrupted notice at once; the one
// in flight keeps going for the grace period, then ends with its partial
// text and the notice.
func TestShutdownInterrupts(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.MaxConcurrency, o.ShutdownGrace = 1, 100*time.Millisecond
	}})
	h.srv.Script(llmtest.Scenario{Reply: "partial words then nothing", Fault: llmtest.Stall, FailAfter: 2})
	ctx := context.Background()
	if _, err := h.eng.Dispatch(ctx, h.conv, mention("1", "stall")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.eng.InFlight() == 1 })
	queued := mention("2", "waiting")
	queued.Key.Thread = "other"
	if d, _ := h.eng.Dispatch(ctx, h.conv, queued); d != bots.Queued {
		t.Fatalf("second: %v", d)
	}
	waitFor(t, func() bool {
		h.conv.mu.Lock()
		defer h.conv.mu.Unlock()
		return len(h.conv.replies) == 1 && len(h.conv.replies[0].Updates()) > 0
	})
	h.shutdown(t)
	notice := i18n.T("en", i18n.Interrupted)
	got := map[string]string{}
	for _, r := range h.conv.wait(t, 2) {
		got[r.to.ID] = r.Final()
	}
	if got["2"] != notice {
		t.Errorf("queued reply: %q", got["2"])
	}
	if got["1"] != "partial words\n\n"+notice {
		t.Errorf("in-flight reply: %q", got["1"])
	}
	if d, err := h.eng.Dispatch(ctx, h.conv, mention("3", "late")); !errors.Is(err, bots.ErrStopped) || d != bots.Ignored {
		t.Errorf("after Run: %v, %v", d, err)
	}
}

func TestHistoryFetchFailureAnswersFromMessage(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.conv.historyErr = errors.New("slack: conversations.replies: ratelimited")
	m := mention("5", "follow")
	m.Mentioned, m.InThread = true, true
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	if got := h.conv.wait(t, 1)[0].Final(); got != "Echo: Alice: follow" {
		t.Errorf("final = %q", got)
	}
}

func TestReplyStatsTimeTheFirstPlatformCallAndTheFirstVisibleText(t *testing.T) {
	rec := &recorder{}
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.Observer = rec }})
	h.srv.Script(llmtest.Scenario{Reply: "visible text arrives", Delay: 5 * time.Millisecond})
	conv := newSinkConv()
	if _, err := h.eng.Dispatch(context.Background(), conv, mention("1", "hello")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { s, _ := rec.snapshot(); return len(s) == 1 })
	s, _ := rec.snapshot()
	st := s[0]
	if st.Outcome != bots.OutcomeOK || st.EventToFirstCall <= 0 || st.FirstVisible <= 0 || st.FirstToken <= 0 {
		t.Fatalf("observed %+v", st)
	}
	if st.EventToFirstCall > st.Total || st.FirstVisible > st.Total {
		t.Fatalf("latencies exceed the total: %+v", st)
	}
}
