package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/slack/fakeslack"
)

// loadTest runs the whole load: fakes, bot, questions, waiting, figures.
func loadTest(ctx context.Context, o options, stderr io.Writer) (*results, error) {
	dir, err := os.MkdirTemp("", "mistralbot-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	binary := o.Bot
	if binary == "" {
		fmt.Fprintln(stderr, "loadtest: building ./cmd/mistralbot")
		if binary, err = buildBot(ctx, dir); err != nil {
			return nil, err
		}
	}
	convs := newConversations(o)
	w, err := newWorld(o, convs)
	if err != nil {
		return nil, err
	}
	defer w.close()
	b, err := startBot(ctx, binary, dir, w.env(dir), o.KeepLogs)
	if err != nil {
		return nil, err
	}
	defer b.stop()

	// The idle baseline: the bot connected and ready, nothing asked yet.
	time.Sleep(time.Second)
	idle, err := readProc(b.pid())
	if err != nil {
		return nil, err
	}
	toolIdle, _ := readProc(os.Getpid())
	sampler := startSampler(b.pid(), 50*time.Millisecond)
	prof, heap := startProfiles(o, b)
	slackBase, discordBase := callCounts(w)

	elapsed, deliveries := runLoad(ctx, o, w, b, convs, stderr)
	busy, err := readProc(b.pid())
	toolBusy, _ := readProc(os.Getpid())
	if err != nil {
		return nil, fmt.Errorf("read the bot's /proc (did it exit?): %w\n%s", err, b.tail(30))
	}
	(<-deliveries).Wait()
	peak, cpu := sampler.stop()
	prof.wait(stderr)
	goroutines := heap.wait(stderr)
	res, lines := analyze(o, w, convs, slackBase, discordBase)
	res.LLMConnections = len(w.llmConns.accepted())
	if o.Timeline != "" {
		if err := writeTimeline(o.Timeline, convs, lines, cpu, w.llmConns.accepted(), b.started, prof.traceAsked()); err != nil {
			fmt.Fprintln(stderr, "loadtest: timeline:", err)
		}
	}
	res.Elapsed = elapsed
	res.GoroutinesMidLoad = goroutines
	res.fillProc(idle, busy, peak)
	res.ToolCPUSeconds = toolBusy.cpu.Seconds() - toolIdle.cpu.Seconds()
	res.BotWarnings, res.BotErrors = b.countLevel("WARN"), b.countLevel("ERROR")
	return res, ctx.Err()
}

// startProfiles starts the CPU profile over the whole load and the heap
// profile mid-reply of the last question, when asked for.
func startProfiles(o options, b *bot) (*profileFetch, *heapFetch) {
	var prof profileFetch
	reply := time.Duration(float64(o.ReplyTokens) / o.TokensPerSec * float64(time.Second))
	if o.Profile != "" {
		secs := int((o.Ramp + o.TTFT + reply).Seconds()) + 2
		prof.start(b, "profile", secs, o.Profile)
	}
	if o.Trace != "" {
		// The ramp and the first tokens: where the added latency is.
		var trace profileFetch
		secs := int((o.Ramp + o.TTFT).Seconds()) + 1
		trace.start(b, "trace", secs, o.Trace)
		prof.also = &trace
	}
	var heap heapFetch
	if o.HeapProfile != "" {
		// Mid-reply of the last question: every conversation is in flight.
		at := o.Ramp + o.TTFT + reply/2
		heap.start(b, at, o.HeapProfile)
	}
	return &prof, &heap
}

// callCounts is how many calls the fakes saw before the load, so the
// figures count only the load's.
func callCounts(w *world) (slack, discord int) {
	if w.slack != nil {
		slack = len(w.slack.Calls())
	}
	if w.discord != nil {
		discord = len(w.discord.Requests())
	}
	return slack, discord
}

// runLoad drives the questions and waits until every conversation is
// answered, o.Ramp+o.Timeout passed, ctx ended or the bot exited. The
// channel yields, once the driving is over, the group of Slack
// deliveries still running.
func runLoad(ctx context.Context, o options, w *world, b *bot, convs []*conversation, stderr io.Writer) (time.Duration, <-chan *sync.WaitGroup) {
	start := time.Now()
	tr := newTracker(convs, w)
	var bar *progressBar
	if o.Progress {
		bar = newProgressBar(stderr, len(convs))
	}
	deliveries := make(chan *sync.WaitGroup, 1)
	go func() { deliveries <- drive(ctx, w, b, convs, o) }()
	deadline := time.Now().Add(o.Ramp + o.Timeout)
	for {
		done := tr.poll()
		if bar != nil {
			bar.show(done, tr.sent(), w.rateLimited(), time.Since(start))
		}
		if done == len(convs) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		case <-b.done:
			deadline = time.Now()
		}
	}
	elapsed := time.Since(start)
	if bar != nil {
		bar.finish()
	}
	return elapsed, deliveries
}

