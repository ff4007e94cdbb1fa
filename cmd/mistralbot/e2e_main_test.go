package main

// Process-level end-to-end tests: the real mistralbot binary, built once
// in TestMain, run as child processes configured by environment variables
// only (the config file is empty), against fakeslack and llmtest on
// loopback and a real Redis or bbolt store.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/config"
)

// botBinary is the mistralbot binary TestMain built.
var botBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mistralbot-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		os.Exit(1)
	}
	botBinary = filepath.Join(dir, "mistralbot")
	if err := buildBinary(botBinary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := 0
	func() {
		defer os.RemoveAll(dir)
		// goleak.VerifyTestMain calls os.Exit; run the check by hand so the
		// binary's directory is removed first.
		code = m.Run()
		if code == 0 {
			if err := goleak.Find(); err != nil {
				fmt.Fprintln(os.Stderr, "goleak: goroutines outlived the tests:", err)
				code = 1
			}
		}
	}()
	os.Exit(code)
}

// buildBinary builds this package (the test runs in its directory) into
// out.
func buildBinary(out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the end-to-end tests build the binary with the go tool, which is not on PATH: %w", err)
	}
	cmd := exec.Command(goTool, "build", "-o", out, ".")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build -o %s .: %w\n%s", out, err, stderr.String())
	}
	return nil
}

// syncBuffer is an io.Writer safe for the child's stderr copier and the
// test's readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one running mistralbot process.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	addr   string // the HTTP listen address, from the "mistralbot running" line
	ops    string // the operational endpoints' address (server.ops_listen, else addr)
	client *http.Client
	done   chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's result, set before done is closed
}

// startProc runs `mistralbot --config <empty file> run` with env (and
// nothing else in its environment), waits for its "mistralbot running"
// log line and for /readyz to answer 200. The process is killed at cleanup
// if still running; its stderr is logged when the test fails.
func startProc(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	return startProcFiles(t, name, env, 0)
}

// startProcFiles is startProc with the process's limit on open files set
// to nofile (ulimit -n) when it is not 0.
func startProcFiles(t *testing.T, name string, env map[string]string, nofile int) *proc {
	t.Helper()
	return startProcConfig(t, name, env, nofile, nil)
}

// startProcConfig is startProcFiles with a config file holding yaml
// (what only a file can set: tools.mcp_servers).
func startProcConfig(t *testing.T, name string, env map[string]string, nofile int, yaml []byte) *proc {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(botBinary, "--config", cfg, "run")
	if nofile > 0 {
		cmd = exec.Command("/bin/sh", "-c", `ulimit -n `+strconv.Itoa(nofile)+` && exec "$0" "$@"`, botBinary, "--config", cfg, "run")
	}
	cmd.Env = []string{}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, name: name, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stderr, p.stderr
	transport := &http.Transport{}
	p.client = &http.Client{Transport: transport, Timeout: 10 * time.Second}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start %s: %v", name, botBinary, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		transport.CloseIdleConnections()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.stderr.String())
		}
	})
	waitUntil(t, 20*time.Second, name+` to log "mistralbot running"`, func() bool {
		if p.exited() {
			t.Fatalf("%s exited before running: %v\n%s", name, p.err, p.stderr.String())
		}
		p.addr = p.logField("mistralbot running", "listen")
		p.ops = p.logField("mistralbot running", "ops_listen")
		if p.ops == "" {
			p.ops = p.addr
		}
		return p.addr != ""
	})
	waitUntil(t, 20*time.Second, name+" /readyz to answer 200", func() bool {
		status, _ := p.get("/readyz")
		return status == http.StatusOK
	})
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logField returns field of the first JSON log line whose msg is msg.
func (p *proc) logField(msg, field string) string {
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != msg {
			continue
		}
		if v, ok := rec[field].(string); ok {
			return v
		}
	}
	return ""
}

// logLines returns the JSON log records whose level is at least level
// ("WARN", "ERROR").
func (p *proc) logLines(levels ...string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(p.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		for _, l := range levels {
			if rec["level"] == l {
				out = append(out, rec)
			}
		}
	}
	return out
}

// url is the process's base URL.
func (p *proc) url() string { return "http://" + p.addr }

// get fetches path from the operational endpoints; status 0 means the
// request failed.
func (p *proc) get(path string) (int, string) {
	return p.getFrom("http://"+p.ops, path)
}

// getFrom fetches base+path.
func (p *proc) getFrom(base, path string) (int, string) {
	resp, err := p.client.Get(base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric sums the samples of a Prometheus metric whose label set contains
// every one of labels (`platform="slack"`).
func (p *proc) metric(name string, labels ...string) float64 {
	p.t.Helper()
	status, body := p.get("/metrics")
	if status != http.StatusOK {
		p.t.Fatalf("%s /metrics: %d %s", p.name, status, body)
	}
	var sum float64
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(rest, l)
		}
		if !match {
			continue
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			p.t.Fatalf("%s /metrics: bad sample %q", p.name, line)
		}
		sum += v
	}
	return sum
}

// signal sends sig to the process.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("%s: signal %v: %v", p.name, sig, err)
	}
}

// wait waits for the process to exit (within d) and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.t.Fatalf("%s did not exit within %s", p.name, d)
	}
	return p.cmd.ProcessState.ExitCode()
}

// kill kills the process if it still runs and waits for it.
func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// waitUntil polls cond every 10ms until it holds, failing after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// replicaEnv names the process's replica (the config key ending in
// "replica_id", read from the config's key list so that these tests follow
// its name): processes running together need different ids, a restarted
// process the id of its previous life. Empty when config has no such key.
func replicaEnv(id string) map[string]string {
	for _, k := range config.Keys() {
		if strings.HasSuffix(k, "replica_id") {
			return map[string]string{"MISTRALBOT_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_")): id}
		}
	}
	return nil
}
