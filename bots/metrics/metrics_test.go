package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsExposeWhatWasReported(t *testing.T) {
	m := New()
	depth := 3
	m.Gauges(func() int { return depth }, func() int { return 2 })
	m.Event("slack", "app_mention")
	m.Event("slack", "app_mention")
	m.Deduped("discord")
	m.RateLimited("slack", "chat.update")
	m.APIError("discord", "channel_message_send", "50013")
	m.LLMError("rate_limited")
	m.Feedback("discord", "mistral-small", "fr", false)
	m.Feedback("discord", "mistral-small", "fr", false)
	m.Reply(Reply{Platform: "slack", Outcome: "ok", FirstToken: 300 * time.Millisecond, Total: 2 * time.Second, PromptTokens: 120, CompletionTokens: 30, CostUSD: 0.0001})
	out := scrape(t, m)
	for _, want := range []string{
		`mistralbot_events_total{platform="slack",type="app_mention"} 2`,
		`mistralbot_dedupes_total{platform="discord"} 1`,
		`mistralbot_feedback_total{language="fr",model="mistral-small",platform="discord",vote="down"} 2`,
		`mistralbot_platform_rate_limited_total{method="chat.update",platform="slack"} 1`,
		`mistralbot_platform_errors_total{code="50013",method="channel_message_send",platform="discord"} 1`,
		`mistralbot_llm_errors_total{code="rate_limited"} 1`,
		`mistralbot_replies_total{outcome="ok",platform="slack"} 1`,
		`mistralbot_tokens_total{kind="prompt",platform="slack"} 120`,
		`mistralbot_tokens_total{kind="completion",platform="slack"} 30`,
		`mistralbot_cost_usd_total{platform="slack"} 0.0001`,
		`mistralbot_llm_first_token_seconds_count{platform="slack"} 1`,
		`mistralbot_reply_seconds_sum{platform="slack"} 2`,
		`mistralbot_queue_depth 3`,
		`mistralbot_replies_in_flight 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(out, "mistralbot_first_token_to_visible_seconds_count") {
		t.Error("a zero latency was observed")
	}
}
