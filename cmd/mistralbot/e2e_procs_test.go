package main

import (
	"runtime"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestE2EIdleBotRunsOnOneProcessor: the real binary, idle after its
// start, goes to one P within a few of the controller's quiet windows
// (the Go collector's go_sched_gomaxprocs_threads on /metrics); an
// operator's GOMAXPROCS is kept as it was set.
func TestE2EIdleBotRunsOnOneProcessor(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	p := startProc(t, "default", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}))
	own := startProc(t, "own", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory", "GOMAXPROCS": "3"}))
	if runtime.NumCPU() < 2 {
		// One CPU: the default is one P already and the controller stays out.
		if got := p.metric("go_sched_gomaxprocs_threads"); got != 1 {
			t.Fatalf("on one CPU go_sched_gomaxprocs_threads = %v, want 1", got)
		}
	} else {
		waitUntil(t, 10*defaultProcsPolicy.quietFor, "the idle bot on one P", func() bool {
			return p.metric("go_sched_gomaxprocs_threads") == 1
		})
	}
	if got := own.metric("go_sched_gomaxprocs_threads"); got != 3 {
		t.Errorf("with GOMAXPROCS=3 in its environment the bot runs on %v Ps", got)
	}
}
