package main

import (
	"bytes"
	"os"
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
