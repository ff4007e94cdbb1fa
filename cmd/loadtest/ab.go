package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The A/B mode measures an old and a new binary together: the same
// scenario, run after run, alternated (old, new, old, new, ...), so that
// the machine's load, which drifts over minutes on a shared 2-core box,
// falls on both alike; `uptime`'s load average is kept before each run to
// show how quiet the machine was. It prints per figure the median and the
// min-max of each binary and the ratio of the medians (abreport.go).
//
//	loadtest -bot NEW -ab OLD -runs 3 [scenario flags]

// abOptions are the A/B mode's flags.
type abOptions struct {
	// Old is the old binary (-ab); "" without.
	Old string
	// Runs is how many runs each binary gets (-runs).
	Runs int
}

// register adds the A/B flags to fs.
func (a *abOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&a.Old, "ab", "", "compare with this old mistralbot binary: runs old, new (-bot), old, new, ... on the same scenario and prints per figure each one's median (min-max) and new/old")
	fs.IntVar(&a.Runs, "runs", 1, "runs of each binary (with -ab, alternated; without, -bot run this many times); -json then holds every run")
}

// check returns what is wrong with the flags.
func (a abOptions) check() error {
	if a.Runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	return nil
}

// active reports whether the run is an A/B comparison or a series.
func (a abOptions) active() bool { return a.Old != "" || a.Runs > 1 }

// variant is one binary of a comparison.
type variant struct{ name, path string }

// runAB runs the comparison and prints it; its exit status is run's: 1
// when any run failed or lost or duplicated a reply.
func runAB(ctx context.Context, o options, stdout, stderr io.Writer) int {
	if o.Bot == "" {
		dir, err := os.MkdirTemp("", "mistralbot-ab-")
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(stderr, "loadtest: building ./cmd/mistralbot")
		if o.Bot, err = buildBot(ctx, dir); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
	}
	variants := []variant{{"new", o.Bot}}
	if o.AB.Old != "" {
		variants = []variant{{"old", o.AB.Old}, {"new", o.Bot}}
	}
	rep := &abReport{Options: o, Old: o.AB.Old, New: o.Bot, PerBin: o.AB.Runs, NewSum: fileSum(o.Bot)}
	if o.AB.Old != "" {
		rep.OldSum = fileSum(o.AB.Old)
	}
	total := o.AB.Runs * len(variants)
	for i := 1; i <= o.AB.Runs && ctx.Err() == nil; i++ {
		for _, v := range variants {
			if ctx.Err() != nil {
				break
			}
			run := abRun{Binary: v.name, Path: v.path, Run: i, Started: time.Now().UTC()}
			run.Uptime, run.Load = loadAverage()
			fmt.Fprintf(stderr, "loadtest: run %d of %d: %s %s (load average %s)\n", len(rep.Runs)+1, total, v.name, v.path, fmtLoad(run.Load))
			res, err := loadTest(ctx, runOptions(o, v, i), stderr)
			if err != nil {
				run.Error = err.Error()
				fmt.Fprintf(stderr, "loadtest: run %d (%s): %v\n", len(rep.Runs)+1, v.name, err)
			}
			run.Results = res
			rep.Runs = append(rep.Runs, run)
		}
	}
	rep.aggregate()
	rep.write(stdout)
	if o.JSON != "" {
		if err := writeJSON(o.JSON, rep); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
	}
	return rep.exitCode(ctx.Err())
}

// runOptions are one run's options: its binary, and the files it writes
// (profiles, bot log) named after it so that runs do not overwrite each
// other's: cpu.prof -> cpu-old-1.prof.
func runOptions(o options, v variant, i int) options {
	ro := o
	ro.Bot, ro.JSON = v.path, ""
	tag := v.name + "-" + strconv.Itoa(i)
	for _, p := range []*string{&ro.Profile, &ro.HeapProfile, &ro.KeepLogs} {
		if *p != "" {
			ext := filepath.Ext(*p)
			*p = strings.TrimSuffix(*p, ext) + "-" + tag + ext
		}
	}
	return ro
}

// loadAverage returns `uptime`'s line and its 1, 5 and 15 minute load
// averages; without uptime, /proc/loadavg's.
func loadAverage() (string, [3]float64) {
	if out, err := exec.Command("uptime").Output(); err == nil {
		line := strings.TrimSpace(string(out))
		if load, ok := parseUptime(line); ok {
			return line, load
		}
		return line, [3]float64{}
	}
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "", [3]float64{}
	}
	var load [3]float64
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		load[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return "/proc/loadavg: " + strings.TrimSpace(string(b)), load
}

// parseUptime reads the three load averages at the end of an uptime
// line: "... load average: 2.80, 1.71, 0.89" (procps; BSD says "load
// averages:", some locales write "2,80, 1,71, 0,89").
func parseUptime(line string) ([3]float64, bool) {
	var load [3]float64
	i := strings.LastIndex(line, "load average")
	if i < 0 {
		return load, false
	}
	_, rest, ok := strings.Cut(line[i:], ":")
	if !ok {
		return load, false
	}
	f := strings.Fields(rest)
	if len(f) != 3 {
		return load, false
	}
	for k, s := range f {
		s = strings.TrimSuffix(s, ",")
		s = strings.Replace(s, ",", ".", 1)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return load, false
		}
		load[k] = v
	}
	return load, true
}

// fileSum returns the first 12 hex digits of path's SHA-256, "" when it
// cannot be read (the run then fails and says why).
func fileSum(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func fmtLoad(l [3]float64) string { return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2]) }
