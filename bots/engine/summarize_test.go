package engine_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

// spanConv is fakeConv that can read spans: n generated messages by four
// authors with code blocks and links.
type spanConv struct {
	*fakeConv
	msgs    []bots.SpanMessage
	queries []bots.SpanQuery
}

func newSpanConv(n int) *spanConv {
	c := &spanConv{fakeConv: newFakeConv()}
	authors := []string{"Alice", "Bruno", "Chiara", "Dieter"}
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("Message %d about the release of service-%d.", i, i%7)
		if i%5 == 1 {
			text += "\n```go\nfunc retry() error { return nil }\n```"
		}
		if i%3 == 2 {
			text += " See https://example.com/issues/" + strconv.Itoa(i)
		}
		c.msgs = append(c.msgs, bots.SpanMessage{ID: strconv.Itoa(1000 + i), Author: authors[i%4], Text: text,
			Time: t0.Add(time.Duration(i) * time.Second), Link: "https://chat.example/m/" + strconv.Itoa(1000+i)})
	}
	return c
}

func (c *spanConv) ReadSpan(_ context.Context, q bots.SpanQuery) (bots.Span, error) {
	c.mu.Lock()
	c.queries = append(c.queries, q)
	c.mu.Unlock()
	msgs := c.msgs
	if len(msgs) > q.Limit {
		msgs = msgs[len(msgs)-q.Limit:]
	}
	return bots.Span{Messages: msgs, Calls: 1}, nil
}

var _ bots.SpanReader = (*spanConv)(nil)

// recOut records what a summary sends.
type recOut struct {
	mu      sync.Mutex
	private []string
	shared  []string
	confirm []string // tokens
}

func (o *recOut) Private(_ context.Context, text string) error {
	o.mu.Lock()
	o.private = append(o.private, text)
	o.mu.Unlock()
	return nil
}

func (o *recOut) Share(_ context.Context, text string) error {
	o.mu.Lock()
	o.shared = append(o.shared, text)
	o.mu.Unlock()
	return nil
}

func (o *recOut) Confirm(_ context.Context, text, label, token string) error {
	o.mu.Lock()
	o.confirm = append(o.confirm, token)
	o.private = append(o.private, text+" ["+label+"]")
	o.mu.Unlock()
	return nil
}

func summarizeCmd(user, text string) bots.Command {
	m := mention("s1", text)
	m.UserID, m.Mentioned = user, false
	return bots.Command{Name: "summarize", Text: text, Msg: m}
}

var lineRefRe = regexp.MustCompile(`(?m)^\[m(\d+)\] `)

// Summaries of 10, 500 and 5,000 messages through the real llm client:
// every message reaches the model in exactly one chunk request, no
// request exceeds the window the server enforces, the result links the
// cited message and usage is recorded.
func TestSummarizeChunksWithinTheWindow(t *testing.T) {
	const window, reply = 8192, 512
	for _, n := range []int{10, 500, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			h := newHarness(t, harnessOptions{
				server: llmtest.Options{ContextTokens: window, Default: llmtest.Scenario{Times: 1 << 20,
					Reply: "Alice decided to ship on Friday [m1]. Bruno asks who tests it [m2, m999]."}},
				engine: func(o *engine.Options) { o.ContextTokens, o.MaxTokens = window, reply },
			})
			conv := newSpanConv(n)
			resp := h.eng.Command(context.Background(), conv, summarizeCmd("U1", ""))
			if resp.Summary == nil {
				t.Fatalf("no summary job: %q", resp.Text)
			}
			out := &recOut{}
			if err := h.eng.Summarize(context.Background(), conv, resp.Summary, out); err != nil {
				t.Fatal(err)
			}
			reqs := h.srv.ChatRequests()
			seen := make([]int, n+1)
			for i, r := range reqs {
				if got := llmtest.PromptTokens(r.Messages) + reply; got > window {
					t.Errorf("request %d: %d prompt+reply tokens, window %d", i, got, window)
				}
				if len(r.Messages) != 2 || r.Messages[0].Role != "system" {
					t.Fatalf("request %d: %d messages", i, len(r.Messages))
				}
				for _, m := range lineRefRe.FindAllStringSubmatch(r.Messages[1].Content, -1) {
					k, _ := strconv.Atoi(m[1])
					seen[k]++
				}
			}
			for k := 1; k <= n; k++ {
				if seen[k] != 1 {
					t.Fatalf("message m%d reached the model %d times", k, seen[k])
				}
			}
			last := out.private[len(out.private)-1]
			if !strings.Contains(last, "[↗]("+conv.msgs[0].Link+")") || strings.Contains(last, "m999") {
				t.Errorf("summary links: %s", last)
			}
			if !strings.HasPrefix(last, "**Summary of "+strconv.Itoa(n)+" messages**") && !strings.Contains(last, "messages**") {
				t.Errorf("summary header: %s", last)
			}
			tot, err := h.store.Usage(context.Background(), bots.ScopeChannel, "slack:C1", bots.Day(h.clk.Now()))
			if err != nil || tot.PromptTokens == 0 {
				t.Errorf("usage not recorded: %+v %v", tot, err)
			}
			t.Logf("%d messages: %d model calls", n, len(reqs))
		})
	}
}

