package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// dist summarizes durations: count, median, 99th percentile, maximum.
type dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// newDist summarizes ds (nearest-rank percentiles).
func newDist(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return dist{N: len(ds), P50: ms(rank(0.50)), P99: ms(rank(0.99)), Max: ms(ds[len(ds)-1])}
}

func (d dist) String() string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s", fmtMS(d.P50), fmtMS(d.P99))
}

func fmtMS(ms float64) string {
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 10000:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.1f s", ms/1000)
	}
}

// latencies are the per-conversation delays of one group of replies.
type latencies struct {
	Replies      int  `json:"replies"`
	AddedLatency dist `json:"added_latency"`
	EventToLLM   dist `json:"event_to_llm_request"`
	// EventToPlatform is the event -> the bot's first platform request
	// for it (Slack's status or post, Discord's thread): what the store
	// round trips before it hold up (issue 12).
	EventToPlatform dist `json:"event_to_platform_call"`
	FirstTextGap    dist `json:"first_visible_text_gap"`
	// WholeAtOnce counts the replies whose first visible text was the
	// whole answer: the platform budget had no room to show them while
	// they streamed (they are not in FirstTextGap).
	WholeAtOnce   int     `json:"shown_whole_at_once"`
	CompletionGap dist    `json:"completion_gap"`
	CallsPerReply float64 `json:"platform_calls_per_reply"`
}

// results are what a run measured.
type results struct {
	Options       options       `json:"options"`
	Conversations int           `json:"conversations"`
	Completed     int           `json:"completed"`
	Lost          int           `json:"lost"`
	Duplicated    int           `json:"duplicated"`
	Elapsed       time.Duration `json:"elapsed_ns"`

	All         latencies            `json:"all"`
	ByPlatform  map[string]latencies `json:"by_platform"`
	LLMRequests int                  `json:"llm_requests"`
	// LLMConnections is how many connections the fake LLM accepted from
	// the bot (over HTTP/2, each holds up to 250 streams, Go's server
	// default).
	LLMConnections int `json:"llm_connections"`

	PlatformCalls int            `json:"platform_calls"`
	CallsPerReply float64        `json:"platform_calls_per_reply"`
	RateLimited   int            `json:"rate_limited_429s"`
	RateLimitedBy map[string]int `json:"rate_limited_by_route,omitempty"`
	// Injected429s and Injected502s are the faults -discord-fault-rate
	// and -discord-storm served (not counted in RateLimited).
	Injected429s int `json:"injected_429s,omitempty"`
	Injected502s int `json:"injected_502s,omitempty"`

	CPUSeconds    float64 `json:"bot_cpu_seconds"`
	CPUPerReplyMS float64 `json:"bot_cpu_ms_per_reply"`
	// ToolCPUSeconds is what the fakes (this process) used meanwhile: on a
	// small machine they compete with the bot for the same cores.
	ToolCPUSeconds   float64 `json:"load_tool_cpu_seconds"`
	IdleRSSKB        int64   `json:"idle_rss_kb"`
	PeakRSSKB        int64   `json:"peak_rss_kb"`
	PeakInFlight     int     `json:"peak_in_flight"`
	RSSPerInFlightKB float64 `json:"rss_kb_per_in_flight"`
	// GoroutinesMidLoad is the bot's goroutine count mid-load (with
	// -heapprofile).
	GoroutinesMidLoad int `json:"goroutines_mid_load,omitempty"`

	BotWarnings      int      `json:"bot_log_warnings"`
	BotErrors        int      `json:"bot_log_errors"`
	DeliveryFailures []string `json:"delivery_failures,omitempty"`
	LostExamples     []string `json:"lost_examples,omitempty"`
}

// figures computes the latency distributions, overall and per platform.
func (r *results) figures(convs []*conversation, lines []timeline) {
	r.ByPlatform = map[string]latencies{}
	end := time.Now()
	r.All = latencyOf(convs, lines, "")
	for _, p := range r.Options.Platforms {
		r.ByPlatform[p] = latencyOf(convs, lines, p)
	}
	for _, tl := range lines {
		r.LLMRequests += tl.llmRequests
	}
	r.PeakInFlight = peakInFlight(lines, end)
	if r.Completed > 0 {
		r.CallsPerReply = float64(r.PlatformCalls) / float64(r.Completed)
	}
}

