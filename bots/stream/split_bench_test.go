package stream

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// longAnswer is a 12,000-character Markdown answer: prose, lists and Go
// code fences, the shape of a long code-help reply.
func longAnswer() string {
	var b strings.Builder
	for b.Len() < 12000 {
		b.WriteString("Here is how to reverse a slice in place, without allocating:\n\n")
		b.WriteString("- swap the ends and walk inwards\n- stop in the middle\n\n")
		b.WriteString("```go\nfunc reverse[T any](s []T) {\n\tfor i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {\n\t\ts[i], s[j] = s[j], s[i]\n\t}\n}\n```\n\n")
		b.WriteString("The loop runs len(s)/2 times; **no** extra memory is used.\n\n")
	}
	return b.String()
}

// BenchmarkSplitMarkdown splits a 12,000-character answer into Discord
// (2,000) and Slack (4,000) messages, re-opening code fences.
func BenchmarkSplitMarkdown(b *testing.B) {
	text := longAnswer()
	for _, limit := range []struct {
		name string
		n    int
	}{{"discord-2000", 2000}, {"slack-4000", 4000}} {
		b.Run(limit.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				parts := SplitMarkdown(text, limit.n, utf8.RuneCountInString)
				if len(parts) < 2 {
					b.Fatal("not split")
				}
			}
		})
	}
}

// nopSink accepts every call at once.
type nopSink struct{ n int }

func (s *nopSink) Post(context.Context, string) (string, error) {
	s.n++
	return fmt.Sprint("m", s.n), nil
}
func (s *nopSink) Edit(context.Context, string, string) error { return nil }

// BenchmarkSplitIncremental streams a 1 MB answer into a Streamer token
// by token (4 bytes each), running its sync, the split path, after every
// token, as a loop with nothing to wait for would; edits of the open
// part are paced (MinInterval) and parts are posted as they fill. It
// reports the bytes the split measured in all, against splitting the
// whole answer once ("x-once": at most 2 is the goal), and the time of
// splitting it once for comparison. "rendered" is a rendering that is not
// additive (Slack's mrkdwn is not): its tail is measured again on each
// split, which sync then does only per quarter part of new text while the
// open message's edit is not due.
func BenchmarkSplitIncremental(b *testing.B) {
	base := longAnswer()
	text := strings.Repeat(base, (1<<20)/len(base)+1)[:1<<20]
	render := func(md string) string { return strings.ReplaceAll(md, "**", "*") }
	for _, tc := range []struct {
		name   string
		limit  int
		render func(string) string
		every  int // tokens per sync
	}{
		{"discord-2000", 2000, nil, 1},
		{"rendered-4000-every-token", 4000, render, 1},
		{"rendered-4000-every-64-tokens", 4000, render, 64},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var measured int64
			count := func(s string) int { measured += int64(len(s)); return utf8.RuneCountInString(s) }
			once := func() int64 {
				measured = 0
				m := count
				if tc.render != nil {
					m = func(s string) int { return count(tc.render(s)) }
				}
				SplitMarkdown(text, tc.limit, m)
				return measured
			}
			onceWork := once()
			st := time.Now()
			once()
			onceTime := time.Since(st)
			var work int64
			for b.Loop() {
				measured = 0
				s := NewStreamer(&nopSink{}, StreamOptions{Limit: tc.limit, Render: tc.render, Measure: count, MinInterval: time.Hour})
				ctx := context.Background()
				for end, tok := 4, 0; ; end += 4 {
					end = min(end, len(text))
					if tok++; tok%tc.every == 0 || end == len(text) {
						if _, err := s.sync(ctx, text[:end], end == len(text)); err != nil {
							b.Fatal(err)
						}
					}
					if end == len(text) {
						break
					}
				}
				work = measured
			}
			b.ReportMetric(float64(work)/float64(onceWork), "x-once")
			b.ReportMetric(float64(work)/(1<<20), "measured-MB")
			b.ReportMetric(float64(onceTime.Microseconds())/1000, "once-ms")
		})
	}
}
