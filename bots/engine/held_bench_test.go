package engine_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

// BenchmarkHeldPerAnswer reports the heap an answer holds while it waits
// for the model's next token (heapB/answer: HeapAlloc after GC, less the
// same with the workers idle), each thread with a 16 KiB history.
// Answers stream through the real llm client over HTTPS and HTTP/2 (the
// providers' protocol) from llmtest in a child process (this test
// binary, see TestMain), so that only the bot's side is counted; each
// stalls after its first token, so every worker is parked in the
// stream's Read as in the load tool's thousand conversations.
//
// Stacks are not a metric here: MemStats.StackInuse counts the stack
// pool's spans, free segments included, and moved by ±5 KB an answer
// between runs of one binary. What decides a parked goroutine's stack is
// the stack it uses (the GC halves a stack used below a quarter,
// runtime/stack.go shrinkstack): with HELD_STACK_DUMP=1 and
// GOTRACEBACK=system the benchmark sends itself SIGQUIT at the
// measurement, and docs/loadtest/issue20-rss/usedstack.py reads each
// goroutine's frames (fp/sp) from that dump.
//
//	go test ./bots/engine -run '^$' -bench BenchmarkHeldPerAnswer -benchtime 3x
func BenchmarkHeldPerAnswer(b *testing.B) {
	const answers = 100
	url, roots := startServerProcess(b)
	var heap float64
	for b.Loop() {
		heap += heldPerAnswer(b, answers, url, roots)
	}
	b.ReportMetric(heap/float64(b.N), "heapB/answer")
}

// heldPerAnswer runs answers stalled answers on a new harness and
// returns the heap bytes each holds.
func heldPerAnswer(b *testing.B, answers int, url string, roots *x509.CertPool) float64 {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}
	h := newHarness(b, harnessOptions{
		baseURL: url, httpClient: &http.Client{Transport: tr},
		engine: func(o *engine.Options) {
			o.MaxConcurrency = answers
			o.ShutdownGrace = time.Millisecond // the stalled answers are cut at the end
		},
	})
	defer h.shutdown(b)
	// After the answers ended (shutdown), before the harness's leak check.
	b.Cleanup(tr.CloseIdleConnections)
	// One connection, open before the baseline: a hundred requests
	// started at once on a new transport each dial one (every TLS
	// connection with its read goroutine), which the load tool's
	// questions, spread over seconds, do not.
	warm, err := tr.RoundTrip(must(http.NewRequest(http.MethodGet, url+"/models", nil)))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, warm.Body)
	warm.Body.Close()
	msgs := make([]bots.Message, answers)
	for i := range msgs {
		m := mention(fmt.Sprintf("1700.%d", i), "hello")
		m.Key.Thread = m.ID
		msgs[i] = m
		h.conv.history[m.Key] = longHistory(i)
	}
	before := settled()
	for i, m := range msgs {
		if d, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil || d != bots.Queued {
			b.Fatalf("dispatch %d: %v %v", i, d, err)
		}
	}
	// The llm client's idle timeout (5 s) ends a stalled answer: the
	// measurement is taken well before.
	deadline := time.Now().Add(3 * time.Second)
	for h.conv.updated() < answers {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d answers got their first token", h.conv.updated(), answers)
		}
		time.Sleep(time.Millisecond) // a benchmark's wait for its setup, not an assertion
	}
	after := settled()
	if os.Getenv("HELD_STACK_DUMP") != "" {
		// The Go runtime prints every goroutine on SIGQUIT and exits.
		_ = syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		select {}
	}
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(answers)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// longHistory is a thread of 20 turns, 16 KiB in all, different for
// every thread i.
func longHistory(i int) []bots.Turn {
	var turns []bots.Turn
	for k := range 20 {
		role := bots.UserTurn
		if k%2 == 1 {
			role = bots.BotTurn
		}
		turns = append(turns, bots.Turn{Role: role, Text: fmt.Sprintf("thread %d turn %d ", i, k) + strings.Repeat("word ", 160)})
	}
	return turns
}

// settled is MemStats after a few collections.
func settled() runtime.MemStats {
	var ms runtime.MemStats
	for range 6 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms
}

// serverProcessEnv makes this test binary serve llmtest instead of
// running tests (TestMain): the stalled streams of BenchmarkHeldPerAnswer.
const serverProcessEnv = "ENGINE_TEST_LLM_SERVER"

// TestMain runs the tests, or, in the child process of
// startServerProcess, the server.
func TestMain(m *testing.M) {
	if os.Getenv(serverProcessEnv) != "" {
		serveStalledStreams()
		return
	}
	os.Exit(m.Run())
}

// serveStalledStreams serves streams that stall after their first token,
// over TLS and HTTP/2, until stdin closes; it prints its URL and its
// certificate (base64 DER) on one line first.
func serveStalledStreams() {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI, TLS: true,
		Default: llmtest.Scenario{Tokens: []string{"Bonjour", " !"}, FailAfter: 1, Fault: llmtest.Stall}})
	fmt.Println(srv.URL(), base64.StdEncoding.EncodeToString(srv.Certificate().Raw))
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
}

// startServerProcess starts serveStalledStreams in a child process and
// returns its URL and the roots that trust it.
func startServerProcess(b *testing.B) (string, *x509.CertPool) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serverProcessEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	url, cert64, _ := strings.Cut(strings.TrimSpace(line), " ")
	der, err := base64.StdEncoding.DecodeString(cert64)
	if err != nil {
		b.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return url, pool
}
