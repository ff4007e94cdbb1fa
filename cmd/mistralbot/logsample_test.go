package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLogSamplerBoundsEachMessage: a flood of one message writes the burst,
// then one summary per interval with the exact count dropped; another
// message is not held back by it, and debug lines are never sampled.
func TestLogSamplerBoundsEachMessage(t *testing.T) {
	var out bytes.Buffer
	dropped := 0
	h := newLogSampler(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}), func(level string, n int) {
		if level != "WARN" {
			t.Errorf("suppressed level %q, want WARN", level)
		}
		dropped += n
	})
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h.st.now = func() time.Time { return now }
	log := slog.New(h).With("component", "slack")

	for range 1000 {
		log.Warn("slack request refused", "remote", "10.0.0.1:5")
		now = now.Add(time.Millisecond) // 1000 lines in 1 s
	}
	log.Warn("another problem")
	for range 50 {
		log.Debug("debug detail")
	}
	now = now.Add(sampleInterval)
	log.Warn("slack request refused")

	counts := map[string]int{}
	var summary map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		msg := rec["msg"].(string)
		counts[msg]++
		if msg == "log lines suppressed" {
			summary = rec
		}
	}
	if got := counts["slack request refused"]; got != sampleBurst+1 {
		t.Errorf("flooded message written %d times, want %d (the burst, then one in the next interval)", got, sampleBurst+1)
	}
	if counts["another problem"] != 1 || counts["debug detail"] != 50 {
		t.Errorf("other lines held back: %v", counts)
	}
	if dropped != 1000-sampleBurst {
		t.Errorf("counter told of %d dropped lines, want %d", dropped, 1000-sampleBurst)
	}
	if summary == nil || summary["count"] != float64(1000-sampleBurst) || summary["message"] != "slack request refused" || summary["component"] != "slack" {
		t.Errorf("summary = %v, want count %d of the flooded message", summary, 1000-sampleBurst)
	}
}

// TestLogSamplerSummarisesAQuietMessage: the drops of a message that
// stopped are summarised when any later line arrives after the interval.
func TestLogSamplerSummarisesAQuietMessage(t *testing.T) {
	var out bytes.Buffer
	h := newLogSampler(slog.NewTextHandler(&out, nil), nil)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h.st.now = func() time.Time { return now }
	log := slog.New(h)
	for range sampleBurst + 7 {
		log.Warn("flood")
	}
	now = now.Add(sampleInterval + time.Second)
	log.Info("something else")
	if !strings.Contains(out.String(), `msg="log lines suppressed" message=flood suppressed_level=WARN count=7`) {
		t.Fatalf("no summary of the 7 dropped lines:\n%s", out.String())
	}
}
