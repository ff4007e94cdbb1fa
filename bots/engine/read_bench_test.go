package engine

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// viewTokens is a bots.TokenStream that gives its tokens as views of one
// buffer it overwrites on every call, as llm's NextBytes does; bytesOut
// false hides NextBytes behind Next (a string per token).
type viewTokens struct {
	tokens []string
	i      int
	buf    []byte
}

func (v *viewTokens) NextBytes() ([]byte, error) {
	if v.i == len(v.tokens) {
		return nil, io.EOF
	}
	v.buf = append(v.buf[:0], v.tokens[v.i]...)
	v.i++
	return v.buf, nil
}

func (v *viewTokens) Next() (string, error) {
	d, err := v.NextBytes()
	return string(d), err
}

func (v *viewTokens) Result() bots.ModelResult { return bots.ModelResult{} }
func (v *viewTokens) Close() error             { return nil }

// stringTokens is the same stream without the NextBytes capability.
type stringTokens struct{ v *viewTokens }

func (s stringTokens) Next() (string, error)    { return s.v.Next() }
func (s stringTokens) Result() bots.ModelResult { return bots.ModelResult{} }
func (s stringTokens) Close() error             { return nil }

type nopSink struct{}

func (nopSink) Post(context.Context, string) (string, error) { return "m1", nil }
func (nopSink) Edit(context.Context, string, string) error   { return nil }

func answerTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(" tok%d", i)
	}
	return out
}

// BenchmarkReadTokens measures the Engine's side of a streamed answer:
// 300 tokens from the model's stream, appended to the answer and handed
// to the reply writer (a real stream.Streamer whose edits are not due), per
// token (the reply's own allocations, the writer's goroutine and its final
// text, are in allocs/op). With NextBytes the path allocates nothing per
// token; through Next each token is a string.
//
//	go test ./bots/engine -run '^$' -bench BenchmarkReadTokens -benchmem
func BenchmarkReadTokens(b *testing.B) {
	e := testEngine(b, Options{})
	tokens := answerTokens(300)
	for _, bytesOut := range []bool{true, false} {
		name := "NextBytes"
		if !bytesOut {
			name = "Next"
		}
		b.Run(name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				v := &viewTokens{tokens: tokens, buf: make([]byte, 0, 16)}
				var st bots.TokenStream = v
				if !bytesOut {
					st = stringTokens{v}
				}
				w := stream.NewStreamer(nopSink{}, stream.StreamOptions{Limit: 1 << 20, MinInterval: time.Hour})
				text, _, err := e.read(ctx, st, w)
				if err != nil {
					b.Fatal(err)
				}
				if err := w.Finish(ctx, text); err != nil {
					b.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*len(tokens)), "allocs/token")
		})
	}
}

// TestReadKeepsTokensFromReusedViews: tokens given as views of a buffer
// the stream overwrites make the whole answer, in order, and every text
// handed to the reply is the answer so far.
func TestReadKeepsTokensFromReusedViews(t *testing.T) {
	e := testEngine(t, Options{})
	tokens := answerTokens(50)
	rec := &recordReply{}
	text, _, err := e.read(context.Background(), &viewTokens{tokens: tokens}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(tokens, "")
	if text != want {
		t.Fatalf("answer %.40q…, want %.40q…", text, want)
	}
	if len(rec.updates) != len(tokens) {
		t.Fatalf("%d updates, want one per token (%d)", len(rec.updates), len(tokens))
	}
	for i, u := range rec.updates {
		if u != strings.Join(tokens[:i+1], "") {
			t.Fatalf("update %d = %.40q…, want the first %d tokens", i, u, i+1)
		}
	}
}

// recordReply keeps every text it is given.
type recordReply struct{ updates []string }

func (r *recordReply) Update(ctx context.Context, text string) error {
	r.updates = append(r.updates, text)
	return nil
}

func (r *recordReply) Finish(ctx context.Context, text string) error { return nil }