func latencyOf(convs []*conversation, lines []timeline, platform string) latencies {
	var added, toLLM, toPlatform, first, completion []time.Duration
	var l latencies
	calls := 0
	for i, c := range convs {
		if platform != "" && c.platform != platform {
			continue
		}
		tl := lines[i]
		l.Replies++
		calls += tl.calls
		if !tl.firstCall.IsZero() && !tl.event.IsZero() {
			added = append(added, tl.firstCall.Sub(tl.event))
		}
		if !tl.llmRequest.IsZero() && !tl.event.IsZero() {
			toLLM = append(toLLM, tl.llmRequest.Sub(tl.event))
		}
		if !tl.firstPlatform.IsZero() && !tl.event.IsZero() {
			toPlatform = append(toPlatform, tl.firstPlatform.Sub(tl.event))
		}
		switch {
		case !tl.firstText.IsZero() && tl.firstText.Equal(tl.final):
			l.WholeAtOnce++
		case !tl.firstText.IsZero() && !tl.firstToken.IsZero():
			first = append(first, tl.firstText.Sub(tl.firstToken))
		}
		if !tl.final.IsZero() && !tl.lastToken.IsZero() {
			completion = append(completion, tl.final.Sub(tl.lastToken))
		}
	}
	l.AddedLatency, l.EventToLLM, l.EventToPlatform = newDist(added), newDist(toLLM), newDist(toPlatform)
	l.FirstTextGap, l.CompletionGap = newDist(first), newDist(completion)
	if l.Replies > 0 {
		l.CallsPerReply = float64(calls) / float64(l.Replies)
	}
	return l
}

// fillProc sets the CPU and memory figures from /proc readings.
func (r *results) fillProc(idle, busy procStat, peakRSSKB int64) {
	r.CPUSeconds = busy.cpu.Seconds() - idle.cpu.Seconds()
	if r.Completed > 0 {
		r.CPUPerReplyMS = r.CPUSeconds * 1000 / float64(r.Completed)
	}
	r.IdleRSSKB = idle.rssKB
	r.PeakRSSKB = max(peakRSSKB, busy.rssKB)
	if r.PeakInFlight > 0 {
		r.RSSPerInFlightKB = float64(r.PeakRSSKB-r.IdleRSSKB) / float64(r.PeakInFlight)
	}
}

// writeScenario prints the two lines that say what was run, the first
// starting with title, the second ending with tail.
func writeScenario(out io.Writer, o options, title, tail string) {
	fmt.Fprintf(out, "%s: %d conversations on %s, %d channels per platform, %d people\n",
		title, o.Conversations, strings.Join(o.Platforms, "+"), o.Channels, o.Users)
	proto := "HTTP/1.1"
	if o.LLMTLS {
		proto = "HTTPS, HTTP/2"
	}
	global := "none"
	if o.DiscordGlobal > 0 {
		global = fmt.Sprintf("%d/s", o.DiscordGlobal)
	}
	fmt.Fprintf(out, "fake LLM (%s): first token after %v, %.0f tokens/s, %d tokens per reply, %.0f%% errors; questions over %v; store %s; Discord global limit %s%s\n",
		proto, o.TTFT, o.TokensPerSec, o.ReplyTokens, o.ErrorRate*100, o.Ramp, o.Store, global, tail)
}

