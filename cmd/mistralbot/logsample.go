package main

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Log sampling: each message (at info level and above) is written at most
// sampleBurst times per sampleInterval; the lines beyond are dropped and
// counted, and one "log lines suppressed" line says how many once the
// interval is over. A client flooding the webhooks with forged signatures
// (each refusal is one WARN line in the adapters) then costs a few lines
// every 10 s instead of thousands a second; mistralbot_http_rejected_total
// and mistralbot_log_suppressed_total keep the whole count. zap's sampler
// works the same way (first N per message and tick).
const (
	sampleBurst    = 5
	sampleInterval = 10 * time.Second
	// sampleKeys bounds the messages tracked at once; beyond it new
	// messages pass unsampled (distinct messages are not a flood of one).
	sampleKeys = 1024
)

// logSampler is a slog.Handler that rate-limits each message.
type logSampler struct {
	next slog.Handler
	st   *sampleState // shared by the handlers WithAttrs and WithGroup derive
}

type sampleKey struct {
	level slog.Level
	msg   string
}

type sampleWindow struct {
	start   time.Time
	n       int // lines seen in this window
	dropped int
}

type sampleState struct {
	burst      int
	interval   time.Duration
	now        func() time.Time
	suppressed func(level string, n int)

	mu        sync.Mutex
	windows   map[sampleKey]*sampleWindow
	lastSweep time.Time
}

// newLogSampler wraps next; suppressed (may be nil) is told of every
// dropped line.
func newLogSampler(next slog.Handler, suppressed func(level string, n int)) *logSampler {
	if suppressed == nil {
		suppressed = func(string, int) {}
	}
	return &logSampler{next: next, st: &sampleState{
		burst: sampleBurst, interval: sampleInterval, now: time.Now, suppressed: suppressed,
		windows: map[sampleKey]*sampleWindow{},
	}}
}

func (h *logSampler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *logSampler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logSampler{next: h.next.WithAttrs(as), st: h.st}
}

func (h *logSampler) WithGroup(name string) slog.Handler {
	return &logSampler{next: h.next.WithGroup(name), st: h.st}
}

// Handle writes r unless its message is over its budget for the interval;
// it first writes the summaries of the intervals that ended.
func (h *logSampler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		return h.next.Handle(ctx, r) // debug was asked for: all of it
	}
	pass, ended := h.st.admit(sampleKey{r.Level, r.Message})
	for _, s := range ended {
		sum := slog.NewRecord(s.start.Add(h.st.interval), slog.LevelWarn, "log lines suppressed", 0)
		sum.AddAttrs(slog.String("message", s.msg), slog.String("suppressed_level", s.level.String()),
			slog.Int("count", s.dropped), slog.String("interval", h.st.interval.String()))
		_ = h.next.Handle(ctx, sum)
	}
	if !pass {
		h.st.suppressed(r.Level.String(), 1)
		return nil
	}
	return h.next.Handle(ctx, r)
}

// endedWindow is a finished interval in which lines were dropped.
type endedWindow struct {
	sampleKey
	start   time.Time
	dropped int
}

// admit counts one line of key and says whether to write it, with the
// finished intervals that dropped lines (key's own, and every other's
// once per interval).
func (st *sampleState) admit(key sampleKey) (bool, []endedWindow) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	var ended []endedWindow
	if now.Sub(st.lastSweep) >= st.interval {
		st.lastSweep = now
		for k, w := range st.windows {
			if now.Sub(w.start) >= st.interval {
				if w.dropped > 0 {
					ended = append(ended, endedWindow{k, w.start, w.dropped})
				}
				delete(st.windows, k)
			}
		}
	}
	w := st.windows[key]
	if w != nil && now.Sub(w.start) >= st.interval {
		if w.dropped > 0 {
			ended = append(ended, endedWindow{key, w.start, w.dropped})
		}
		w = nil
	}
	if w == nil {
		if len(st.windows) >= sampleKeys {
			return true, ended
		}
		w = &sampleWindow{start: now}
		st.windows[key] = w
	}
	w.n++
	if w.n > st.burst {
		w.dropped++
		return false, ended
	}
	return true, ended
}
