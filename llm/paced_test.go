package llm

import (
	"context"
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// TestStreamReadInBatchesAfterFirstText: the body is read chunk by chunk
// until the first visible text, then at most once per ReadInterval; every
// token still arrives, in order.
func TestStreamReadInBatchesAfterFirstText(t *testing.T) {
	var toks []string
	for i := range 60 {
		toks = append(toks, " t"+strings.Repeat("x", i%3))
	}
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI,
		Default: llmtest.Scenario{Tokens: toks, Delay: 3 * time.Millisecond}},
		Options{Dialect: OpenAI, Model: "m", ReadInterval: 40 * time.Millisecond})
	start := time.Now()
	s, err := h.c.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	pr := s.pr // the stream forgets it at its end
	if pr.paced {
		t.Fatal("the stream is paced before any text arrived")
	}
	first, err := s.Next()
	if err != nil || first == "" {
		t.Fatalf("first Next = %q, %v", first, err)
	}
	if !pr.paced {
		t.Fatal("the stream is not paced after the first text")
	}
	rest, err := drain(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := first+rest, strings.Join(toks, ""); got != want {
		t.Fatalf("text = %q, want %q", got, want)
	}
	// 60 chunks 3 ms apart: unpaced, about 60 reads; paced, at most one
	// per 40 ms of the stream's life (plus the reads before the first
	// text and the final one).
	limit := int(time.Since(start)/(40*time.Millisecond)) + 4
	if pr.reads > limit || pr.reads >= 60 {
		t.Errorf("%d reads of the body, want at most %d", pr.reads, limit)
	}
}

// TestStreamUnpacedWhenReadIntervalNegative: ReadInterval < 0 reads every
// chunk as it comes.
func TestStreamUnpacedWhenReadIntervalNegative(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI,
		Default: llmtest.Scenario{Reply: "a b c d e f g h", Delay: 5 * time.Millisecond}},
		Options{Dialect: OpenAI, Model: "m", ReadInterval: -1})
	s, err := h.c.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	pr := s.pr // the stream forgets it at its end
	text, err := drain(t, s)
	if err != nil || text != "a b c d e f g h" {
		t.Fatalf("text = %q, %v", text, err)
	}
	if pr.interval > 0 {
		t.Errorf("interval = %v, want none", pr.interval)
	}
}

// TestStreamPacingNeverCapsThroughput: a fast model (a long answer sent
// at once) is read at full speed: a read that fills the buffer is followed
// by another without a pause, so a 150 KB answer does not crawl in at one
// 4 KiB buffer per ReadInterval (some forty pauses).
func TestStreamPacingNeverCapsThroughput(t *testing.T) {
	var toks []string
	for range 30000 {
		toks = append(toks, " word")
	}
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenAI, Default: llmtest.Scenario{Tokens: toks}},
		Options{Dialect: OpenAI, Model: "m", ReadInterval: 50 * time.Millisecond})
	start := time.Now()
	s, err := h.c.Stream(context.Background(), userReq("hi"))
	if err != nil {
		t.Fatal(err)
	}
	pr := s.pr // the stream forgets it at its end
	text, err := drain(t, s)
	if err != nil || text != strings.Join(toks, "") {
		t.Fatalf("text of %d bytes, err %v; want %d bytes", len(text), err, len(strings.Join(toks, "")))
	}
	// Pauses happen only after reads that emptied the socket: at most one
	// per interval of the stream's life, however many buffers it took.
	if limit := int(time.Since(start)/(50*time.Millisecond)) + 2; pr.waits > limit || pr.waits >= pr.reads/2 {
		t.Errorf("%d pauses for %d reads in %v: reading waited after full buffers", pr.waits, pr.reads, time.Since(start))
	}
}
