// Package metrics exposes mistralbot's Prometheus metrics. It is the only
// importer of client_golang; the Engine and the adapters report through the
// small hook interfaces they declare, which the types here implement.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector, on a registry of its own (no global
// state, so tests can build several).
type Metrics struct {
	reg *prometheus.Registry

	events       *prometheus.CounterVec
	dedupes      *prometheus.CounterVec
	feedback     *prometheus.CounterVec
	replies      *prometheus.CounterVec
	eventToCall  *prometheus.HistogramVec
	firstToken   *prometheus.HistogramVec
	firstVisible *prometheus.HistogramVec
	total        *prometheus.HistogramVec
	tokens       *prometheus.CounterVec
	usd          *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	apiErrors    *prometheus.CounterVec
	llmErrors    *prometheus.CounterVec

	server serverCollectors
}

// latencyBuckets span 10 ms to 2 min: first tokens take ~0.3-3 s, whole
// replies up to the LLM timeout.
var latencyBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80, 120}

// New registers every collector on a new registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_events_total", Help: "Platform events received, by platform and type."}, []string{"platform", "type"})
	m.dedupes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_dedupes_total", Help: "Events dropped as duplicates (retries, replays, double delivery)."}, []string{"platform"})
	m.feedback = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_feedback_total", Help: "Votes on answers (a changed vote counts again), by platform, model, language and vote (up, down)."}, []string{"platform", "model", "language", "vote"})
	m.replies = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_replies_total", Help: "Replies finished, by platform and outcome."}, []string{"platform", "outcome"})
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets}, []string{"platform"})
	}
	m.eventToCall = hist("mistralbot_event_to_first_call_seconds", "Time from receiving an event to the first platform call for it.")
	m.firstToken = hist("mistralbot_llm_first_token_seconds", "Time from sending the LLM request to its first token.")
	m.firstVisible = hist("mistralbot_first_token_to_visible_seconds", "Time from the first LLM token to the first text posted on the platform.")
	m.total = hist("mistralbot_reply_seconds", "Time from receiving a message to its final reply text.")
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_tokens_total", Help: "LLM tokens used, by platform and kind (prompt, completion)."}, []string{"platform", "kind"})
	m.usd = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_cost_usd_total", Help: "LLM cost in USD (provider-reported, else configured prices)."}, []string{"platform"})
	m.rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_platform_rate_limited_total", Help: "Platform 429 answers, by platform and method or route."}, []string{"platform", "method"})
	m.apiErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_platform_errors_total", Help: "Platform API errors, by platform, method and error code."}, []string{"platform", "method", "code"})
	m.llmErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_llm_errors_total", Help: "LLM errors, by domain code."}, []string{"code"})
	for _, c := range []prometheus.Collector{m.events, m.dedupes, m.feedback, m.replies, m.eventToCall, m.firstToken, m.firstVisible, m.total, m.tokens, m.usd, m.rateLimited, m.apiErrors, m.llmErrors} {
		f(c)
	}
	m.server = newServerCollectors(reg)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Gauges registers gauges read at scrape time: the reply queue depth and
// the replies in flight.
func (m *Metrics) Gauges(queueDepth, inFlight func() int) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mistralbot_queue_depth", Help: "Replies waiting for a worker."}, func() float64 { return float64(queueDepth()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mistralbot_replies_in_flight", Help: "Replies being generated."}, func() float64 { return float64(inFlight()) }),
	)
}

// Event counts one platform event.
func (m *Metrics) Event(platform, typ string) { m.events.WithLabelValues(platform, typ).Inc() }

// Feedback counts one vote on an answer.
func (m *Metrics) Feedback(platform, model, language string, up bool) {
	vote := "down"
	if up {
		vote = "up"
	}
	m.feedback.WithLabelValues(platform, model, language, vote).Inc()
}

// Deduped counts one duplicate dropped.
func (m *Metrics) Deduped(platform string) { m.dedupes.WithLabelValues(platform).Inc() }

// RateLimited counts one platform 429.
func (m *Metrics) RateLimited(platform, method string) {
	m.rateLimited.WithLabelValues(platform, method).Inc()
}

// APIError counts one platform API error.
func (m *Metrics) APIError(platform, method, code string) {
	m.apiErrors.WithLabelValues(platform, method, code).Inc()
}

// LLMError counts one LLM error by domain code.
func (m *Metrics) LLMError(code string) { m.llmErrors.WithLabelValues(code).Inc() }

// Reply records a finished reply: its outcome ("ok", "partial", "error",
// "limited", "busy", "interrupted"), latencies (zero ones are skipped) and
// usage.
func (m *Metrics) Reply(r Reply) {
	m.replies.WithLabelValues(r.Platform, r.Outcome).Inc()
	obs := func(h *prometheus.HistogramVec, d time.Duration) {
		if d > 0 {
			h.WithLabelValues(r.Platform).Observe(d.Seconds())
		}
	}
	obs(m.eventToCall, r.EventToFirstCall)
	obs(m.firstToken, r.FirstToken)
	obs(m.firstVisible, r.FirstVisible)
	obs(m.total, r.Total)
	if r.PromptTokens > 0 {
		m.tokens.WithLabelValues(r.Platform, "prompt").Add(float64(r.PromptTokens))
	}
	if r.CompletionTokens > 0 {
		m.tokens.WithLabelValues(r.Platform, "completion").Add(float64(r.CompletionTokens))
	}
	if r.CostUSD > 0 {
		m.usd.WithLabelValues(r.Platform).Add(r.CostUSD)
	}
}

// Reply is what one finished reply reports.
type Reply struct {
	Platform         string
	Outcome          string
	EventToFirstCall time.Duration
	FirstToken       time.Duration
	FirstVisible     time.Duration
	Total            time.Duration
	PromptTokens     int64
	CompletionTokens int64
	CostUSD          float64
}
