package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// unresolvable is a host name no resolver knows, refused by Go's resolver
// itself (a label longer than 63 bytes is no domain name), so that the
// test sends no DNS query off the machine (a name like
// no-such-host.invalid is asked of the system's name server).
var unresolvable = strings.Repeat("x", 64) + ".invalid"

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestRunStoreStartFailures: run and check with a store that cannot be
// opened. run used to panic with a nil pointer and never print the cause:
// now it prints the path or URL and the cause, exits 2 for what the
// configuration fixes and 1 for an outage; check says FAIL with the same
// cause.
func TestRunStoreStartFailures(t *testing.T) {
	dir := t.TempDir()
	locked := filepath.Join(dir, "locked.db")
	holder, err := store.OpenBolt(context.Background(), store.BoltOptions{Path: locked, CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	down := "redis://:hunter2secret@127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/0"
	llm := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter})
	defer llm.Close()

	cases := []struct {
		name  string
		store map[string]string
		code  int
		want  []string
	}{
		{"bolt locked by another process", map[string]string{"MISTRALBOT_STORE_PATH": locked}, exitFailure,
			[]string{locked, "locked by another process"}},
		{"data directory under a regular file", map[string]string{"MISTRALBOT_STORE_PATH": filepath.Join(regular, "data", "m.db")}, exitConfig,
			[]string{filepath.Join(regular, "data"), "not a directory"}},
		{"redis down", map[string]string{"MISTRALBOT_STORE_DRIVER": "redis", "MISTRALBOT_STORE_REDIS_URL": down, "MISTRALBOT_STORE_START_TIMEOUT": "1s"}, exitFailure,
			[]string{"redis://:xxxxx@127.0.0.1:", "connection refused", "gave up after"}},
		{"redis not resolvable", map[string]string{"MISTRALBOT_STORE_DRIVER": "redis", "MISTRALBOT_STORE_REDIS_URL": "redis://" + unresolvable + ":6379/0"}, exitConfig,
			[]string{unresolvable, "not found"}},
		{"redis notadb", map[string]string{"MISTRALBOT_STORE_DRIVER": "redis", "MISTRALBOT_STORE_REDIS_URL": "redis://127.0.0.1:6379/notadb"}, exitConfig,
			[]string{"redis://127.0.0.1:6379/notadb", "notadb"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{
				"MISTRALBOT_SLACK_ENABLED": "true", "MISTRALBOT_SLACK_MODE": "http",
				"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef",
				"OPENROUTER_API_KEY": "sk-or-x", "MISTRALBOT_LLM_BASE_URL": llm.URL(),
				"MISTRALBOT_SERVER_LISTEN": "127.0.0.1:0",
				// check calls auth.test: on loopback, never the internet.
				"MISTRALBOT_SLACK_API_URL": "http://127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/api/",
			}
			for k, v := range c.store {
				env[k] = v
			}
			code, _, errOut := runCmd(t, env, "", "--config", noFile(t), "run")
			if code != c.code {
				t.Errorf("run: exit %d, want %d\n%s", code, c.code, errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine ") {
				t.Errorf("run panicked:\n%s", errOut)
			}
			for _, w := range append(c.want, "mistralbot: ") {
				if !strings.Contains(errOut, w) {
					t.Errorf("run's message lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "hunter2secret") {
				t.Errorf("run printed the Redis password:\n%s", errOut)
			}

			code, out, _ := runCmd(t, env, "", "--config", noFile(t), "check")
			if code != exitFailure {
				t.Errorf("check: exit %d, want %d\n%s", code, exitFailure, out)
			}
			if !strings.Contains(out, "FAIL store: ") || !strings.Contains(out, c.want[1]) || strings.Contains(out, "ok   store") {
				t.Errorf("check does not fail the store with its cause %q:\n%s", c.want[1], out)
			}
		})
	}
}

// TestE2ERedisLateAtStart: Redis starts a second after the bot; the bot
// waits for it (retrying with backoff), logs why it waits, and serves.
func TestE2ERedisLateAtStart(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test runs a private redis-server, which is not installed (%v)", err)
	}
	port := closedPort(t)
	w := newWorld(t, llmtest.Options{})
	redis := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	started := make(chan error, 1)
	// The fault is the delay itself: the server comes up while the bot
	// is already waiting for it.
	timer := time.AfterFunc(time.Second, func() { started <- redis.Start() })
	defer func() {
		timer.Stop()
		if redis.Process != nil {
			redis.Process.Kill()
			redis.Wait()
		}
	}()
	p := startProc(t, "late", w.env(map[string]string{
		"MISTRALBOT_STORE_DRIVER":    "redis",
		"MISTRALBOT_STORE_REDIS_URL": "redis://127.0.0.1:" + strconv.Itoa(port) + "/0",
	}))
	if err := <-started; err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	if n := p.countLines("store not reachable yet, retrying"); n == 0 {
		t.Errorf("no log line says the bot waited for Redis:\n%s", p.stderr.String())
	}
	if status, body := p.get("/readyz"); status != 200 {
		t.Errorf("/readyz = %d %s", status, body)
	}
}
