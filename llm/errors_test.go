package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

func TestHTTPErrorsEachDialect(t *testing.T) {
	codes := map[int]Code{
		400: CodeInvalid, 401: CodeAuth, 402: CodeBudget, 403: CodeAuth, 404: CodeInvalid,
		408: CodeTimeout, 413: CodeInvalid, 422: CodeInvalid, 429: CodeRateLimited,
		500: CodeUnavailable, 502: CodeUnavailable, 503: CodeUnavailable, 504: CodeUnavailable,
		524: CodeUnavailable, 529: CodeUnavailable,
	}
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		for status, code := range codes {
			t.Run(fmt.Sprintf("%s/%d", d, status), func(t *testing.T) {
				h := newHarness(t, llmtest.Options{}, Options{Dialect: d, MaxRetries: -1})
				h.srv.Script(llmtest.Scenario{Status: status, Message: "provider says no"})
				_, _, err := h.run(t, userReq("q"))
				e := asError(t, err)
				if e.Code != code || e.Status != status || !strings.HasPrefix(e.Message, "provider says no") || e.Partial || e.Model != DefaultModel(d) {
					t.Fatalf("error %+v, want code %s", e, code)
				}
				if ErrorCode(err) != code {
					t.Fatalf("ErrorCode = %s", ErrorCode(err))
				}
			})
		}
	}
}

func TestRetiredModelIsNotFound(t *testing.T) {
	for _, tt := range []struct {
		d      Dialect
		status int
	}{{OpenRouter, 404}, {OpenRouter, 400}, {Mistral, 400}, {OpenAI, 404}} {
		t.Run(fmt.Sprintf("%s/%d", tt.d, tt.status), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{Retired: []string{"old"}, RetiredStatus: tt.status}, Options{Dialect: tt.d, Model: "old"})
			_, _, err := h.run(t, userReq("q"))
			e := asError(t, err)
			if e.Code != CodeNotFound || e.Status != tt.status || !strings.Contains(e.Message, "old") {
				t.Fatalf("error %+v", e)
			}
			if n := len(h.srv.Requests()); n != 1 {
				t.Fatalf("a retired model was retried: %d requests", n)
			}
		})
	}
}

func TestErrorIn200Body(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, MaxRetries: -1})
	h.srv.Script(llmtest.Scenario{ErrorIn200: true, Status: 429, Message: "Rate limit exceeded: free-models-per-day"})
	_, _, err := h.run(t, userReq("q"))
	e := asError(t, err)
	if e.Code != CodeRateLimited || e.Status != 429 || e.Message != "Rate limit exceeded: free-models-per-day" {
		t.Fatalf("error %+v", e)
	}
}

func TestStreamFaults(t *testing.T) {
	tests := []struct {
		name    string
		sc      llmtest.Scenario
		code    Code
		text    string
		partial bool
		msg     string
	}{
		{"mid-stream error", llmtest.Scenario{Reply: "one two three", Fault: llmtest.MidStreamError, FailAfter: 2},
			CodeUnavailable, "one two", true, "Provider disconnected unexpectedly"},
		{"mid-stream error before text", llmtest.Scenario{Fault: llmtest.MidStreamError, Message: "Upstream overloaded"},
			CodeUnavailable, "", false, "Upstream overloaded"},
		{"disconnect without DONE", llmtest.Scenario{Reply: "one two three", Fault: llmtest.Disconnect, FailAfter: 2},
			CodeUnavailable, "one two", true, "stream ended before [DONE]"},
		{"connection reset", llmtest.Scenario{Reply: "one two three", Fault: llmtest.Reset, FailAfter: 1, KeepAlive: 1},
			CodeUnavailable, "one", true, "connection failed"},
		{"malformed chunk", llmtest.Scenario{Reply: "one two three", Fault: llmtest.Malformed, FailAfter: 1},
			CodeUnavailable, "one", true, "malformed chunk from provider"},
		{"stall", llmtest.Scenario{Reply: "one two three", Fault: llmtest.Stall, FailAfter: 2},
			CodeTimeout, "one two", true, "stream stalled: no data for 400ms"},
		{"stall before any byte", llmtest.Scenario{Fault: llmtest.Stall},
			CodeTimeout, "", false, "no data for 400ms"},
	}
	for _, d := range []Dialect{OpenRouter, Mistral} {
		for _, tt := range tests {
			t.Run(string(d)+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t, llmtest.Options{}, Options{Dialect: d, IdleTimeout: 400 * time.Millisecond, MaxRetries: -1})
				h.srv.Script(tt.sc)
				s, err := h.c.Stream(context.Background(), userReq("q"))
				var text string
				if err == nil {
					text, err = drain(t, s)
				}
				e := asError(t, err)
				if d == Mistral && tt.name == "stall before any byte" {
					// Mistral's stream opens with a role-only chunk: the
					// body has started, the stall comes after it.
					tt.msg = "stream stalled: no data for 400ms"
				}
				if e.Code != tt.code || e.Partial != tt.partial || e.Message != tt.msg {
					t.Fatalf("error %+v (%v), want code %s partial %v msg %q", e, err, tt.code, tt.partial, tt.msg)
				}
				if text != tt.text {
					t.Fatalf("partial text %q, want %q", text, tt.text)
				}
				if s != nil {
					// The error is sticky and the result complete.
					if _, err2 := s.Next(); err2 != err {
						t.Fatalf("Next after failure = %v", err2)
					}
					if r := s.Result(); !r.Usage.Estimated && tt.partial {
						t.Fatalf("usage of a failed stream not estimated: %+v", r.Usage)
					}
				}
			})
		}
	}
}

