package engine_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/llm"
)

// pipeLLM is an in-process chat-completions endpoint: an http.RoundTripper
// that answers each request with an OpenAI-dialect SSE stream written
// through an io.Pipe. A real llm.Client runs on it inside a synctest
// bubble, where loopback sockets (llmtest) cannot: the bubble's clock only
// moves when every goroutine is blocked on something it can see.
// foreverBytes ends a model that "never stops".
const foreverBytes = 4 << 20

type pipeLLM struct {
	// answer gives the content chunks of request i (0-based) and whether
	// the model never stops (then the chunks repeat until the reader
	// hangs up, or foreverBytes were sent: a test without a cap fails
	// instead of hanging).
	answer func(i int) (chunks []string, forever bool)
	// delay is the pause before each chunk (fake time in a bubble).
	delay time.Duration

	requests atomic.Int64
	open     atomic.Int64 // streams still being written: the client has not hung up
	wg       sync.WaitGroup
}

func (p *pipeLLM) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	i := int(p.requests.Add(1)) - 1
	chunks, forever := p.answer(i)
	pr, pw := io.Pipe()
	p.open.Add(1)
	// A cancelled request ends its body, as net/http's transport does.
	stop := context.AfterFunc(r.Context(), func() { pw.CloseWithError(context.Canceled) })
	p.wg.Go(func() {
		defer p.open.Add(-1)
		defer stop()
		write := func(s string) bool {
			_, err := io.WriteString(pw, s)
			return err == nil
		}
		chunk := func(content, finish string) string {
			c := map[string]any{"index": 0, "delta": map[string]any{"content": content}, "finish_reason": nil}
			if finish != "" {
				c["finish_reason"] = finish
			}
			b, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "m1",
				"choices": []any{c}})
			return "data: " + string(b) + "\n\n"
		}
		sent := 0
		for sent < foreverBytes {
			for _, c := range chunks {
				sent += len(c)
				if p.delay > 0 {
					time.Sleep(p.delay)
				}
				if !write(chunk(c, "")) {
					return // the client closed the body
				}
			}
			if !forever {
				break
			}
		}
		if write(chunk("", "stop")) {
			write("data: [DONE]\n\n")
		}
		pw.Close()
	})
	// Closing the body (the client cancels or is done) breaks the writer.
	body := &pipeBody{PipeReader: pr, w: pw}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: body, Request: r}, nil
}

type pipeBody struct {
	*io.PipeReader
	w *io.PipeWriter
}

func (b *pipeBody) Close() error {
	b.w.CloseWithError(io.ErrClosedPipe)
	return b.PipeReader.Close()
}

// client is the completer over an llm.Client on p; it reads every chunk
// as it arrives.
func (p *pipeLLM) client(t *testing.T) *llmcompleter.Client {
	t.Helper()
	c, err := llm.New(llm.Options{Dialect: llm.OpenAI, BaseURL: "http://llm.invalid/v1", APIKey: "test-key",
		Model: "m1", MaxRetries: -1, IdleTimeout: time.Minute, ReadInterval: -1,
		HTTPClient: &http.Client{Transport: p}})
	if err != nil {
		t.Fatal(err)
	}
	return llmcompleter.New(c)
}

// words splits s into chunks of one word each (with its space).
func words(s string) []string {
	var out []string
	for f := range strings.FieldsSeq(s) {
		out = append(out, f+" ")
	}
	if len(out) > 0 {
		out[len(out)-1] = strings.TrimSuffix(out[len(out)-1], " ")
	}
	return out
}
