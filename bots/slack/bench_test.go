package slack

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// tokenClock is a proxy in front of the fake LLM that records when the
// first content token of each response passes through.
type tokenClock struct {
	mu    sync.Mutex
	first []time.Time
	srv   *httptest.Server
}

var contentRe = regexp.MustCompile(`"content":"[^"]`)

func newTokenClock(tb testing.TB, target string) *tokenClock {
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	c := &tokenClock{}
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) },
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			resp.Body = &sniffer{rc: resp.Body, c: c}
			return nil
		},
	}
	c.srv = httptest.NewServer(proxy)
	tb.Cleanup(c.srv.Close)
	return c
}

func (c *tokenClock) url(string) string { return c.srv.URL + "/v1" }

func (c *tokenClock) last() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.first) == 0 {
		return time.Time{}
	}
	return c.first[len(c.first)-1]
}

type sniffer struct {
	rc   io.ReadCloser
	c    *tokenClock
	seen bool
}

func (s *sniffer) Read(p []byte) (int, error) {
	n, err := s.rc.Read(p)
	if !s.seen && contentRe.Match(p[:n]) {
		s.seen = true
		s.c.mu.Lock()
		s.c.first = append(s.c.first, time.Now())
		s.c.mu.Unlock()
	}
	return n, err
}

func (s *sniffer) Close() error { return s.rc.Close() }

// words300 is a 300-token answer for the fake LLM (one token per word).
var words300 = strings.TrimSpace(strings.Repeat("Streaming answers token by token keeps people reading while the model writes. ", 25))

// BenchmarkReply300Tokens measures, per 300-token reply at about 100
// tokens per second (Mistral Small's pace): the Slack API calls made
// (calls/reply, and chat.update or chat.appendStream per reply) and the
// time from the fake LLM's first token to the first text the fake Slack
// receives (first-text-ms, median over the iterations, loopback).
//
//	go test ./bots/slack -run '^$' -bench Reply300 -benchtime 5x
func BenchmarkReply300Tokens(b *testing.B) {
	for _, native := range []bool{false, true} {
		b.Run(fmt.Sprintf("native=%v", native), func(b *testing.B) {
			benchReplies(b, native, 10*time.Millisecond)
		})
	}
}

// BenchmarkFirstText is BenchmarkReply300Tokens with an instant model: it
// isolates the adapter's own latency to the first visible text.
func BenchmarkFirstText(b *testing.B) {
	benchReplies(b, false, 0)
}

func benchReplies(b *testing.B, native bool, delay time.Duration) {
	var clock *tokenClock
	h := newHarness(b, harnessOptions{native: native,
		llm: llmtest.Options{Default: llmtest.Scenario{Reply: words300}, Delay: delay},
		llmURL: func(u string) string {
			clock = newTokenClock(b, strings.TrimSuffix(u, "/v1"))
			return clock.url(u)
		}})
	var firstTexts []time.Duration
	var calls, edits int
	for i := 0; b.Loop(); i++ {
		h.fake.ResetCalls()
		// One channel per reply: chat.postMessage is paced per channel
		// (about one per second), which back-to-back replies in one
		// channel would measure instead of the adapter's latency.
		channel := fmt.Sprintf("C0BENCH%d", i)
		m := h.say(channel, "", "U0ALICE", fmt.Sprintf("<@U0BOT> question %d", i))
		want := Mrkdwn(words300)
		if native {
			want = neutralizeMarkdown(words300)
		}
		h.waitReplyText(channel, m.TS, want)
		var first time.Time
		for _, c := range h.fake.Calls() {
			switch c.Method {
			case "chat.postMessage", "chat.startStream":
				if first.IsZero() && c.Params.Get("thread_ts") == m.TS {
					first = c.At
				}
			case "chat.update", "chat.appendStream":
				edits++
			}
			calls++
		}
		firstTexts = append(firstTexts, first.Sub(clock.last()))
	}
	slices.Sort(firstTexts)
	n := float64(len(firstTexts))
	b.ReportMetric(float64(calls)/n, "calls/reply")
	b.ReportMetric(float64(edits)/n, "edits/reply")
	b.ReportMetric(float64(firstTexts[len(firstTexts)/2].Microseconds())/1000, "first-text-ms")
	b.ReportMetric(0, "ns/op")
	var bodies bytes.Buffer
	for _, c := range h.fake.Calls() {
		fmt.Fprintf(&bodies, "%s ", c.Method)
	}
	b.Logf("calls of the last reply: %s", bodies.String())
}
