package main

import (
	"net/http"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestE2EPprofOnlyWhenEnabled: /debug/pprof/ is served only with
// server.pprof (the load tool turns it on to profile a run).
func TestE2EPprofOnlyWhenEnabled(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	off := startProc(t, "off", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}))
	if status, _ := off.get("/debug/pprof/"); status != http.StatusNotFound {
		t.Errorf("pprof off: GET /debug/pprof/ = %d, want 404", status)
	}
	env := w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory", "MISTRALBOT_SERVER_PPROF": "true"})
	on := startProc(t, "on", env)
	status, body := on.get("/debug/pprof/")
	if status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof on: GET /debug/pprof/ = %d %.80q, want 200 with the profile index", status, body)
	}
}
