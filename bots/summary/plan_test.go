package summary

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// gen makes n messages by four authors with code blocks and links, as a
// busy channel has them.
func gen(n int) []Message {
	authors := []string{"Alice", "Bruno", "Chiara", "Dieter"}
	t0 := time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC)
	out := make([]Message, n)
	for i := range out {
		text := fmt.Sprintf("message %d about the deploy of service-%d", i, i%7)
		switch i % 5 {
		case 1:
			text += "\n```go\nfunc f() error { return nil }\n```"
		case 3:
			text += " see https://example.com/issues/" + strconv.Itoa(i)
		}
		out[i] = Message{ID: strconv.Itoa(1000 + i), Author: authors[i%4], Text: text,
			Time: t0.Add(time.Duration(i) * time.Minute), Link: "https://chat.example/m/" + strconv.Itoa(1000+i)}
	}
	return out
}

var lineRef = regexp.MustCompile(`(?m)^\[m(\d+)\] `)

// refsIn returns the message numbers (1-based) whose lines text holds.
func refsIn(text string) []int {
	var out []int
	for _, m := range lineRef.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func TestPlanEveryMessageInExactlyOneChunk(t *testing.T) {
	for _, n := range []int{1, 10, 500, 5000} {
		for _, window := range []int{4096, 32768, 128000} {
			t.Run(fmt.Sprintf("%d/%d", n, window), func(t *testing.T) {
				msgs := gen(n)
				p, err := NewPlan(msgs, Options{Window: window, ReplyTokens: 512})
				if err != nil {
					t.Fatal(err)
				}
				seen := make([]int, n+1)
				next := 1
				for i, c := range p.Chunks() {
					if c.Tokens > p.Budget() {
						t.Errorf("chunk %d: %d tokens over the budget %d", i, c.Tokens, p.Budget())
					}
					for _, r := range refsIn(c.Text) {
						seen[r]++
						if r != next {
							t.Fatalf("chunk %d: message m%d where m%d was expected", i, r, next)
						}
						next++
					}
				}
				for i := 1; i <= n; i++ {
					if seen[i] != 1 {
						t.Fatalf("message m%d in %d chunks", i, seen[i])
					}
				}
			})
		}
	}
}

func TestPlanCutsAMessageLongerThanAChunk(t *testing.T) {
	msgs := gen(3)
	msgs[1].Text = strings.Repeat("very long paste ", 5000)
	p, err := NewPlan(msgs, Options{Window: 4096, ReplyTokens: 512})
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for _, c := range p.Chunks() {
		if c.Tokens > p.Budget() {
			t.Fatalf("chunk over budget: %d > %d", c.Tokens, p.Budget())
		}
		all = append(all, refsIn(c.Text)...)
	}
	if fmt.Sprint(all) != "[1 2 3]" {
		t.Fatalf("refs %v, want [1 2 3]", all)
	}
	if !strings.Contains(p.Chunks()[1].Text, "[…]") {
		t.Fatalf("the cut message is not marked: %q", p.Chunks()[1].Text[:80])
	}
}

func TestPlanRefusesAWindowThatCannotCombine(t *testing.T) {
	if _, err := NewPlan(gen(5), Options{Window: 1500, ReplyTokens: 1024}); !errors.Is(err, ErrWindowTooSmall) {
		t.Fatalf("err = %v, want ErrWindowTooSmall", err)
	}
	if _, err := NewPlan(nil, Options{Window: 32768, ReplyTokens: 1024}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

// fakeModel answers every call with a reply of about the budget's size
// citing the first and last message of its input, and records requests.
type fakeModel struct {
	mu     sync.Mutex
	reqs   []Request
	fill   int // reply tokens to produce (3 bytes each)
	failAt int // call number that fails; 0 = none
}

var anyRef = regexp.MustCompile(`m\d+`)

func (f *fakeModel) Complete(_ context.Context, req Request) (Reply, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := len(f.reqs)
	f.mu.Unlock()
	if n == f.failAt {
		return Reply{PromptTokens: 7}, errors.New("upstream 502")
	}
	refs := anyRef.FindAllString(req.User, -1)
	text := "notes [" + refs[0] + "] and [" + refs[len(refs)-1] + "] "
	text += strings.Repeat("x", max(0, f.fill*3-len(text)))
	return Reply{Text: text, PromptTokens: (len(req.System) + len(req.User)) / 3, CompletionTokens: f.fill, CostUSD: 0.001}, nil
}

func TestRunStaysInTheWindowAndConverges(t *testing.T) {
	for _, tc := range []struct {
		n, window, reply int
	}{{10, 32768, 1024}, {500, 8192, 1024}, {5000, 32768, 1024}, {5000, 8192, 2048}, {5000, 128000, 1024}} {
		t.Run(fmt.Sprintf("%d/%d/%d", tc.n, tc.window, tc.reply), func(t *testing.T) {
			msgs := gen(tc.n)
			o := Options{Window: tc.window, ReplyTokens: tc.reply, Parallel: 3}
			p, err := NewPlan(msgs, o)
			if err != nil {
				t.Fatal(err)
			}
			m := &fakeModel{fill: tc.reply}
			res, err := p.Run(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			tokens := func(s string) int { return (len(s) + 2) / 3 }
			for i, r := range m.reqs {
				if got := tokens(r.System) + tokens(r.User) + r.MaxTokens; got > tc.window {
					t.Errorf("call %d: %d tokens with the reply budget, window %d", i, got, tc.window)
				}
			}
			if res.Calls != len(m.reqs) || res.Chunks != len(p.Chunks()) {
				t.Fatalf("result counts %d calls %d chunks; %d requests, %d chunks", res.Calls, res.Chunks, len(m.reqs), len(p.Chunks()))
			}
			est := p.Estimate(Prices{InPerMTok: 0.1, OutPerMTok: 0.3})
			if est.Calls < res.Calls {
				t.Errorf("estimate %d calls, ran %d", est.Calls, res.Calls)
			}
			if est.OutputTokens < res.CompletionTokens {
				t.Errorf("estimate %d output tokens, used %d", est.OutputTokens, res.CompletionTokens)
			}
			// The fake cites the first and the last message it saw; the
			// final text links m1's permalink at least.
			if !strings.Contains(res.Text, "("+msgs[0].Link+")") {
				t.Errorf("summary does not link the first message: %.200q", res.Text)
			}
			t.Logf("%d messages, window %d: %d chunks, %d rounds, %d calls (estimated %d, %d in + %d out tokens, $%.4f)",
				tc.n, tc.window, res.Chunks, res.Rounds, res.Calls, est.Calls, est.InputTokens, est.OutputTokens, est.USD)
		})
	}
}

func TestRunReturnsTheModelError(t *testing.T) {
	p, err := NewPlan(gen(500), Options{Window: 8192, ReplyTokens: 1024, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), &fakeModel{fill: 100, failAt: 2})
	if err == nil || !strings.Contains(err.Error(), "upstream 502") {
		t.Fatalf("err = %v, want the model's error", err)
	}
	if res.Calls != 2 || res.PromptTokens == 0 {
		t.Fatalf("spent until the error not reported: %+v", res)
	}
}

func TestRunOneChunkIsOneCall(t *testing.T) {
	p, err := NewPlan(gen(10), Options{Window: 32768, ReplyTokens: 1024, Language: "French"})
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeModel{fill: 50}
	res, err := p.Run(context.Background(), m)
	if err != nil || res.Calls != 1 || res.Rounds != 0 {
		t.Fatalf("res %+v err %v, want one call", res, err)
	}
	if !strings.Contains(m.reqs[0].System, "in French") || !strings.Contains(m.reqs[0].System, "Action items") {
		t.Fatalf("system prompt: %s", m.reqs[0].System)
	}
}
