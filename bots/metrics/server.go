package metrics

import "github.com/prometheus/client_golang/prometheus"

// serverCollectors count what the HTTP front and the logger turned away,
// so that rate-limited log lines never hide how much there was.
type serverCollectors struct {
	rejected   *prometheus.CounterVec
	shed       *prometheus.CounterVec
	suppressed *prometheus.CounterVec
	storeFails *prometheus.CounterVec
}

func newServerCollectors(reg *prometheus.Registry) serverCollectors {
	s := serverCollectors{
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_http_rejected_total",
			Help: "HTTP requests answered with a 4xx status (bad signature, body too large, malformed), by route and status."}, []string{"route", "code"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_http_connections_shed_total",
			Help: "Connections closed under server.max_connections and server.max_connections_per_ip, by the state they were in (idle, new) or peer for a new connection refused because its address held its share."}, []string{"state"}),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_log_suppressed_total",
			Help: "Log lines dropped by the per-message rate limit, by level."}, []string{"level"}),
		storeFails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mistralbot_store_probe_failures_total",
			Help: "Failed store probes (readiness checks), by kind (ping, write)."}, []string{"kind"}),
	}
	reg.MustRegister(s.rejected, s.shed, s.suppressed, s.storeFails)
	return s
}

// Rejected counts one HTTP request answered with a 4xx status.
func (m *Metrics) Rejected(route, code string) { m.server.rejected.WithLabelValues(route, code).Inc() }

// ConnShed counts one connection closed to make room for a new one.
func (m *Metrics) ConnShed(state string) { m.server.shed.WithLabelValues(state).Inc() }

// LogSuppressed counts log lines dropped by the rate limit.
func (m *Metrics) LogSuppressed(level string, n int) {
	m.server.suppressed.WithLabelValues(level).Add(float64(n))
}

// StoreProbeFailed counts one failed store probe.
func (m *Metrics) StoreProbeFailed(kind string) { m.server.storeFails.WithLabelValues(kind).Inc() }

// OpenConnections registers a gauge of the HTTP connections open, read at
// scrape time.
func (m *Metrics) OpenConnections(open func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mistralbot_http_connections_open",
		Help: "HTTP connections open on the public listener."}, func() float64 { return float64(open()) }))
}
