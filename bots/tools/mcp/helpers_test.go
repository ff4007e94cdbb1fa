package mcp

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/tools"
	"mistralbot/bots/tools/mcp/mcptest"
)

// stdioServer configures the re-executed test binary as server name,
// counting its executions of "create" in the returned file.
func stdioServer(t *testing.T, name string) (ServerConfig, string, string) {
	t.Helper()
	dir := t.TempDir()
	count, pids := filepath.Join(dir, "creates"), filepath.Join(dir, "pids")
	return ServerConfig{Name: name, Command: []string{os.Args[0], "-test.run=^$"},
		Env: map[string]string{mcptest.ChildEnv: "1", mcptest.CountFileEnv: count, mcptest.PIDFileEnv: pids}}, count, pids
}

// changes records OnChange calls so a test can wait for a condition on
// the server's tools instead of sleeping.
type changes struct {
	ch chan struct{}
}

func newChanges() *changes { return &changes{ch: make(chan struct{}, 1)} }

func (c *changes) note(string) {
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds, re-checking on each change; it fails
// the test after a generous deadline (a hung client, not a slow one).
func (c *changes) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func startClient(t *testing.T, opts Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func toolNames(ts []tools.Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func hasTool(p tools.Provider, name string) bool {
	for _, t := range p.Tools() {
		if t.Name == name {
			return true
		}
	}
	return false
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(string(data), " ", "_"))
}

// recordingHandler keeps the "line" attribute of each record.
type recordingHandler struct{ lines *[]string }

func newRecordingLogger(lines *[]string) *slog.Logger { return slog.New(recordingHandler{lines}) }

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "line" {
			*h.lines = append(*h.lines, a.Value.String())
		}
		return true
	})
	return nil
}
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordingHandler) WithGroup(string) slog.Handler      { return h }