// drive sends the questions, spread evenly over o.Ramp. Slack deliveries
// run concurrently (the bot acknowledges each within 3 s); the returned
// group ends when every one was answered.
func drive(ctx context.Context, w *world, b *bot, convs []*conversation, o options) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	start := time.Now()
	for i, c := range convs {
		if o.Ramp > 0 {
			at := start.Add(time.Duration(int64(o.Ramp) * int64(i) / int64(len(convs))))
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return &wg
				}
			}
		}
		switch c.platform {
		case "slack":
			bot := w.slack.Options().BotUserID
			m := w.slack.PostUserMessage(c.channel, "", userID(c.user), "<@"+bot+"> "+c.question())
			mention := w.slack.EventCallback("Ev"+c.marker+"a", w.slack.MessageEvent(m, fakeslack.AppMention))
			message := w.slack.EventCallback("Ev"+c.marker+"m", w.slack.MessageEvent(m, fakeslack.MessageEv))
			c.thread = m.TS
			c.eventAt = time.Now()
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Slack sends both events for a mention in a channel the
				// app reads; the bot must answer once.
				for _, body := range [][]byte{mention, message} {
					status, text, err := w.slack.Deliver(ctx, client, "http://"+b.addr+"/slack/events", fakeslack.Delivery{Body: body})
					if err != nil || status != http.StatusOK {
						w.deliveryFailed(fmt.Sprintf("slack event for %s: status %d %s %v", c.marker, status, strings.TrimSpace(text), err))
					}
				}
			}()
		case "discord":
			bot := w.discord.Bot()
			author := discordtest.User{ID: discordUser(c.user), Username: "user" + strconv.Itoa(c.user), Discriminator: "0"}
			c.eventAt = time.Now()
			m := w.discord.Post(c.channel, discordtest.Post{Author: author, Content: "<@" + bot.ID + "> " + c.question()})
			c.thread = m.ID
		}
		w.sentOne()
	}
	return &wg
}

// profileFetch takes a CPU profile or an execution trace of the bot over
// the load.
type profileFetch struct {
	done chan error
	also *profileFetch // the trace, fetched beside the CPU profile
	// asked is when the request was sent: the trace's clock starts
	// about then (-timeline puts it beside the arrivals).
	asked time.Time
}

// start fetches /debug/pprof/<kind>?seconds=seconds into path.
func (p *profileFetch) start(b *bot, kind string, seconds int, path string) {
	p.done = make(chan error, 1)
	p.asked = time.Now()
	go func() {
		resp, err := b.client.Get("http://" + b.addr + "/debug/pprof/" + kind + "?seconds=" + strconv.Itoa(seconds))
		if err != nil {
			p.done <- err
			return
		}
		p.done <- saveBody(resp, path)
	}()
}

// traceAsked is when the trace was asked for (zero without -trace).
func (p *profileFetch) traceAsked() time.Time {
	if p.also == nil {
		return time.Time{}
	}
	return p.also.asked
}

func (p *profileFetch) wait(stderr io.Writer) {
	if p.also != nil {
		p.also.wait(stderr)
	}
	if p.done == nil {
		return
	}
	if err := <-p.done; err != nil {
		fmt.Fprintln(stderr, "loadtest: profile:", err)
	}
}

// heapFetch takes a heap profile and counts goroutines at one moment.
type heapFetch struct {
	done       chan error
	goroutines int
}

func (h *heapFetch) start(b *bot, after time.Duration, path string) {
	h.done = make(chan error, 1)
	go func() {
		time.Sleep(after)
		resp, err := b.client.Get("http://" + b.addr + "/debug/pprof/goroutine?debug=1")
		if err == nil {
			// "goroutine profile: total N", then the stacks: kept beside
			// the heap profile.
			text, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var first string
			_, _ = fmt.Sscanln(string(text), &first, new(string), new(string), &first)
			h.goroutines, _ = strconv.Atoi(first)
			_ = os.WriteFile(path+".goroutines.txt", text, 0o644)
		}
		// The same moment's runtime.MemStats (HeapInuse, Stack...): the
		// text form ends with them; where the RSS per conversation goes.
		if resp, err := b.client.Get("http://" + b.addr + "/debug/pprof/heap?debug=1"); err == nil {
			_ = saveBody(resp, path+".memstats.txt")
		}
		resp, err = b.client.Get("http://" + b.addr + "/debug/pprof/heap")
		if err != nil {
			h.done <- err
			return
		}
		h.done <- saveBody(resp, path)
	}()
}

func (h *heapFetch) wait(stderr io.Writer) int {
	if h.done == nil {
		return 0
	}
	if err := <-h.done; err != nil {
		fmt.Fprintln(stderr, "loadtest: heap profile:", err)
	}
	return h.goroutines
}

// saveBody writes a 200 response's body to path and closes it.
func saveBody(resp *http.Response, path string) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", resp.Request.URL.Path, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
