package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLocalURL(t *testing.T) {
	for _, c := range []struct{ listen, want string }{
		{":8080", "http://127.0.0.1:8080/readyz"},
		{"0.0.0.0:9090", "http://127.0.0.1:9090/readyz"},
		{"[::]:9090", "http://127.0.0.1:9090/readyz"},
		{"127.0.0.1:9090", "http://127.0.0.1:9090/readyz"},
		{"[::1]:9090", "http://[::1]:9090/readyz"},
		{"bot:9090", "http://bot:9090/readyz"},
	} {
		got, err := localURL(c.listen, "/readyz")
		if err != nil || got != c.want {
			t.Errorf("localURL(%q) = %q, %v; want %q", c.listen, got, err, c.want)
		}
	}
	for _, bad := range []string{"8080", ":0", ""} {
		if _, err := localURL(bad, "/readyz"); err == nil {
			t.Errorf("localURL(%q): no error", bad)
		}
	}
}

// health asks /readyz (or /healthz with --live) on server.ops_listen, else
// server.listen, and exits 0 on 200, 1 otherwise: never 2, which Docker
// reserves.
func TestHealthAsksTheLocalBot(t *testing.T) {
	ready := make(chan bool, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !<-ready {
			http.Error(w, "not ready: slack: connecting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	ops := map[string]string{"MISTRALBOT_SERVER_OPS_LISTEN": addr}
	ready <- true
	if code, out, errOut := runCmd(t, ops, "", "--config", noFile(t), "health"); code != exitOK || !strings.Contains(out, "/readyz: ready") {
		t.Fatalf("ready: code %d stdout %q stderr %q", code, out, errOut)
	}
	ready <- false
	if code, _, errOut := runCmd(t, ops, "", "--config", noFile(t), "health"); code != exitFailure || !strings.Contains(errOut, "503") || !strings.Contains(errOut, "slack: connecting") {
		t.Fatalf("not ready: code %d stderr %q", code, errOut)
	}
	// Without ops_listen, server.listen serves the endpoints.
	listen := map[string]string{"MISTRALBOT_SERVER_LISTEN": addr}
	if code, out, errOut := runCmd(t, listen, "", "--config", noFile(t), "health", "--live"); code != exitOK || !strings.Contains(out, "/healthz: ok") {
		t.Fatalf("live: code %d stdout %q stderr %q", code, out, errOut)
	}

	// Nothing listening: 1, naming the address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if code, _, errOut := runCmd(t, map[string]string{"MISTRALBOT_SERVER_OPS_LISTEN": closed}, "", "--config", noFile(t), "health"); code != exitFailure || !strings.Contains(errOut, closed) {
		t.Fatalf("closed port: code %d stderr %q", code, errOut)
	}
	// A configuration that cannot load is 1 too, not 2.
	if code, _, _ := runCmd(t, map[string]string{"MISTRALBOT_SERVER_LISTN": ":1"}, "", "--config", noFile(t), "health"); code != exitFailure {
		t.Fatalf("bad config: code %d, want %d", code, exitFailure)
	}
}

// A bot that accepts the connection but never answers is unhealthy after
// --timeout.
func TestHealthTimesOut(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)
	addr := strings.TrimPrefix(srv.URL, "http://")
	code, _, errOut := runCmd(t, map[string]string{"MISTRALBOT_SERVER_OPS_LISTEN": addr}, "", "--config", noFile(t), "health", "--timeout", "100ms")
	if code != exitFailure || !strings.Contains(errOut, "deadline exceeded") {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
}