// Above bot.summary_confirm_usd the asker gets a confirm button and the
// model is not called; only the asker's click starts it, once.
func TestSummarizeConfirmsACostlySummary(t *testing.T) {
	h := newHarness(t, harnessOptions{
		server: llmtest.Options{Default: llmtest.Scenario{Times: 1 << 20, Reply: "Done [m1]."}},
		engine: func(o *engine.Options) {
			o.ContextTokens, o.MaxTokens = 8192, 512
			o.Summary = engine.SummaryOptions{InPerMTok: 0.15, OutPerMTok: 0.6, ConfirmUSD: 0.001}
		},
	})
	conv := newSpanConv(2000)
	ctx := context.Background()
	resp := h.eng.Command(ctx, conv, summarizeCmd("U1", "share"))
	out := &recOut{}
	if err := h.eng.Summarize(ctx, conv, resp.Summary, out); err != nil {
		t.Fatal(err)
	}
	if len(out.confirm) != 1 || len(h.srv.ChatRequests()) != 0 || !strings.Contains(out.private[0], "model calls") {
		t.Fatalf("confirm %v, %d model calls, texts %q", out.confirm, len(h.srv.ChatRequests()), out.private)
	}
	click := func(user string) bots.Response {
		c := summarizeCmd(user, "")
		c.Options = map[string]string{"confirm": out.confirm[0]}
		return h.eng.Command(ctx, conv, c)
	}
	if r := click("U2"); r.Summary != nil || !strings.Contains(r.Text, "Only the person") {
		t.Fatalf("another user's click: %+v", r)
	}
	job := click("U1")
	if job.Summary == nil || !job.Summary.Confirmed {
		t.Fatalf("the asker's click: %+v", job)
	}
	if r := click("U1"); r.Summary != nil {
		t.Fatalf("a second click started it again: %+v", r)
	}
	if err := h.eng.Summarize(ctx, conv, job.Summary, out); err != nil {
		t.Fatal(err)
	}
	if len(out.shared) != 1 || len(conv.queries) != 1 {
		t.Fatalf("shared %d, span read %d times (want once)", len(out.shared), len(conv.queries))
	}
}

// Arguments: a count, a duration, a language and share shape the job;
// a bad word is named back; the channel's language wins over the
// asker's, an explicit one over both.
func TestSummarizeArguments(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.Channels = map[string]bots.ChannelSettings{"slack:C2": {Language: ptr("de")}}
	}})
	ctx := context.Background()
	conv := newSpanConv(1)
	r := h.eng.Command(ctx, conv, summarizeCmd("U1", "200 fr share"))
	if j := r.Summary; j == nil || j.Query.Limit != 200 || j.Language != "fr" || !j.Share || j.Query.Key.Channel != "C1" {
		t.Fatalf("job %+v (%q)", r.Summary, r.Text)
	}
	r = h.eng.Command(ctx, conv, summarizeCmd("U1", "24h"))
	if j := r.Summary; j == nil || h.clk.Now().Sub(j.Query.Since) != 24*time.Hour || j.Share {
		t.Fatalf("24h job %+v", r.Summary)
	}
	if r = h.eng.Command(ctx, conv, summarizeCmd("U1", "yesterday")); r.Summary != nil || !strings.Contains(r.Text, "`yesterday`") {
		t.Fatalf("bad word: %+v", r)
	}
	c := summarizeCmd("U1", "")
	c.Msg.Key.Channel, c.Msg.SettingsChannel, c.Msg.Locale = "C2", "C2", "fr-FR"
	if r = h.eng.Command(ctx, conv, c); r.Summary == nil || r.Summary.Language != "de" {
		t.Fatalf("channel language: %+v", r.Summary)
	}
	c.Msg.Key.Channel, c.Msg.SettingsChannel = "C3", "C3"
	if r = h.eng.Command(ctx, conv, c); r.Summary == nil || r.Summary.Language != "fr" {
		t.Fatalf("asker's language: %+v", r.Summary)
	}
	if r = h.eng.Command(ctx, h.conv, summarizeCmd("U1", "")); r.Summary != nil {
		t.Fatalf("an adapter without SpanReader got a job: %+v", r)
	}
	if cmd, ok := h.eng.CatchUp(mention("x", "résume-moi ce fil 200")); !ok || cmd.Text != "200" || cmd.Options["asker_language"] != "fr" {
		t.Fatalf("catch up: %+v %v", cmd, ok)
	}
}