// writeTable prints the results for a person.
func writeTable(out io.Writer, r *results) {
	o := r.Options
	writeScenario(out, o, "mistralbot load test", "; took "+r.Elapsed.Round(100*time.Millisecond).String())
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	cols := append([]string{"all"}, o.Platforms...)
	fmt.Fprintf(tw, "figure\t%s\ttarget\n", strings.Join(cols, "\t"))
	row := func(name string, f func(l latencies) string, target string) {
		vals := []string{f(r.All)}
		for _, p := range o.Platforms {
			vals = append(vals, f(r.ByPlatform[p]))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, strings.Join(vals, "\t"), target)
	}
	fmt.Fprintf(tw, "replies completed / lost / duplicated\t%d / %d / %d\t%s\t%d / 0 / 0\n",
		r.Completed, r.Lost, r.Duplicated, strings.Repeat("\t", len(o.Platforms)-1), r.Conversations)
	row("added latency p50 / p99 (event → first call out)", func(l latencies) string { return l.AddedLatency.String() }, "p99 ≤ 5 ms")
	row("event → LLM request p50 / p99", func(l latencies) string { return l.EventToLLM.String() }, "")
	row("event → first platform call p50 / p99", func(l latencies) string { return l.EventToPlatform.String() }, "")
	row("first-visible-text gap p50 / p99 (streamed replies)", func(l latencies) string { return l.FirstTextGap.String() }, "p50 ≤ 10 ms")
	row("replies shown whole at once (no budget to stream)", func(l latencies) string { return fmt.Sprint(l.WholeAtOnce) }, "")
	row("completion gap p50 / p99", func(l latencies) string { return l.CompletionGap.String() }, "p99 ≤ 1 s + budget wait")
	row("platform calls per reply (attributed)", func(l latencies) string { return fmt.Sprintf("%.2f", l.CallsPerReply) }, "")
	fmt.Fprintf(tw, "platform calls per reply (all calls)\t%.2f\t%s\t\n", r.CallsPerReply, strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "platform 429s received\t%d\t%s\t0\n", r.RateLimited, strings.Repeat("\t", len(o.Platforms)-1))
	if o.DiscordFaults > 0 || o.DiscordStorm > 0 {
		fmt.Fprintf(tw, "injected Discord 429s / 502s (thread creations, edits)\t%d / %d\t%s\t\n", r.Injected429s, r.Injected502s, strings.Repeat("\t", len(o.Platforms)-1))
	}
	fmt.Fprintf(tw, "bot CPU per reply\t%.2f ms (%.1f s total)\t%s\t≤ 2 ms\n", r.CPUPerReplyMS, r.CPUSeconds, strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "load tool (fakes) CPU, same machine\t%.1f s (%.0f%% of one core)\t%s\t\n", r.ToolCPUSeconds,
		100*r.ToolCPUSeconds/max(r.Elapsed.Seconds(), 0.001), strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "bot RSS idle → peak\t%.1f → %.1f MB\t%s\t\n", float64(r.IdleRSSKB)/1024, float64(r.PeakRSSKB)/1024, strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "RSS per in-flight conversation\t%.1f KB (peak %d in flight)\t%s\t≤ 64 KB\n", r.RSSPerInFlightKB, r.PeakInFlight, strings.Repeat("\t", len(o.Platforms)-1))
	if r.GoroutinesMidLoad > 0 {
		fmt.Fprintf(tw, "bot goroutines mid-load\t%d (%.1f per in-flight conversation)\t%s\t\n", r.GoroutinesMidLoad,
			float64(r.GoroutinesMidLoad)/float64(max(r.PeakInFlight, 1)), strings.Repeat("\t", len(o.Platforms)-1))
	}
	fmt.Fprintf(tw, "LLM requests (retries included)\t%d\t%s\t\n", r.LLMRequests, strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "LLM connections opened\t%d\t%s\t\n", r.LLMConnections, strings.Repeat("\t", len(o.Platforms)-1))
	fmt.Fprintf(tw, "bot log warnings / errors\t%d / %d\t%s\t\n", r.BotWarnings, r.BotErrors, strings.Repeat("\t", len(o.Platforms)-1))
	tw.Flush()
	for route, n := range r.RateLimitedBy {
		fmt.Fprintf(out, "429s: %d on %s\n", n, route)
	}
	for _, f := range r.DeliveryFailures[:min(len(r.DeliveryFailures), 5)] {
		fmt.Fprintln(out, "delivery failed:", f)
	}
	for _, l := range r.LostExamples {
		fmt.Fprintln(out, "lost:", l)
	}
}

// writeJSON writes the results (a run's, or an A/B comparison's) to path.
func writeJSON(path string, r any) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
