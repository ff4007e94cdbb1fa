package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// llmFault is one fault the fake LLM plays for one question, and what the
// asker must see at Slack.
type llmFault struct {
	name string
	sc   llmtest.Scenario
	// requests is how many chat requests the question costs (retries).
	requests int
	// want is the final text (Markdown, before rendering); prefix, when
	// set, replaces an exact match: the text must start with prefix and
	// end with want (a partial answer of unpredictable length).
	want, prefix string
	outcome      string // mistralbot_replies_total outcome label
}

// The LLM faults of issue 6, through the real binary: config (retries,
// idle timeout, overall timeout) -> llm client -> Engine -> Slack adapter
// -> fake Slack. Every asker gets the whole answer or a clear localized
// error, exactly once.
func TestE2ELLMFaults(t *testing.T) {
	answer := words("fault", 12)
	en := func(k i18n.Key, args ...any) string { return i18n.T("en", k, args...) }
	cut := func(partial string, reason i18n.Key) string {
		return partial + "\n\n" + en(i18n.CutOff, en(reason))
	}
	long := words("slow", 80)
	faults := []llmFault{
		{name: "429 with Retry-After", sc: llmtest.Scenario{Status: 429, RetryAfter: "1"}, requests: 2, want: answer, outcome: "ok"},
		{name: "429 without Retry-After", sc: llmtest.Scenario{Status: 429}, requests: 2, want: answer, outcome: "ok"},
		{name: "503 with Retry-After", sc: llmtest.Scenario{Status: 503, RetryAfter: "1"}, requests: 2, want: answer, outcome: "ok"},
		{name: "500 without Retry-After", sc: llmtest.Scenario{Status: 500}, requests: 2, want: answer, outcome: "ok"},
		{name: "429 beyond the retries", sc: llmtest.Scenario{Status: 429, Times: 3}, requests: 3, want: en(i18n.ErrRateLimited), outcome: "error"},
		{name: "502 beyond the retries", sc: llmtest.Scenario{Status: 502, Times: 3}, requests: 3, want: en(i18n.ErrUnavailable), outcome: "error"},
		{name: "mid-stream error", sc: llmtest.Scenario{Reply: answer, Fault: llmtest.MidStreamError, FailAfter: 3}, requests: 1,
			want: cut("faultx faultxx faultxxx", i18n.ErrUnavailable), outcome: "partial"},
		{name: "connection reset mid-stream", sc: llmtest.Scenario{Reply: answer, Fault: llmtest.Reset, FailAfter: 2}, requests: 1,
			want: cut("faultx faultxx", i18n.ErrUnavailable), outcome: "partial"},
		{name: "stalled stream", sc: llmtest.Scenario{Reply: answer, Fault: llmtest.Stall, FailAfter: 3}, requests: 1,
			want: cut("faultx faultxx faultxxx", i18n.ErrTimeout), outcome: "partial"},
		// A request the server took and then held is retried once only
		// (the server may still run it, and bill it).
		{name: "stalled before the first byte", sc: llmtest.Scenario{Fault: llmtest.Stall, Times: 2}, requests: 2,
			want: en(i18n.ErrTimeout), outcome: "error"},
		// llm.timeout (4s) ends a stream that would take 8s.
		{name: "overall timeout", sc: llmtest.Scenario{Reply: long, Delay: 100 * time.Millisecond}, requests: 1,
			prefix: "slowx slowxx", want: "\n\n" + en(i18n.CutOff, en(i18n.ErrTimeout)), outcome: "partial"},
	}

	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 5 * time.Millisecond})
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "bolt", "MISTRALBOT_STORE_PATH": filepath.Join(t.TempDir(), "bot.db")})
	env["MISTRALBOT_LLM_MAX_RETRIES"] = "2"
	env["MISTRALBOT_LLM_IDLE_TIMEOUT"] = "1s"
	env["MISTRALBOT_LLM_FIRST_BYTE_TIMEOUT"] = "1s"
	env["MISTRALBOT_LLM_TIMEOUT"] = "4s"
	p := startProc(t, "bot", env)

	for i, f := range faults {
		began := time.Now()
		before := len(w.llm.ChatRequests())
		w.llm.Script(f.sc)
		channel := fmt.Sprintf("C0LLM%02d", i)
		m, appMention, _ := w.mention(channel, "U0BOB", "question under fault: "+f.name, fmt.Sprintf("EvLLM%02d", i))
		w.deliver(p, appMention, 0)
		waitUntil(t, 20*time.Second, f.name+": the reply to be finished", func() bool {
			return p.metric("mistralbot_replies_total") == float64(i+1)
		})
		got := w.botReplies(channel, m.TS)
		if len(got) != 1 {
			t.Errorf("%s: %d bot messages, want 1: %q", f.name, len(got), joinTexts(got))
			continue
		}
		text := got[0].Text
		switch {
		case f.prefix == "" && text != replyText(f.want):
			t.Errorf("%s: the asker sees %q, want %q", f.name, text, replyText(f.want))
		case f.prefix != "" && (!strings.HasPrefix(text, replyText(f.prefix)) || !strings.HasSuffix(text, strings.TrimSpace(replyText(f.want)))):
			t.Errorf("%s: the asker sees %q, want a partial answer starting %q and ending %q", f.name, text, f.prefix, f.want)
		}
		if n := len(w.llm.ChatRequests()) - before; n != f.requests {
			t.Errorf("%s: %d LLM requests, want %d", f.name, n, f.requests)
		}
		if n := p.metric("mistralbot_replies_total", `outcome="`+f.outcome+`"`); n < 1 {
			t.Errorf("%s: no reply counted with outcome %q", f.name, f.outcome)
		}
		t.Logf("%-32s settled in %s", f.name, time.Since(began).Round(10*time.Millisecond))
	}
}

