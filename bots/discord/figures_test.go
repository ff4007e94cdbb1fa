package discord

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// firstToken records when the first content token of each LLM response
// reaches the bot (read from the SSE body).
type firstToken struct {
	base  http.RoundTripper
	mu    sync.Mutex
	times []time.Time
}

func (f *firstToken) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		return resp, err
	}
	resp.Body = &tokenWatch{ReadCloser: resp.Body, f: f}
	return resp, nil
}

type tokenWatch struct {
	io.ReadCloser
	f    *firstToken
	seen bool
	buf  []byte
}

var contentKey = []byte(`"content":"`)

func (w *tokenWatch) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if !w.seen && n > 0 {
		w.buf = append(w.buf, p[:n]...)
		for i := bytes.Index(w.buf, contentKey); i >= 0; {
			rest := w.buf[i+len(contentKey):]
			if len(rest) > 0 && rest[0] != '"' {
				w.seen = true
				w.f.mu.Lock()
				w.f.times = append(w.f.times, time.Now())
				w.f.mu.Unlock()
				break
			}
			j := bytes.Index(rest, contentKey)
			if j < 0 {
				break
			}
			i += len(contentKey) + j
		}
	}
	return n, err
}

// BenchmarkReply300Tokens measures, for one mention answered with a
// 300-token reply streamed at about 125 tokens/s under Discord's real
// pacing (5 writes per 5 s per channel, edits at most every second):
//   - api-calls/reply: every Discord REST call the bot made for it
//     (thread, typing, posts, edits, history);
//   - first-text-ms: time from the first token reaching the bot to the
//     fake Discord receiving the first text (median over the runs);
//   - 429s: rate-limited calls (target 0).
//
// Run: go test -run XXX -bench Reply300Tokens -benchtime 10x ./bots/discord/
func BenchmarkReply300Tokens(b *testing.B) {
	ft := &firstToken{base: http.DefaultTransport}
	h := newHarness(b, harnessConfig{
		fake: discordtest.Options{BucketWindow: 5 * time.Second},
		adapter: func(o *Options) {
			o.MinEditInterval = 0 // the default, 1 s
		},
		llmClient: &http.Client{Transport: ft},
	})
	tokens := make([]string, 300)
	for i := range tokens {
		tokens[i] = " word"
		if i == 0 {
			tokens[i] = "word"
		}
		if i%40 == 39 {
			tokens[i] = "\n\nword"
		}
	}
	reply := strings.TrimSpace(strings.Join(tokens, ""))
	h.llm.SetDefault(llmtest.Scenario{Tokens: tokens, Delay: 8 * time.Millisecond})
	var latencies []time.Duration
	calls := 0
	routes := map[string]int{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := len(h.dc.Requests())
		q := h.mention("benchmark question")
		h.waitExact(q.ID, reply)
		h.waitFor("engine idle", 5*time.Second, func() bool { return h.eng.InFlight() == 0 })
		reqs := h.dc.Requests()[before:]
		calls += len(reqs)
		for _, r := range reqs {
			routes[routeOf(r.Method, strings.Split(strings.Trim(r.Path, "/"), "/"))]++
		}
		ft.mu.Lock()
		tok := ft.times[len(ft.times)-1]
		ft.mu.Unlock()
		for _, r := range reqs {
			if r.Method == "POST" && r.Path == "/channels/"+q.ID+"/messages" {
				latencies = append(latencies, r.At.Sub(tok))
				break
			}
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(calls)/float64(b.N), "api-calls/reply")
	if len(latencies) > 0 {
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "first-text-ms")
	}
	b.ReportMetric(float64(h.dc.Count429()), "429s")
	for r, n := range routes {
		b.Logf("%-45s %.1f per reply", r, float64(n)/float64(b.N))
	}
}
