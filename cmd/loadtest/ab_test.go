package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSpread(t *testing.T) {
	cases := []struct {
		xs                []float64
		n                 int
		median, min, maxv float64
	}{
		{xs: []float64{12, 10, 11}, n: 3, median: 11, min: 10, maxv: 12},
		{xs: []float64{4, 1, 3, 2}, n: 4, median: 2.5, min: 1, maxv: 4},
		{xs: []float64{7}, n: 1, median: 7, min: 7, maxv: 7},
		{xs: []float64{5, 100, 6}, n: 3, median: 6, min: 5, maxv: 100}, // one bad run does not move the median
		{},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.xs...)
		s := newSpread(c.xs)
		if s.N != c.n || s.Median != c.median || s.Min != c.min || s.Max != c.maxv {
			t.Errorf("newSpread(%v) = %+v, want n %d median %v min %v max %v", in, s, c.n, c.median, c.min, c.maxv)
		}
		if !slicesEqual(c.xs, in) {
			t.Errorf("newSpread sorted its input: %v", c.xs)
		}
	}
	for _, c := range []struct {
		s    spread
		unit string
		prec int
		want string
	}{
		{spread{N: 3, Median: 38, Min: 36.4, Max: 39}, "ms", adaptive, "38.0 ms (36.4-39.0)"},
		{spread{N: 3, Median: 380, Min: 364, Max: 390}, "ms", adaptive, "380 ms (364-390)"},
		{spread{N: 3, Median: 1.234, Min: 1, Max: 2}, "ms", adaptive, "1.23 ms (1.00-2.00)"},
		{spread{N: 1, Median: 104.71}, "KB", 1, "104.7 KB"},
		{spread{N: 2, Median: 3, Min: 2, Max: 4}, "", 0, "3 (2-4)"},
		{spread{}, "ms", 2, "-"},
	} {
		if got := c.s.show(c.unit, c.prec); got != c.want {
			t.Errorf("%+v shown %q, want %q", c.s, got, c.want)
		}
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// recorded is a run's results as loadTest would return them.
func recorded(cpuMS, completionP50 float64, completed, lost, dup int) *results {
	r := &results{Options: options{Platforms: []string{"discord"}}, Conversations: completed + lost + dup,
		Completed: completed, Lost: lost, Duplicated: dup, CPUPerReplyMS: cpuMS, Elapsed: 9 * time.Second,
		PeakInFlight: 10, RSSPerInFlightKB: 100, ByPlatform: map[string]latencies{}}
	if completionP50 > 0 {
		r.All.CompletionGap = dist{N: completed, P50: completionP50, P99: 2 * completionP50}
	}
	return r
}

func abFixture() *abReport {
	o := options{Conversations: 10, Channels: 10, Users: 50, Platforms: []string{"discord"}, ReplyTokens: 300,
		TokensPerSec: 50, AB: abOptions{Old: "/tmp/mb-old", Runs: 3}}
	at := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	run := func(bin string, i int, load float64, r *results) abRun {
		at = at.Add(10 * time.Second)
		return abRun{Binary: bin, Path: "/tmp/mb-" + bin, Run: i, Started: at, Load: [3]float64{load, 1, 0.5},
			Uptime: "11:00:00 up 1 day, load average: ...", Results: r}
	}
	rep := &abReport{Options: o, Old: "/tmp/mb-old", New: "/tmp/mb-new", Runs: []abRun{
		run("old", 1, 2.5, recorded(20, 1.2, 10, 0, 0)),
		run("new", 1, 2.6, recorded(12, 0, 10, 0, 0)), // completion gap not measured
		run("old", 2, 2.7, recorded(22, 1.4, 10, 0, 0)),
		run("new", 2, 2.8, recorded(10, 1.0, 10, 0, 0)),
		run("old", 3, 2.9, recorded(21, 1.3, 10, 0, 0)),
		run("new", 3, 3.0, recorded(11, 1.1, 10, 0, 0)),
	}}
	rep.aggregate()
	return rep
}

func figureOf(t *testing.T, rep *abReport, name string) abFigure {
	t.Helper()
	for _, f := range rep.Figures {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %q", name)
	return abFigure{}
}

// TestABAggregate: medians, ranges and new/old over recorded runs; a run
// that did not measure a figure is left out of that figure only.
func TestABAggregate(t *testing.T) {
	rep := abFixture()
	cpu := figureOf(t, rep, "bot CPU per reply")
	if cpu.Old != (spread{N: 3, Median: 21, Min: 20, Max: 22}) || cpu.New != (spread{N: 3, Median: 11, Min: 10, Max: 12}) {
		t.Errorf("CPU per reply: old %+v, new %+v", cpu.Old, cpu.New)
	}
	if cpu.Ratio == nil || math.Abs(*cpu.Ratio-11.0/21) > 1e-9 {
		t.Errorf("CPU per reply new/old = %v, want %.4f", cpu.Ratio, 11.0/21)
	}
	gap := figureOf(t, rep, "completion gap p50")
	if gap.Old.N != 3 || gap.New != (spread{N: 2, Median: 1.05, Min: 1.0, Max: 1.1}) {
		t.Errorf("completion gap: old %+v, new %+v (the run that did not measure it counted?)", gap.Old, gap.New)
	}
	if g := figureOf(t, rep, "platform 429s received"); g.Ratio != nil || g.Old.N != 3 {
		t.Errorf("429s, 0 in every run: %+v, ratio %v; want measured, no ratio (0 old)", g, g.Ratio)
	}
	if g := figureOf(t, rep, "bot goroutines mid-load"); g.Old.N != 0 || g.New.N != 0 {
		t.Errorf("goroutines without -heapprofile: %+v", g)
	}

	var out bytes.Buffer
	rep.write(&out)
	for _, want := range []string{
		"3 runs of each binary alternated (old first): 10 conversations on discord",
		"old: /tmp/mb-old", "new: /tmp/mb-new",
		"old 1", "new 3", "2.50 1.00 0.50", "10 / 0 / 0",
		"old: median (min-max)", "new/old",
		"21.0 ms (20.0-22.0)", "11.0 ms (10.0-12.0)", "0.52",
		"1.05 ms (1.00-1.10)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "goroutines") {
		t.Errorf("a figure no run measured is shown:\n%s", out.String())
	}

	// The JSON holds every run, in order, with its load, and the figures.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Runs []struct {
			Binary  string     `json:"binary"`
			Run     int        `json:"run"`
			Load    [3]float64 `json:"load_average"`
			Results struct {
				CPU float64 `json:"bot_cpu_ms_per_reply"`
			} `json:"results"`
		} `json:"runs"`
		Figures []struct {
			Name  string   `json:"name"`
			Ratio *float64 `json:"ratio_new_over_old"`
		} `json:"figures"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != 6 || back.Runs[0].Binary != "old" || back.Runs[1].Binary != "new" || back.Runs[5].Run != 3 ||
		back.Runs[2].Load[0] != 2.7 || back.Runs[3].Results.CPU != 10 {
		t.Errorf("JSON runs: %+v", back.Runs)
	}
	if len(back.Figures) != len(rep.Figures) {
		t.Errorf("JSON has %d figures, want %d", len(back.Figures), len(rep.Figures))
	}
}

// TestABSeries: without -ab, the runs of one binary, one column.
func TestABSeries(t *testing.T) {
	rep := abFixture()
	rep.Old, rep.Options.AB.Old = "", ""
	var runs []abRun
	for _, r := range rep.Runs {
		if r.Binary == "new" {
			runs = append(runs, r)
		}
	}
	rep.Runs = runs
	rep.aggregate()
	var out bytes.Buffer
	rep.write(&out)
	if s := out.String(); strings.Contains(s, "new/old") || !strings.Contains(s, "median (min-max)") || !strings.Contains(s, "11.0 ms (10.0-12.0)") {
		t.Errorf("series table:\n%s", s)
	}
	if f := figureOf(t, rep, "bot CPU per reply"); f.Ratio != nil || f.Old.N != 0 {
		t.Errorf("series: %+v", f)
	}
}

func TestABExitStatus(t *testing.T) {
	cases := []struct {
		name string
		edit func(rep *abReport)
		err  error
		want int
	}{
		{"every run delivered every reply once", func(*abReport) {}, nil, 0},
		{"a run lost a reply", func(rep *abReport) { rep.Runs[3].Results.Lost = 1 }, nil, 1},
		{"a run duplicated a reply", func(rep *abReport) { rep.Runs[0].Results.Duplicated = 2 }, nil, 1},
		{"a run failed", func(rep *abReport) { rep.Runs[5].Results, rep.Runs[5].Error = nil, "the bot exited" }, nil, 1},
		{"a run measured but ended with an error", func(rep *abReport) { rep.Runs[1].Error = "context canceled" }, nil, 1},
		{"cut short", func(*abReport) {}, context.Canceled, 1},
		{"no run", func(rep *abReport) { rep.Runs = nil }, nil, 1},
	}
	for _, c := range cases {
		rep := abFixture()
		c.edit(rep)
		rep.aggregate()
		if got := rep.exitCode(c.err); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
		var out bytes.Buffer
		rep.write(&out) // never panics on a failed run
		if c.name == "a run failed" && !strings.Contains(out.String(), "failed: the bot exited") {
			t.Errorf("the failed run is not shown:\n%s", out.String())
		}
	}
}

func TestParseUptime(t *testing.T) {
	for _, c := range []struct {
		line string
		want [3]float64
		ok   bool
	}{
		{" 10:51:35 up 32 min,  0 user,  load average: 2.80, 1.71, 0.89", [3]float64{2.80, 1.71, 0.89}, true},
		{"11:02  up 3 days,  2:11, 2 users, load averages: 1.52 1.60 1.64", [3]float64{1.52, 1.60, 1.64}, true},
		{" 10:51:35 up 32 min,  1 user,  load average: 2,80, 1,71, 0,89", [3]float64{2.80, 1.71, 0.89}, true},
		{"up 5 days", [3]float64{}, false},
		{"load average: 1.0, x, 2.0", [3]float64{}, false},
	} {
		got, ok := parseUptime(c.line)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseUptime(%q) = %v, %v; want %v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
	if line, load := loadAverage(); line == "" || load[0] < 0 {
		t.Errorf("loadAverage() = %q, %v", line, load)
	}
}

func TestABFlagsAndRunFiles(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-runs", "0"}, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "-runs") {
		t.Errorf("-runs 0: exit %d, %s", code, stderr.String())
	}
	o, err := parseFlags([]string{"-ab", "/tmp/old", "-runs", "3"}, &stderr)
	if err != nil || !o.AB.active() || o.AB.Old != "/tmp/old" || o.AB.Runs != 3 {
		t.Errorf("-ab /tmp/old -runs 3: %+v, %v", o.AB, err)
	}
	if o, _ := parseFlags(nil, &stderr); o.AB.active() {
		t.Errorf("one run by default: %+v", o.AB)
	}
	o = options{Profile: "/tmp/cpu.prof", HeapProfile: "heap", KeepLogs: "/tmp/logs/bot.log", JSON: "ab.json"}
	ro := runOptions(o, variant{"old", "/tmp/mb-old"}, 2)
	if ro.Bot != "/tmp/mb-old" || ro.Profile != "/tmp/cpu-old-2.prof" || ro.HeapProfile != "heap-old-2" ||
		ro.KeepLogs != "/tmp/logs/bot-old-2.log" || ro.JSON != "" {
		t.Errorf("run options: %+v", ro)
	}
}

// TestABEndToEnd runs the comparison as a user would, with the real
// binary as old and new, one run each, on long replies: on Discord over
// 2,000 characters (several messages in the thread), on Slack over a
// native stream's 12,000 (the rest in post+update messages). Every reply
// must be recognised once in every run, and the JSON must hold both runs
// in order.
func TestABEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "mistralbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../mistralbot").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "ab.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-bot", bin, "-ab", bin, "-runs", "1", "-conversations", "4", "-channels", "2", "-users", "2",
		"-ttft", "20ms", "-tps", "2000", "-tokens", "3200", "-ramp", "100ms", "-store", "memory",
		"-timeout", "2m", "-progress=false", "-json", jsonPath, "-bot-log", filepath.Join(dir, "bot.log")}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"old 1", "new 1", "4 / 0 / 0", "new/old", "completion gap p50 (slack)", "bot CPU per reply"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep abReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, b)
	}
	if len(rep.OldSum) != 12 || rep.OldSum != rep.NewSum || !strings.Contains(stdout.String(), "(sha256 "+rep.NewSum+")") {
		t.Errorf("the binaries' sums: old %q new %q (the same binary)", rep.OldSum, rep.NewSum)
	}
	if len(rep.Runs) != 2 || rep.Runs[0].Binary != "old" || rep.Runs[1].Binary != "new" {
		t.Fatalf("runs: %+v", rep.Runs)
	}
	for _, run := range rep.Runs {
		r := run.Results
		if r == nil || r.Completed != 4 || r.All.CompletionGap.N != 4 || run.Uptime == "" {
			t.Errorf("%s run: %+v", run.Binary, run)
			continue
		}
		for _, p := range []string{"slack", "discord"} {
			// A reply of 3,200 tokens is over 12,000 characters: at least
			// two messages on Slack, seven on Discord, and a post and an
			// edit or more for each.
			if l := r.ByPlatform[p]; l.CallsPerReply < 4 {
				t.Errorf("%s run, %s: %.1f calls per reply: was the reply split?", run.Binary, p, l.CallsPerReply)
			}
		}
	}
	for _, f := range []string{"bot-old-1.log", "bot-new-1.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run's bot log: %v", err)
		}
	}
}