// The provider retires the configured model while the bot runs: the
// first question falls back to llm.fallback_models and is answered whole;
// the next goes straight to the fallback.
func TestE2ERetiredModelFallsBack(t *testing.T) {
	const primary, fallback = "mistralai/mistral-small-3.2-24b-instruct", "mistralai/mistral-small-2603"
	answer := "Answered by the fallback model."
	w := newWorld(t, llmtest.Options{Retired: []string{primary}, Default: llmtest.Scenario{Reply: answer}})
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"})
	env["MISTRALBOT_LLM_MODEL"] = primary
	env["MISTRALBOT_LLM_FALLBACK_MODELS"] = fallback
	p := startProc(t, "bot", env)

	for i := range 2 {
		channel := fmt.Sprintf("C0RETIRED%d", i)
		m, appMention, _ := w.mention(channel, "U0BOB", "which model answers?", fmt.Sprintf("EvRETIRED%d", i))
		w.deliver(p, appMention, 0)
		waitUntil(t, 20*time.Second, "the reply to be finished", func() bool {
			return p.metric("mistralbot_replies_total", `outcome="ok"`) == float64(i+1)
		})
		if got := w.botReplies(channel, m.TS); len(got) != 1 || got[0].Text != replyText(answer) {
			t.Errorf("question %d: the asker sees %q, want %q", i, joinTexts(got), answer)
		}
	}
	var asked []string
	for _, r := range w.llm.Requests() {
		if r.Path != "" && strings.HasSuffix(r.Path, "/chat/completions") {
			asked = append(asked, r.Model)
		}
	}
	if want := []string{primary, fallback, fallback}; strings.Join(asked, ",") != strings.Join(want, ",") {
		t.Errorf("models asked %v, want %v (the retired id once, then the fallback)", asked, want)
	}
	if !strings.Contains(p.stderr.String(), "retired") {
		t.Errorf("no log line names the retired model:\n%s", p.stderr.String())
	}
}
