package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

// The -timeline files: where in the run the added latency's tail is. A
// percentile says how slow the slowest arrivals were, not which ones: the
// per-arrival rows show whether they bunch late in the ramp (cores
// saturated by the replies already streaming), at a moment (a pause, a
// new connection) or anywhere (a lock every arrival passes through). The
// CPU series puts the bot's and this tool's use of the same cores beside
// them, and the fake LLM's accepted connections show when the bot dialed.

// acceptLog is a net.Listener that records when each connection was
// accepted: the fake LLM's, to see the bot open a connection (HTTP/2
// holds up to the server's SETTINGS_MAX_CONCURRENT_STREAMS per
// connection; past that, net/http dials another).
type acceptLog struct {
	net.Listener
	mu sync.Mutex
	at []time.Time
}

func (l *acceptLog) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.at = append(l.at, time.Now())
		l.mu.Unlock()
	}
	return c, err
}

// accepted returns the accept times so far.
func (l *acceptLog) accepted() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.at)
}

// cpuSample is the bot's and this process's CPU time at one moment.
type cpuSample struct {
	at       time.Time
	bot, own time.Duration
}

// writeTimeline writes path (one row per conversation, in arrival order:
// when its event left the fake platform, its added latency, and the two
// calls it is the earliest of) and path.cpu.csv (per sampling interval,
// the bot's and the tool's CPU in cores, and the fake LLM's connections
// accepted in it), and path.conns.csv (when each of those connections
// was accepted, when the bot was started, the origin of its
// GODEBUG=gctrace=1 times, and when -trace asked for the execution
// trace, about its first event). Times are milliseconds from the first
// event.
func writeTimeline(path string, convs []*conversation, lines []timeline, cpu []cpuSample, accepts []time.Time, botStarted, traceAsked time.Time) error {
	var t0 time.Time
	for _, tl := range lines {
		if !tl.event.IsZero() && (t0.IsZero() || tl.event.Before(t0)) {
			t0 = tl.event
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d.Microseconds())/1000) }
	since := func(a, b time.Time) string {
		if a.IsZero() || b.IsZero() {
			return ""
		}
		return ms(a.Sub(b))
	}
	order := make([]int, 0, len(convs))
	for i := range convs {
		if !lines[i].event.IsZero() {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return lines[a].event.Compare(lines[b].event) })
	err := writeCSV(path, func(w *bufio.Writer) {
		fmt.Fprintln(w, "arrival,conversation,platform,event_ms,added_ms,event_to_llm_ms,event_to_platform_ms")
		for n, i := range order {
			tl := lines[i]
			fmt.Fprintf(w, "%d,%d,%s,%s,%s,%s,%s\n", n, i, convs[i].platform, since(tl.event, t0),
				since(tl.firstCall, tl.event), since(tl.llmRequest, tl.event), since(tl.firstPlatform, tl.event))
		}
	})
	if err != nil {
		return err
	}
	err = writeCSV(path+".conns.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "event,at_ms")
		fmt.Fprintf(w, "bot started,%s\n", since(botStarted, t0))
		if !traceAsked.IsZero() {
			fmt.Fprintf(w, "trace asked,%s\n", since(traceAsked, t0))
		}
		for _, at := range accepts {
			fmt.Fprintf(w, "llm connection accepted,%s\n", since(at, t0))
		}
	})
	if err != nil {
		return err
	}
	return writeCSV(path+".cpu.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "from_ms,to_ms,bot_cores,tool_cores,llm_conns_accepted")
		for k := 1; k < len(cpu); k++ {
			a, b := cpu[k-1], cpu[k]
			wall := b.at.Sub(a.at).Seconds()
			if wall <= 0 {
				continue
			}
			conns := 0
			for _, at := range accepts {
				if !at.Before(a.at) && at.Before(b.at) {
					conns++
				}
			}
			fmt.Fprintf(w, "%s,%s,%.2f,%.2f,%d\n", since(a.at, t0), since(b.at, t0),
				(b.bot-a.bot).Seconds()/wall, (b.own-a.own).Seconds()/wall, conns)
		}
	})
}

func writeCSV(path string, rows func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	rows(w)
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
