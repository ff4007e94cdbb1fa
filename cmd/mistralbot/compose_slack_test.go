package main

// docker compose up's promise, as processes (no container engine runs
// here): the compose file's fake model, fake Slack workspace and two bot
// replicas, with their commands and environment, addresses moved to
// loopback ports and Redis to a database of the test Redis that
// redistest leases; then its ask
// service's command asks questions and prints the streamed answers.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/internal/redistest"
)

var (
	builtMu sync.Mutex
	built   = map[string]string{} // package -> binary, built once per test run
)

// toolBinary builds the command in pkg (relative to the repository) once,
// beside the mistralbot binary TestMain built.
func toolBinary(t *testing.T, pkg string) string {
	t.Helper()
	builtMu.Lock()
	defer builtMu.Unlock()
	if bin, ok := built[pkg]; ok {
		return bin
	}
	bin := filepath.Join(filepath.Dir(botBinary), filepath.Base(pkg))
	out, err := exec.Command("go", "build", "-o", bin, filepath.Join("..", "..", pkg)).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built[pkg] = bin
	return bin
}

// fakeProc is a fake (llmtest, fakeslack serve) run as a process; url is
// the first match of the address pattern in its stderr.
type fakeProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	url    string
}

// startFake runs bin with args and waits for its stderr to announce a URL
// (the first submatch of announce).
func startFake(t *testing.T, name, bin string, args []string, announce *regexp.Regexp) *fakeProc {
	t.Helper()
	p := &fakeProc{cmd: exec.Command(bin, args...), stderr: &syncBuffer{}}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = p.stderr, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	found := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			p.stderr.Write([]byte(line + "\n"))
			if m := announce.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	exited := make(chan struct{})
	go func() {
		_ = p.cmd.Wait()
		pw.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-exited
		<-copied
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.stderr.String())
		}
	})
	select {
	case p.url = <-found:
	case <-exited:
		t.Fatalf("%s exited: %s", name, p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not say where it listens: %s", name, p.stderr.String())
	}
	return p
}

// flagValue returns the value after flag in args ("" when absent).
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// withFlag returns args with flag's value replaced by v.
func withFlag(args []string, flag, v string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == flag && i+1 < len(out) {
			out[i+1] = v
		}
	}
	return out
}

// binaryOf maps a compose entrypoint's program to the binary built here.
func binaryOf(t *testing.T, program string) string {
	t.Helper()
	switch program {
	case "/usr/local/bin/llmtest":
		return toolBinary(t, "llm/llmtest/cmd/llmtest")
	case "/usr/local/bin/fakeslack":
		return toolBinary(t, "cmd/fakeslack")
	}
	t.Fatalf("no binary for %s", program)
	return ""
}

// threadReply is one bot message of fakeslack's GET /dev/thread.
type threadReply struct {
	Text      string `json:"text"`
	Streaming bool   `json:"streaming"`
	Writing   bool   `json:"writing"`
	Complete  bool   `json:"complete"`
}

