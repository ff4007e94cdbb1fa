package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots/tools"
	"mistralbot/bots/tools/mcp/mcptest"
)

func TestStdioServerToolsAndCalls(t *testing.T) {
	t.Parallel()
	sc, count, _ := stdioServer(t, "t")
	sc.ToolApproval = map[string]tools.Approval{"huge": tools.ApprovalAlways, "create": tools.ApprovalNever}
	c := startClient(t, Options{Servers: []ServerConfig{sc}})
	srv := c.Providers()[0]

	got := toolNames(srv.Tools())
	slices.Sort(got)
	want := []string{"t__crash", "t__create", "t__fail", "t__grow", "t__hang", "t__huge", "t__lookup"}
	if !slices.Equal(got, want) {
		t.Fatalf("tools %v, want %v", got, want)
	}
	approvals := map[string]bool{}
	for _, tool := range srv.Tools() {
		approvals[tool.Remote] = tool.NeedsApproval()
		if !json.Valid(tool.Schema) || !strings.Contains(string(tool.Schema), `"type":"object"`) {
			t.Errorf("%s: schema %s", tool.Name, tool.Schema)
		}
	}
	// lookup is read-only (auto: no approval); huge is read-only but
	// overridden to always; create is overridden to never; fail is not
	// read-only (auto: ask).
	for name, want := range map[string]bool{"lookup": false, "huge": true, "create": false, "fail": true} {
		if approvals[name] != want {
			t.Errorf("%s needs approval %v, want %v", name, approvals[name], want)
		}
	}

	box, err := tools.New(tools.Options{Providers: c.Providers(), Timeout: time.Minute, MaxResultBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := box.Call(ctx, "", tools.Call{ID: "1", Name: "t__lookup", Arguments: json.RawMessage(`{"q":"lamps"}`)})
	if r.Failed() || r.Text != "found: lamps" {
		t.Fatalf("lookup: %+v", r)
	}

	// The side-effecting tool runs once for one key, however often the
	// engine asks, and the server sees the key.
	call := tools.Call{ID: "2", Key: tools.CallKey("answer-1", 1, "2"), Name: "t__create", Arguments: json.RawMessage(`{"title":"lamp"}`)}
	first := box.Call(ctx, "", call)
	second := box.Call(ctx, "", call)
	if first.Failed() || first.Text != "created #1: lamp" || second.Text != first.Text {
		t.Fatalf("create: %+v then %+v", first, second)
	}
	if got := lines(t, count); len(got) != 1 || got[0] != "lamp_"+call.Key {
		t.Fatalf("the server ran create %d times (%v), want once with the key", len(got), got)
	}

	r = box.Call(ctx, "", tools.Call{ID: "3", Name: "t__fail"})
	if r.Failure != tools.FailureTool || strings.Count(r.Text, "boom: the disk is full") != 1 || r.Note == "" {
		t.Errorf("fail: %+v", r)
	}

	r = box.Call(ctx, "", tools.Call{ID: "4", Name: "t__huge"})
	if r.Failed() || !r.Truncated || len(r.Text) > 4096 || !strings.Contains(r.Text, strconv.Itoa(mcptest.HugeBytes)+" bytes") {
		t.Errorf("huge: %d bytes, truncated %v, failure %v", len(r.Text), r.Truncated, r.Failure)
	}

	// A hanging tool costs the call its time budget, not the session.
	short, err := tools.New(tools.Options{Providers: c.Providers(), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r = short.Call(ctx, "", tools.Call{ID: "5", Name: "t__hang"})
	if r.Failure != tools.FailureTimeout {
		t.Errorf("hang: %+v, want a timeout", r)
	}
	if r := box.Call(ctx, "", tools.Call{ID: "6", Name: "t__lookup", Arguments: json.RawMessage(`{"q":"after"}`)}); r.Text != "found: after" {
		t.Errorf("the session did not survive the timeout: %+v", r)
	}

	// A tool the server does not know is its protocol error, for the model.
	out, err := srv.Call(ctx, tools.Tool{Name: "t__nope", Remote: "nope"}, json.RawMessage(`{}`), "")
	if err == nil || errors.Is(err, tools.ErrUnavailable) {
		t.Errorf("unknown remote tool: %+v, %v; want the server's error, not unavailable", out, err)
	}
}

func TestStdioServerListChangedAndReconnect(t *testing.T) {
	t.Parallel()
	sc, _, pids := stdioServer(t, "t")
	ch := newChanges()
	c := startClient(t, Options{Servers: []ServerConfig{sc}, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, OnChange: ch.note})
	srv := c.Providers()[0]
	box, err := tools.New(tools.Options{Providers: c.Providers()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if r := box.Call(ctx, "", tools.Call{ID: "1", Name: "t__grow"}); r.Failed() {
		t.Fatalf("grow: %+v", r)
	}
	ch.waitFor(t, "the list-changed notification to add t__late", func() bool { return hasTool(srv, "t__late") })

	// The server dies during a call: the call is unavailable (not
	// retried), the tools go, then come back with a new process.
	r := box.Call(ctx, "", tools.Call{ID: "2", Name: "t__crash"})
	if r.Failure != tools.FailureUnavailable || r.Note == "" {
		t.Fatalf("crash: %+v, want unavailable", r)
	}
	ch.waitFor(t, "a second server process", func() bool { return len(lines(t, pids)) == 2 && hasTool(srv, "t__lookup") })
	if hasTool(srv, "t__late") {
		t.Error("the new process has the old one's late tool")
	}
	if r := box.Call(ctx, "", tools.Call{ID: "3", Name: "t__lookup", Arguments: json.RawMessage(`{"q":"again"}`)}); r.Text != "found: again" {
		t.Errorf("after the reconnection: %+v", r)
	}

	// Close ends the subprocess.
	c.Close()
	pid, _ := strconv.Atoi(lines(t, pids)[1])
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server process %d still exists after Close: %v", pid, err)
	}
	if len(srv.Tools()) != 0 {
		t.Errorf("tools after Close: %v", toolNames(srv.Tools()))
	}
	if _, err := srv.Call(ctx, tools.Tool{Name: "t__lookup", Remote: "lookup"}, json.RawMessage(`{}`), ""); !errors.Is(err, tools.ErrUnavailable) {
		t.Errorf("a call after Close: %v, want unavailable", err)
	}
}

func TestAServerThatCannotStartIsRetriedNotFatal(t *testing.T) {
	t.Parallel()
	missing := ServerConfig{Name: "gone", Command: []string{"/nonexistent/mcp-server"}}
	ok, _, _ := stdioServer(t, "ok")
	c := startClient(t, Options{Servers: []ServerConfig{missing, ok}, MinBackoff: time.Hour})
	st := c.Statuses()
	if st[0].Connected || st[0].Err == nil || len(st[0].Tools) != 0 {
		t.Errorf("missing server: %+v", st[0])
	}
	if !st[1].Connected || len(st[1].Tools) == 0 {
		t.Errorf("working server: %+v", st[1])
	}
	if _, err := c.Providers()[0].Call(context.Background(), tools.Tool{Remote: "x"}, nil, ""); !errors.Is(err, tools.ErrUnavailable) {
		t.Errorf("call to the missing server: %v", err)
	}
}

func TestConfigurationIsChecked(t *testing.T) {
	t.Parallel()
	for _, servers := range [][]ServerConfig{
		{{Name: "", Command: []string{"x"}}},
		{{Name: "a", Command: []string{"x"}}, {Name: "A", URL: "http://x"}},
		{{Name: "a"}},
		{{Name: "a", Command: []string{"x"}, URL: "http://x"}},
		{{Name: "a", Command: []string{""}}},
	} {
		if c, err := Start(context.Background(), Options{Servers: servers}); err == nil {
			c.Close()
			t.Errorf("%+v was accepted", servers)
		}
	}
}

func TestChildEnvKeepsTheBotsSecrets(t *testing.T) {
	t.Parallel()
	parent := map[string]string{"PATH": "/bin", "HOME": "/home/bot", "MISTRALBOT_LLM_API_KEY": "sk-secret", "SLACK_BOT_TOKEN": "xoxb-1"}
	env := childEnv(func(k string) (string, bool) { v, ok := parent[k]; return v, ok }, map[string]string{"GITHUB_TOKEN": "ghp", "HOME": "/srv"})
	want := []string{"PATH=/bin", "GITHUB_TOKEN=ghp", "HOME=/srv"}
	if !slices.Equal(env, want) {
		t.Errorf("env %v, want %v", env, want)
	}
}
