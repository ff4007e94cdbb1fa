package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

// BenchmarkStackPerAnswer reports the goroutine stack an answer holds
// while it waits for the model's next token (stackB/answer): answers
// stream from llmtest over HTTPS and HTTP/2 (the providers' protocol)
// through the real llm client, each stalled after its first token, so
// every worker is parked in the stream's Read as in the load tool's
// thousand conversations. The figure is MemStats.StackInuse after a few
// collections (each may halve a parked goroutine's stack) less the same
// with the workers idle, per answer: the worker's stack and net/http's
// HTTP/2 request goroutine (writeRequest, until the response ends).
//
//	go test ./bots/engine -run '^$' -bench BenchmarkStackPerAnswer -benchtime 3x
func BenchmarkStackPerAnswer(b *testing.B) {
	const answers = 100
	var total float64
	for b.Loop() {
		total += stackPerAnswer(b, answers)
	}
	b.ReportMetric(total/float64(b.N), "stackB/answer")
}

// stackPerAnswer runs answers stalled answers on a new harness and
// returns the stack bytes each holds.
func stackPerAnswer(b *testing.B, answers int) float64 {
	h := newHarness(b, harnessOptions{
		server: llmtest.Options{Dialect: llmtest.OpenAI, TLS: true,
			Default: llmtest.Scenario{Times: answers, Tokens: []string{"Bonjour", " !"}, FailAfter: 1, Fault: llmtest.Stall}},
		engine: func(o *engine.Options) {
			o.MaxConcurrency = answers
			o.ShutdownGrace = time.Millisecond // the stalled answers are cut at the end
		},
	})
	defer h.shutdown(b)
	before := settledStack()
	for i := range answers {
		m := mention(fmt.Sprintf("1700.%d", i), "hello")
		m.Key.Thread = m.ID
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
	return float64(int64(settledStack())-int64(before)) / float64(answers)
}

// settledStack is StackInuse after enough collections for parked
// goroutines' stacks to reach the size their depth allows.
func settledStack() uint64 {
	var ms runtime.MemStats
	for range 6 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.StackInuse
}
