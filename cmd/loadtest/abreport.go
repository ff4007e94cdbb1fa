package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// abRun is one run of a comparison.
type abRun struct {
	Binary  string    `json:"binary"` // "old" or "new"
	Path    string    `json:"path"`
	Run     int       `json:"run"` // 1, 2, ... for each binary
	Started time.Time `json:"started"`
	// Uptime is `uptime`'s line just before the run; Load its 1, 5 and
	// 15 minute load averages.
	Uptime  string     `json:"uptime"`
	Load    [3]float64 `json:"load_average"`
	Results *results   `json:"results,omitempty"`
	Error   string     `json:"error,omitempty"`
}

// failed reports whether the run did not measure, or lost or duplicated a
// reply.
func (r abRun) failed() bool {
	return r.Error != "" || r.Results == nil || r.Results.Lost > 0 || r.Results.Duplicated > 0
}

// spread is a figure over a binary's runs: the median and the range.
type spread struct {
	N      int     `json:"n"` // runs that measured it
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// newSpread summarizes xs; the median of an even count is the mean of the
// middle two.
func newSpread(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{N: len(s), Median: m, Min: s[0], Max: s[len(s)-1]}
}

// abFigure is one figure compared.
type abFigure struct {
	Name string `json:"name"`
	Old  spread `json:"old"`
	New  spread `json:"new"`
	// Ratio is New.Median / Old.Median, nil when either is not measured
	// or the old median is 0.
	Ratio *float64 `json:"ratio_new_over_old,omitempty"`

	unit string
	prec int
}

// abReport is a comparison: every run, and the figures over them.
type abReport struct {
	Options options `json:"options"`
	Old     string  `json:"old_binary,omitempty"`
	New     string  `json:"new_binary"`
	PerBin  int     `json:"runs_per_binary"`
	// OldSum and NewSum start the binaries' SHA-256: which build each
	// figure is of (the builds carry no VCS stamp with -buildvcs=false).
	OldSum  string     `json:"old_sha256,omitempty"`
	NewSum  string     `json:"new_sha256,omitempty"`
	Runs    []abRun    `json:"runs"`
	Figures []abFigure `json:"figures"`
}

// metric is how one figure is read from a run's results (ok false when
// the run did not measure it) and printed: its unit, and its decimals
// (adaptive: -1).
type metric struct {
	name  string
	unit  string
	prec  int
	value func(r *results) (v float64, ok bool)
}

// adaptive prints a figure in ms with two decimals below 10, one below
// 100, none above (of the largest value shown).
const adaptive = -1

// latencyMetrics are the latency rows of one group of replies; suffix
// names the group (" (discord)"), "" for all.
func latencyMetrics(suffix string, of func(r *results) latencies) []metric {
	d := func(name string, pick func(l latencies) dist, p99 bool) metric {
		return metric{name: name + suffix, unit: "ms", prec: adaptive, value: func(r *results) (float64, bool) {
			x := pick(of(r))
			if p99 {
				return x.P99, x.N > 0
			}
			return x.P50, x.N > 0
		}}
	}
	var ms []metric
	for _, f := range []struct {
		name string
		pick func(l latencies) dist
	}{
		{"added latency", func(l latencies) dist { return l.AddedLatency }},
		{"event → LLM request", func(l latencies) dist { return l.EventToLLM }},
		{"event → first platform call", func(l latencies) dist { return l.EventToPlatform }},
		{"first-visible-text gap", func(l latencies) dist { return l.FirstTextGap }},
		{"completion gap", func(l latencies) dist { return l.CompletionGap }},
	} {
		ms = append(ms, d(f.name+" p50", f.pick, false), d(f.name+" p99", f.pick, true))
	}
	return append(ms,
		metric{"replies shown whole at once" + suffix, "", 0, func(r *results) (float64, bool) { return float64(of(r).WholeAtOnce), true }},
		metric{"platform calls per reply (attributed)" + suffix, "", 2, func(r *results) (float64, bool) { return of(r).CallsPerReply, of(r).Replies > 0 }},
	)
}

// metrics are the figures compared, in the one-run table's order; the
// latencies per platform too when there are several.
func metrics(platforms []string) []metric {
	ms := latencyMetrics("", func(r *results) latencies { return r.All })
	if len(platforms) > 1 {
		for _, p := range platforms {
			ms = append(ms, latencyMetrics(" ("+p+")", func(r *results) latencies { return r.ByPlatform[p] })...)
		}
	}
	always := func(f func(r *results) float64) func(r *results) (float64, bool) {
		return func(r *results) (float64, bool) { return f(r), true }
	}
	return append(ms,
		metric{"platform calls per reply (all calls)", "", 2, func(r *results) (float64, bool) { return r.CallsPerReply, r.Completed > 0 }},
		metric{"platform 429s received", "", 0, always(func(r *results) float64 { return float64(r.RateLimited) })},
		metric{"bot CPU per reply", "ms", adaptive, func(r *results) (float64, bool) { return r.CPUPerReplyMS, r.Completed > 0 }},
		metric{"bot CPU total", "s", 2, always(func(r *results) float64 { return r.CPUSeconds })},
		metric{"load tool (fakes) CPU", "s", 2, always(func(r *results) float64 { return r.ToolCPUSeconds })},
		metric{"bot RSS idle", "MB", 1, always(func(r *results) float64 { return float64(r.IdleRSSKB) / 1024 })},
		metric{"bot RSS peak", "MB", 1, always(func(r *results) float64 { return float64(r.PeakRSSKB) / 1024 })},
		metric{"RSS per in-flight conversation", "KB", 1, func(r *results) (float64, bool) { return r.RSSPerInFlightKB, r.PeakInFlight > 0 }},
		metric{"peak in flight", "", 0, always(func(r *results) float64 { return float64(r.PeakInFlight) })},
		metric{"bot goroutines mid-load", "", 0, func(r *results) (float64, bool) { return float64(r.GoroutinesMidLoad), r.GoroutinesMidLoad > 0 }},
		metric{"goroutines per in-flight conversation", "", 2, func(r *results) (float64, bool) {
			return float64(r.GoroutinesMidLoad) / float64(max(r.PeakInFlight, 1)), r.GoroutinesMidLoad > 0
		}},
		metric{"LLM requests (retries included)", "", 0, always(func(r *results) float64 { return float64(r.LLMRequests) })},
		metric{"bot log warnings", "", 0, always(func(r *results) float64 { return float64(r.BotWarnings) })},
		metric{"bot log errors", "", 0, always(func(r *results) float64 { return float64(r.BotErrors) })},
		metric{"took", "s", 1, always(func(r *results) float64 { return r.Elapsed.Seconds() })},
	)
}

// aggregate computes the figures from the runs that have results (a run
// that lost replies still counts: its figures are what it measured).
func (rep *abReport) aggregate() {
	rep.Figures = nil
	for _, m := range metrics(rep.Options.Platforms) {
		by := map[string][]float64{}
		for _, run := range rep.Runs {
			if run.Results == nil {
				continue
			}
			if v, ok := m.value(run.Results); ok {
				by[run.Binary] = append(by[run.Binary], v)
			}
		}
		f := abFigure{Name: m.name, Old: newSpread(by["old"]), New: newSpread(by["new"]), unit: m.unit, prec: m.prec}
		if f.Old.N > 0 && f.New.N > 0 && f.Old.Median != 0 {
			ratio := f.New.Median / f.Old.Median
			f.Ratio = &ratio
		}
		rep.Figures = append(rep.Figures, f)
	}
}

// exitCode is 0 when every run delivered every reply once, else 1 (or
// when the comparison was cut short: err).
func (rep *abReport) exitCode(err error) int {
	if err != nil || len(rep.Runs) == 0 {
		return 1
	}
	for _, run := range rep.Runs {
		if run.failed() {
			return 1
		}
	}
	return 0
}

// write prints the comparison for a person: the scenario, each run, and
// per figure each binary's median (min-max) and new/old.
func (rep *abReport) write(out io.Writer) {
	o := rep.Options
	title := fmt.Sprintf("mistralbot A/B load test, %d runs of each binary alternated (old first)", o.AB.Runs)
	if rep.Old == "" {
		title = fmt.Sprintf("mistralbot load test, %d runs", o.AB.Runs)
	}
	writeScenario(out, o, title, "")
	if rep.Old != "" {
		fmt.Fprintf(out, "old: %s%s\n", rep.Old, sumNote(rep.OldSum))
	}
	fmt.Fprintf(out, "new: %s%s\n\n", rep.New, sumNote(rep.NewSum))

	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tbinary\tstarted (UTC)\tload average 1/5/15 min\tcompleted / lost / duplicated\t429s\ttook")
	for i, run := range rep.Runs {
		outcome, limited, took := "failed: "+firstLine(run.Error), "-", "-"
		if r := run.Results; r != nil {
			outcome = fmt.Sprintf("%d / %d / %d", r.Completed, r.Lost, r.Duplicated)
			if run.Error != "" {
				outcome += " (" + firstLine(run.Error) + ")"
			}
			limited, took = fmt.Sprint(r.RateLimited), r.Elapsed.Round(100*time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s %d\t%s\t%s\t%s\t%s\t%s\n", i+1, run.Binary, run.Run, run.Started.Format("15:04:05"),
			fmtLoad(run.Load), outcome, limited, took)
	}
	tw.Flush()
	fmt.Fprintln(out)

	tw = tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	if rep.Old != "" {
		fmt.Fprintln(tw, "figure\told: median (min-max)\tnew: median (min-max)\tnew/old")
	} else {
		fmt.Fprintln(tw, "figure\tmedian (min-max)")
	}
	for _, f := range rep.Figures {
		if f.Old.N == 0 && f.New.N == 0 {
			continue // not measured in this scenario (goroutines without -heapprofile)
		}
		if rep.Old == "" {
			fmt.Fprintf(tw, "%s\t%s\n", f.Name, f.New.show(f.unit, f.prec))
			continue
		}
		ratio := "-"
		if f.Ratio != nil {
			ratio = fmt.Sprintf("%.2f", *f.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Old.show(f.unit, f.prec), f.New.show(f.unit, f.prec), ratio)
	}
	tw.Flush()
	for _, run := range rep.Runs {
		if run.Results == nil {
			continue
		}
		for _, l := range run.Results.LostExamples {
			fmt.Fprintf(out, "lost (%s %d): %s\n", run.Binary, run.Run, l)
		}
	}
}

// show prints a spread as "median unit (min-max)": "38 ms (36-39)"; "-"
// when not measured.
func (s spread) show(unit string, prec int) string {
	if s.N == 0 {
		return "-"
	}
	num := func(v float64) string {
		p := prec
		if p == adaptive {
			switch {
			case s.Max < 10:
				p = 2
			case s.Max < 100:
				p = 1
			default:
				p = 0
			}
		}
		return strconv.FormatFloat(v, 'f', p, 64)
	}
	out := num(s.Median)
	if unit != "" {
		out += " " + unit
	}
	if s.N > 1 {
		out += " (" + num(s.Min) + "-" + num(s.Max) + ")"
	}
	return out
}

func sumNote(sum string) string {
	if sum == "" {
		return ""
	}
	return " (sha256 " + sum + ")"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