func TestComposeBotsAnswerTheFakeWorkspace(t *testing.T) {
	svcs := loadCompose(t)
	llm, fake, ask := svcs["llmtest"], svcs["fakeslack"], svcs["ask"]

	// The services point at one another by compose name and port.
	public := flagValue(fake.Entrypoint, "-public-url")
	if public != "http://fakeslack:"+strings.TrimPrefix(flagValue(fake.Entrypoint, "-listen"), ":") {
		t.Fatalf("fakeslack's -public-url %q is not its service name and -listen port (%v)", public, fake.Entrypoint)
	}
	if got := flagValue(ask.Entrypoint, "-server"); got != public {
		t.Fatalf("ask's -server %q, want fakeslack's %q", got, public)
	}
	for _, dep := range []string{"fakeslack", "bot1", "bot2"} {
		if len(ask.Profiles) == 0 || ask.DependsOn[dep].Condition == "" {
			t.Fatalf("ask is not on demand or does not start %s: %+v", dep, ask)
		}
	}
	llmBase := "http://llmtest:" + strings.TrimPrefix(flagValue(llm.Entrypoint, "-listen"), ":")

	// The fakes, on loopback ports the kernel picks.
	model := startFake(t, "llmtest", binaryOf(t, llm.Entrypoint[0]), withFlag(llm.Entrypoint[1:], "-listen", "127.0.0.1:0"),
		regexp.MustCompile(`at (http://\S+)/v1`))
	slackArgs := withFlag(withFlag(fake.Entrypoint[1:], "-listen", "127.0.0.1:0"), "-public-url", "")
	workspace := startFake(t, "fakeslack", binaryOf(t, fake.Entrypoint[0]), slackArgs,
		regexp.MustCompile(`at (http://\S+) \(listening`))

	// The two replicas, their environment as compose gives it.
	redis := redistest.URL(t)
	moved := strings.NewReplacer(llmBase, model.url, public, workspace.url, "redis://redis:6379/0", redis)
	var bots []*proc
	for _, name := range []string{"bot1", "bot2"} {
		b := svcs[name]
		if b.Entrypoint != nil || strings.Join(b.Command, " ") != "" && strings.Join(b.Command, " ") != "run" {
			t.Fatalf("%s runs %v %v, not the image's mistralbot run", name, b.Entrypoint, b.Command)
		}
		if len(b.Profiles) != 0 {
			t.Fatalf("%s is in profiles %v: a plain docker compose up would not start it", name, b.Profiles)
		}
		env := map[string]string{}
		for k, v := range b.Environment {
			env[k] = moved.Replace(v)
		}
		if env["MISTRALBOT_SLACK_API_URL"] != workspace.url+"/api/" || env["MISTRALBOT_LLM_BASE_URL"] != model.url+"/v1" || env["MISTRALBOT_STORE_REDIS_URL"] != redis {
			t.Fatalf("%s does not reach the fakes and Redis: %v", name, env)
		}
		env["MISTRALBOT_SERVER_LISTEN"], env["MISTRALBOT_SERVER_OPS_LISTEN"] = "127.0.0.1:0", "127.0.0.1:0"
		p := startProc(t, name, env)
		waitUntil(t, 60*time.Second, name+" to connect over Socket Mode", func() bool {
			return p.logField("socket mode connected", "team") != ""
		})
		bots = append(bots, p)
	}

	// docker compose run --rm ask 'QUESTION', twice: the workspace sends
	// each mention to one replica's connection in turn.
	questions := []string{"How do I reverse a slice in Go?", "And a map?"}
	for i, q := range questions {
		args := append(withFlag(ask.Entrypoint[1:], "-server", workspace.url), q)
		var stdout, stderr strings.Builder
		cmd := exec.Command(binaryOf(t, ask.Entrypoint[0]), args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("ask %q: %v\nstdout %s\nstderr %s", q, err, stdout.String(), stderr.String())
		}
		want := "(fake model) you said: " + q
		if strings.TrimSpace(stdout.String()) != want || !strings.Contains(stderr.String(), "answer complete (1 message(s))") {
			t.Fatalf("ask %q printed\n%s\nstderr %s", q, stdout.String(), stderr.String())
		}
		// Exactly one complete answer in the thread.
		m := regexp.MustCompile(`asked in (\S+) \(message (\S+)\)`).FindStringSubmatch(stderr.String())
		if m == nil {
			t.Fatalf("ask did not say where it asked: %s", stderr.String())
		}
		replies := readThread(t, workspace.url, m[1], m[2])
		if len(replies) != 1 || !replies[0].Complete || replies[0].Streaming || replies[0].Writing || replies[0].Text != want {
			t.Fatalf("question %d: the thread holds %+v, want one complete answer %q", i, replies, want)
		}
	}
	for _, p := range bots {
		waitUntil(t, 30*time.Second, p.name+" to count its reply", func() bool {
			return p.metric("mistralbot_replies_total") == 1
		})
	}
}

// readThread is GET /dev/thread of the fake workspace.
func readThread(t *testing.T, base, channel, ts string) []threadReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/dev/thread?"+url.Values{"channel": {channel}, "ts": {ts}}.Encode(), nil)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []threadReply
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(fmt.Errorf("GET /dev/thread: %w", err))
	}
	return out
}
