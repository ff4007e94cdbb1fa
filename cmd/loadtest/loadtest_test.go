package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDistPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	d := newDist(ds)
	if d.N != 100 || d.P50 != 50 || d.P99 != 99 || d.Max != 100 {
		t.Fatalf("dist = %+v, want n 100, p50 50, p99 99, max 100", d)
	}
	if d := newDist(nil); d.N != 0 || d.String() != "-" {
		t.Fatalf("empty dist = %+v %q", d, d.String())
	}
	if d := newDist([]time.Duration{3 * time.Millisecond}); d.P50 != 3 || d.P99 != 3 {
		t.Fatalf("one sample: %+v", d)
	}
}

func TestPeakInFlight(t *testing.T) {
	t0 := time.Now()
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	lines := []timeline{
		{event: at(0), final: at(10)},
		{event: at(1), final: at(2)},
		{event: at(2), final: at(3)}, // starts as the one before ends
		{event: at(5)},               // never finished: in flight to the end
		{event: at(6), final: at(7)}, // with the first and the unfinished one
		{},                           // never sent
	}
	if got := peakInFlight(lines, at(20)); got != 3 {
		t.Fatalf("peak = %d, want 3", got)
	}
}

func TestCountRepliesAndDuplicates(t *testing.T) {
	c := &conversation{marker: "LT000007", reply: "LT000007 go the slice"}
	texts := []string{"LT000007 go the", "LT000007 go the slice\n"}
	if r := readThread(texts, c); r.complete != 1 || !r.duplicated() {
		t.Errorf("readThread = %+v, want one complete copy, duplicated", r)
	}
	if n := countStarts(texts, c); n != 2 {
		t.Errorf("countStarts = %d, want 2 (a duplicated start)", n)
	}
	if m := findMarker("Alice: LT000007 how do I"); m != "LT000007" {
		t.Errorf("findMarker = %q", m)
	}
	if got := template(strings.Split("channels/1200000000000000001/messages/77/threads", "/")); got != "channels/{id}/messages/{id}/threads" {
		t.Errorf("template = %q", got)
	}
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	for _, args := range [][]string{
		{"-platforms", "irc"},
		{"-conversations", "0"},
		{"-error-rate", "1"},
		{"-store", "redis"},
		{"-tps", "0"},
		{"extra"},
	} {
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if !strings.Contains(stderr.String(), `unknown platform "irc"`) {
		t.Errorf("stderr does not name the bad platform:\n%s", stderr.String())
	}
	o, err := parseFlags(nil, &stderr)
	if err != nil || o.Conversations != 1000 || len(o.Platforms) != 2 || o.TokensPerSec != 50 || o.ReplyTokens != 300 {
		t.Errorf("defaults = %+v, %v; want the issue's scenario (1000 conversations, 50 tokens/s, 300 tokens)", o, err)
	}
}

// TestLoadRunEndToEnd runs the tool as a user would, at a small scale: the
// real bot binary against the fakes, on both platforms, with LLM errors
// the bot must retry. Every reply must arrive exactly once, every figure
// must be measured, and the JSON must hold the same.
func TestLoadRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "mistralbot")
	build := exec.Command("go", "build", "-o", bin, "../mistralbot")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "out.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-bot", bin, "-conversations", "24", "-channels", "4", "-users", "5",
		"-ttft", "20ms", "-tps", "400", "-tokens", "60", "-ramp", "300ms", "-error-rate", "0.5",
		"-timeout", "2m", "-progress=false", "-json", jsonPath, "-bot-log", filepath.Join(dir, "bot.log")}
	code := run(context.Background(), args, &stdout, &stderr)
	if code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "bot.log"))
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nbot log (tail):\n%s", code, stdout.String(), stderr.String(), tail(string(log), 30))
	}
	for _, want := range []string{"replies completed / lost / duplicated", "24 / 0 / 0", "first-visible-text gap", "bot CPU per reply", "RSS per in-flight"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	var res results
	b, err := os.ReadFile(jsonPath)
	if err != nil || json.Unmarshal(b, &res) != nil {
		t.Fatalf("JSON output: %v\n%s", err, b)
	}
	if res.Completed != 24 || res.Lost != 0 || res.Duplicated != 0 {
		t.Errorf("completed/lost/duplicated = %d/%d/%d, want 24/0/0", res.Completed, res.Lost, res.Duplicated)
	}
	for name, l := range map[string]latencies{"all": res.All, "slack": res.ByPlatform["slack"], "discord": res.ByPlatform["discord"]} {
		want := 24
		if name != "all" {
			want = 12
		}
		if l.Replies != want || l.AddedLatency.N != want || l.FirstTextGap.N+l.WholeAtOnce != want || l.CompletionGap.N != want {
			t.Errorf("%s: %d replies, %d/%d+%d/%d measured (added, first text+whole at once, completion), want %d each",
				name, l.Replies, l.AddedLatency.N, l.FirstTextGap.N, l.WholeAtOnce, l.CompletionGap.N, want)
		}
		if l.CallsPerReply < 2 {
			t.Errorf("%s: %.2f platform calls per reply: a reply needs at least a post and its thread", name, l.CallsPerReply)
		}
	}
	if res.LLMRequests <= 24 {
		t.Errorf("%d LLM requests with half the first requests failing: the retries are not counted or did not happen", res.LLMRequests)
	}
	if res.CPUSeconds < 0 || res.PeakRSSKB <= 0 || res.IdleRSSKB <= 0 || res.PeakInFlight < 1 {
		t.Errorf("process figures not measured: cpu %.3f s, rss %d → %d kB, peak in flight %d",
			res.CPUSeconds, res.IdleRSSKB, res.PeakRSSKB, res.PeakInFlight)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
