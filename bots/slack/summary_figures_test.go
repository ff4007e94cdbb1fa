package slack

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/store"
	"mistralbot/llm/llmtest"
)

// The figures of BENCHMARKS.md ("Summarizing 5,000 Slack messages"):
// go test -run TestSummaryFigures -v ./bots/slack/
//
// The model side runs for real (fakeslack, the adapter, the Engine, the
// llm client, llmtest) at Small 3.2's window; the read under the
// non-Marketplace limits, which waits hours, runs on synctest's clock.
func TestSummaryFigures(t *testing.T) {
	for _, window := range []int{128000, 32768} {
		t.Run("model/"+strconv.Itoa(window), func(t *testing.T) {
			mem := store.NewMemory(store.MemoryOptions{})
			h := newHarness(t, harnessOptions{
				llm: llmtest.Options{ContextTokens: window, Default: llmtest.Scenario{Times: 1 << 20,
					Reply: "Alice decided to ship on Friday [m1]. " + strings.Repeat("Bob will test it [m2]. ", 40)}},
				engine: func(o *engine.Options) {
					o.ContextTokens, o.MaxTokens, o.Store = window, 1024, mem
					o.Summary = engine.SummaryOptions{InPerMTok: 0.075, OutPerMTok: 0.20, MaxMessages: 5000}
				},
			})
			g := h.fake.GenerateThread("C0GENERAL", 5000, time.Now().Add(-48*time.Hour), 30*time.Second)
			start := time.Now()
			h.interaction(h.fake.MessageShortcut(SummarizeThreadCallbackID, h.fake.Thread("C0GENERAL", g.ThreadTS)[0], "U0BOB"))
			h.waitFor("the summary", func() bool {
				for _, r := range h.fake.Responses() {
					if strings.Contains(r.Text, "5,000") && strings.Contains(r.Text, "Friday") {
						return true
					}
				}
				return false
			})
			took := time.Since(start)
			seen := make([]int, 5001)
			ref := regexp.MustCompile(`(?m)^\[m(\d+)\] `)
			for _, r := range h.llm.ChatRequests() {
				if p := llmtest.PromptTokens(r.Messages) + 1024; p > window {
					t.Errorf("a request of %d tokens with the reply budget, window %d", p, window)
				}
				for _, m := range ref.FindAllStringSubmatch(r.Messages[len(r.Messages)-1].Content, -1) {
					n, _ := strconv.Atoi(m[1])
					seen[n]++
				}
			}
			for i := 1; i <= 5000; i++ {
				if seen[i] != 1 {
					t.Fatalf("m%d reached the model %d times", i, seen[i])
				}
			}
			tot, err := mem.Usage(context.Background(), bots.ScopeChannel, "slack:C0GENERAL", bots.Day(time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			reads := len(h.fake.CallsTo("conversations.replies"))
			if got := h.fake.RateLimited(); got != 0 {
				t.Errorf("%d 429s", got)
			}
			t.Logf("FIGURES window=%d: platform reads=%d (conversations.replies), 429s=%d, model calls=%d, prompt tokens=%d, completion tokens=%d, cost=$%.4f, wall time=%v",
				window, reads, h.fake.RateLimited(), len(h.llm.ChatRequests()), tot.PromptTokens, tot.CompletionTokens, tot.CostUSD, took.Round(time.Millisecond))
		})
	}
	for _, reduced := range []bool{false, true} {
		t.Run(fmt.Sprintf("read/non-marketplace=%v", reduced), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDirect(t, false, fakeslack.Options{NonMarketplace: reduced})
				d.a.opts.ReducedReads = reduced
				d.a.teams.Clear()
				g := d.fake.GenerateThread("C0GENERAL", 5000, spanStart, 30*time.Second)
				key := bots.ConversationKey{Platform: bots.Slack, Team: fakeslack.DefaultTeamID, Channel: "C0GENERAL", Thread: g.ThreadTS}
				span, err := d.a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 5000})
				want := 5000
				if reduced {
					want = maxReducedPages * reducedReadPageSize // the read stops within summaryTimeout
				}
				if err != nil || len(span.Messages) != want || d.fake.RateLimited() != 0 || span.Truncated != reduced {
					t.Fatalf("%d messages (want %d), truncated %v, %d 429s, err %v", len(span.Messages), want, span.Truncated, d.fake.RateLimited(), err)
				}
				t.Logf("FIGURES read non-marketplace=%v: %d messages read, platform reads=%d, 429s=%d, waiting on the read budget=%v",
					reduced, len(span.Messages), span.Calls, span.RateLimited, span.Waited)
				if reduced {
					// The whole thread, unbounded: what reading all 5,000 would wait.
					full := (5000 + reducedReadPageSize - 1) / reducedReadPageSize
					t.Logf("FIGURES read non-marketplace, all 5,000: %d reads at 1 a minute = %v of waiting", full, time.Duration(full-1)*time.Minute)
				}
			})
		})
	}
}
