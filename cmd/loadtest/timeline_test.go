package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimelineFiles: the arrivals in the order their events left (not the
// conversations' order), their added latency from the earliest of the two
// calls out, the CPU in cores per interval with the connections accepted
// in it, and the moments file.
func TestTimelineFiles(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	ms := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }
	convs := []*conversation{{id: 0, platform: "slack"}, {id: 1, platform: "discord"}, {id: 2, platform: "slack"}}
	lines := []timeline{
		{event: ms(10), llmRequest: ms(13), firstPlatform: ms(12)}, // platform call first: 2 ms
		{event: ms(0), llmRequest: ms(1.5)},                        // first to arrive
		{},                                                         // never sent
	}
	for i := range lines {
		lines[i].firstCall = earliest(lines[i].firstPlatform, lines[i].llmRequest)
	}
	cpu := []cpuSample{
		{at: ms(0), bot: 0, own: 0},
		{at: ms(100), bot: 50 * time.Millisecond, own: 100 * time.Millisecond},
	}
	path := filepath.Join(t.TempDir(), "tl.csv")
	if err := writeTimeline(path, convs, lines, cpu, []time.Time{ms(20), ms(200)}, ms(-1000), ms(-5)); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := "arrival,conversation,platform,event_ms,added_ms,event_to_llm_ms,event_to_platform_ms\n" +
		"0,1,discord,0.000,1.500,1.500,\n" +
		"1,0,slack,10.000,2.000,3.000,2.000\n"
	if got := read(path); got != want {
		t.Errorf("timeline:\n%s\nwant:\n%s", got, want)
	}
	if got := read(path + ".cpu.csv"); !strings.Contains(got, "0.000,100.000,0.50,1.00,1\n") {
		t.Errorf("cpu series (half a core, one core, one connection in the interval):\n%s", got)
	}
	if got := read(path + ".conns.csv"); got != "event,at_ms\nbot started,-1000.000\ntrace asked,-5.000\nllm connection accepted,20.000\nllm connection accepted,200.000\n" {
		t.Errorf("moments:\n%s", got)
	}
}

func TestBotEnvFlag(t *testing.T) {
	o, err := parseFlags([]string{"-bot-env", "GOGC=400", "-bot-env", "GODEBUG=gctrace=1"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.BotEnv) != 2 || o.BotEnv[0] != "GOGC=400" || o.BotEnv[1] != "GODEBUG=gctrace=1" {
		t.Errorf("BotEnv = %q", o.BotEnv)
	}
	if _, err := parseFlags([]string{"-bot-env", "GOGC"}, &strings.Builder{}); err == nil {
		t.Error("-bot-env GOGC (no value) accepted")
	}
}
