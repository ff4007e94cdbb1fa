package main

import (
	"fmt"
	"os"
	"strings"
)

// sysmonSetting keeps the Go runtime's sysmon thread out of its deep
// sleep. Without it, a process that goes idle between frames (a token
// every 2 ms at 10 replies) wakes sysmon with the first system call of
// every busy spell, and sysmon then polls every 20 µs until the process
// is idle again: 28% of the bot's CPU samples at 10 conversations
// (runtime.sysmon, perf record -g), a third of its system time
// (/proc/PID/task/*/stat; BENCHMARKS.md, issue 20 session 8). The sysmon
// tick is hard-coded (golang/go#18236); the only switch is schedtrace:
// with it set, sysmon never deep-sleeps and backs off to one wake-up per
// 10 ms while nothing needs it. The period is the largest the runtime
// takes (int32 milliseconds, 24.8 days), so the trace line it prints
// comes once every 24.8 days of host uptime (at most one at start).
const sysmonSetting = "schedtrace=2147483647"

// sysmonEnv returns environ with sysmonSetting added to GODEBUG, and
// false when there is nothing to add: GODEBUG already names schedtrace
// (the operator's choice, schedtrace=0 included, wins).
func sysmonEnv(environ []string) ([]string, bool) {
	out := make([]string, 0, len(environ)+1)
	godebug, found := "", false
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			godebug, found = v, true
			continue
		}
		out = append(out, kv)
	}
	for _, f := range strings.Split(godebug, ",") {
		if k, _, _ := strings.Cut(f, "="); strings.TrimSpace(k) == "schedtrace" {
			return environ, false
		}
	}
	if found && godebug != "" {
		godebug += ","
	}
	return append(out, "GODEBUG="+godebug+sysmonSetting), true
}

// execWithSysmonSetting starts the binary again in place (same process
// id, arguments and environment, plus sysmonSetting), because the runtime
// reads schedtrace only when it starts. It returns only when there was
// nothing to do or the exec failed (said on stderr: the bot runs on,
// with the runtime's default). e.exec nil (tests) does nothing.
func execWithSysmonSetting(e env) {
	if e.exec == nil || e.environ == nil {
		return
	}
	envv, changed := sysmonEnv(e.environ())
	if !changed {
		return
	}
	self, err := os.Executable()
	if err == nil {
		err = e.exec(self, os.Args, envv)
	}
	fmt.Fprintf(e.stderr, "mistralbot: warning: could not restart with GODEBUG=%s (sysmon stays on its default): %v\n", sysmonSetting, err)
}
