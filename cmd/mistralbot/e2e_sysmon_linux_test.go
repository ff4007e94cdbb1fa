package main

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestE2ERunRestartsWithSysmonSetting: the real binary's run restarts
// itself in place (the process id the parent started, /proc's view of its
// environment) with the sysmon setting in GODEBUG, and serves; an
// operator's own schedtrace is left as it is.
func TestE2ERunRestartsWithSysmonSetting(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	environ := func(p *proc) []byte {
		t.Helper()
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/environ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p := startProc(t, "default", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}))
	if e := environ(p); !bytes.Contains(e, []byte("\x00GODEBUG="+sysmonSetting+"\x00")) && !bytes.HasSuffix(e, []byte("GODEBUG="+sysmonSetting+"\x00")) {
		t.Errorf("the running bot's environment lacks GODEBUG=%s:\n%q", sysmonSetting, e)
	}
	own := startProc(t, "own", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory", "GODEBUG": "schedtrace=0"}))
	if e := environ(own); bytes.Contains(e, []byte(sysmonSetting)) || !bytes.Contains(e, []byte("GODEBUG=schedtrace=0")) {
		t.Errorf("an operator's GODEBUG=schedtrace=0 was changed:\n%q", e)
	}
}

// TestE2EIdleBotRunsOnOneProcessor (procs.go, here beside the other
// runtime setting run makes for itself): the real binary, idle after its
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