func TestRawStreamEdgeCases(t *testing.T) {
	chunk := func(content, finish string) string {
		fr := "null"
		if finish != "" {
			fr = `"` + finish + `"`
		}
		return `data: {"id":"x","model":"m","error":null,"choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":` + fr + `,"error":null}],"usage":null}` + "\n\n"
	}
	tests := []struct {
		name, body string
		text       string
		code       Code
	}{
		{"zero usage is estimated", chunk("a", "stop") + `data: {"choices":[],"usage":{"prompt_tokens":0,"completion_tokens":0}}` + "\n\ndata: [DONE]\n\n", "a", ""},
		{"error null is no error", chunk("a", "") + chunk("b", "stop") + "data: [DONE]\n\n", "ab", ""},
		{"finished but no DONE", chunk("a", "") + chunk("b", "stop"), "ab", ""},
		{"no finish and no DONE", chunk("a", "") + chunk("b", ""), "ab", CodeUnavailable},
		{"empty body", "", "", CodeUnavailable},
		{"only comments", ": OPENROUTER PROCESSING\n\n", "", CodeUnavailable},
		{"think split over chunks", chunk("<thi", "") + chunk("nk>hidden</th", "") + chunk("ink>\\n\\nShown", "stop") + "data: [DONE]\n\n", "Shown", ""},
		{"text after DONE ignored", chunk("a", "stop") + "data: [DONE]\n\n" + chunk("b", ""), "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := rawServer(t, 200, "text/event-stream", tt.body)
			c := newTestClient(t, Options{Dialect: OpenAI, BaseURL: srv.URL, MaxRetries: -1}, nil)
			s, err := c.Stream(context.Background(), userReq("q"))
			text := ""
			if err == nil {
				text, err = drain(t, s)
			}
			if ErrorCode(err) != tt.code || text != tt.text {
				t.Fatalf("text %q err %v; want %q code %q", text, err, tt.text, tt.code)
			}
			if tt.name != "zero usage is estimated" {
				return
			}
			if u := s.Result().Usage; !u.Estimated || u.PromptTokens == 0 || u.CompletionTokens != 1 {
				t.Fatalf("usage %+v", u)
			}
		})
	}
}

func TestOverallTimeoutKeepsPartialText(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, Timeout: 300 * time.Millisecond})
	h.srv.Script(llmtest.Scenario{Reply: strings.Repeat("word ", 200), Delay: 20 * time.Millisecond})
	s, err := h.c.Stream(context.Background(), userReq("q"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := drain(t, s)
	e := asError(t, err)
	if e.Code != CodeTimeout || !e.Partial || text == "" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %+v text %q", e, text)
	}
}

func TestCallerCancelMidStream(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: Mistral})
	h.srv.Script(llmtest.Scenario{Reply: strings.Repeat("word ", 100), Delay: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := h.c.Stream(ctx, userReq("q"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	for {
		_, err = s.Next()
		if err != nil {
			break
		}
	}
	e := asError(t, err)
	if !errors.Is(err, context.Canceled) || !e.Partial || err == io.EOF {
		t.Fatalf("error %+v", e)
	}
}

func TestCloseMidStream(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter})
	h.srv.Script(llmtest.Scenario{Reply: strings.Repeat("word ", 100), Delay: 5 * time.Millisecond})
	s, err := h.c.Stream(context.Background(), userReq("q"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err == nil || err == io.EOF {
		t.Fatalf("Next after Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close failed")
	}
}

func TestAPIKeyRedacted(t *testing.T) {
	const key = "sk-or-v1-0123456789abcdef"
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenAI, APIKey: key})
	h.srv.Script(llmtest.Scenario{Status: 401, Message: "Incorrect API key provided: " + key})
	_, _, err := h.run(t, userReq("q"))
	if e := asError(t, err); strings.Contains(err.Error(), key) || !strings.Contains(e.Message, "[redacted]") {
		t.Fatalf("key leaked or not redacted: %v", err)
	}
}

func TestErrorCodeHelper(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(errors.New("x")) != CodeInternal {
		t.Fatal("ErrorCode of nil / foreign error")
	}
	wrapped := fmt.Errorf("engine: %w", &Error{Code: CodeBudget})
	if ErrorCode(wrapped) != CodeBudget {
		t.Fatal("ErrorCode does not unwrap")
	}
	e := &Error{Code: CodeRateLimited, Status: 429, Model: "m", Message: "slow down", Err: io.ErrUnexpectedEOF}
	if got := e.Error(); got != "llm: rate_limited (429) model m: slow down: unexpected EOF" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestSlowConsumerIsNoStall: the idle timeout measures the provider's
// silence, not the time the caller spends between two Next calls.
func TestSlowConsumerIsNoStall(t *testing.T) {
	h := newHarness(t, llmtest.Options{}, Options{Dialect: OpenRouter, IdleTimeout: 100 * time.Millisecond})
	s, err := h.c.Stream(context.Background(), userReq("slow reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var text strings.Builder
	for {
		time.Sleep(150 * time.Millisecond) // busy elsewhere, longer than IdleTimeout
		piece, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("slow consumer got %v", err)
		}
		text.WriteString(piece)
	}
	if text.String() != llmtest.DefaultReply("slow reader") {
		t.Fatalf("text %q", text.String())
	}
}
