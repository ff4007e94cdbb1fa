package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/tools"
	"mistralbot/bots/tools/mcp/mcptest"
)

// httpServer serves the test server over streamable HTTP on loopback,
// refusing requests without the bearer token.
func httpServer(t *testing.T) (*mcptest.Server, *httptest.Server, *atomic.Int64) {
	t.Helper()
	s := mcptest.New(mcptest.Options{})
	var refused atomic.Int64
	h := s.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			refused.Add(1)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		ts.Close()
		s.CloseSessions()
	})
	return s, ts, &refused
}

func TestHTTPServerToolsCallsAndListChanged(t *testing.T) {
	t.Parallel()
	s, ts, refused := httpServer(t)
	ch := newChanges()
	c := startClient(t, Options{OnChange: ch.note, Servers: []ServerConfig{{Name: "web", URL: ts.URL,
		Headers: map[string]string{"Authorization": "Bearer s3cret"}, Approval: tools.ApprovalAlways}}})
	srv := c.Providers()[0]
	if !hasTool(srv, "web__lookup") || !hasTool(srv, "web__create") {
		t.Fatalf("tools %v", toolNames(srv.Tools()))
	}
	for _, tool := range srv.Tools() {
		if !tool.NeedsApproval() {
			t.Errorf("%s: the server's approval is always, yet it needs none", tool.Name)
		}
	}
	box, err := tools.New(tools.Options{Providers: c.Providers(), Timeout: time.Minute, MaxResultBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := tools.Call{ID: "a", Key: tools.CallKey("answer", 1, "a"), Name: "web__create", Arguments: json.RawMessage(`{"title":"x"}`)}
	for range 3 {
		if r := box.Call(ctx, "", call); r.Text != "created #1: x" {
			t.Fatalf("create: %+v", r)
		}
	}
	if s.Creates() != 1 {
		t.Fatalf("create ran %d times for one key", s.Creates())
	}
	if r := box.Call(ctx, "", tools.Call{ID: "b", Name: "web__huge"}); !r.Truncated || len(r.Text) > 1<<10 {
		t.Errorf("huge: %d bytes, truncated %v, %v", len(r.Text), r.Truncated, r.Failure)
	}
	if r := box.Call(ctx, "", tools.Call{ID: "c", Name: "web__fail"}); r.Failure != tools.FailureTool || !strings.Contains(r.Text, "boom") {
		t.Errorf("fail: %+v", r)
	}

	s.AddLate()
	ch.waitFor(t, "web__late after list_changed", func() bool { return hasTool(srv, "web__late") })
	if refused.Load() != 0 {
		t.Errorf("%d requests came without the configured header", refused.Load())
	}

	// The HTTP server goes away: calls are unavailable, never a hang.
	ts.CloseClientConnections()
	ts.Close()
	r := box.Call(ctx, "", tools.Call{ID: "d", Name: "web__lookup", Arguments: json.RawMessage(`{"q":"x"}`)})
	if r.Failure != tools.FailureUnavailable {
		t.Errorf("after the server closed: %+v, want unavailable", r)
	}
}

func TestHTTPServerRefusingTheTokenIsADownServer(t *testing.T) {
	t.Parallel()
	_, ts, refused := httpServer(t)
	c := startClient(t, Options{MinBackoff: time.Hour, Servers: []ServerConfig{{Name: "web", URL: ts.URL,
		Headers: map[string]string{"Authorization": "Bearer wrong"}}}})
	st := c.Statuses()[0]
	if st.Connected || st.Err == nil || refused.Load() == 0 {
		t.Fatalf("status %+v after %d refusals", st, refused.Load())
	}
	if strings.Contains(st.Err.Error(), "wrong") {
		t.Errorf("the error quotes the header's value: %v", st.Err)
	}
	if _, err := c.Providers()[0].Call(context.Background(), tools.Tool{Remote: "lookup"}, nil, ""); !errors.Is(err, tools.ErrUnavailable) {
		t.Errorf("call: %v", err)
	}
}

func TestStderrLinesAreBounded(t *testing.T) {
	t.Parallel()
	var got []string
	l := &lineLog{log: nil}
	l.log = newRecordingLogger(&got)
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\n" + strings.Repeat("z", maxLogLine+10) + "\n"))
	if len(got) != 4 {
		t.Fatalf("lines %q", got)
	}
	if got[0] != "one" || got[1] != "two" || len(got[2]) != maxLogLine || got[3] != "zzzzzzzzzz" {
		t.Errorf("lines %d: %q %q %d %q", len(got), got[0], got[1], len(got[2]), got[3])
	}
}
