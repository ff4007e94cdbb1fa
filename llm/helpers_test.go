package llm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"mistralbot/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a Client wired to an llmtest server, with sleeps recorded
// instead of slept and a fixed jitter.
type harness struct {
	srv  *llmtest.Server
	c    *Client
	logs *syncBuffer

	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(t *testing.T, so llmtest.Options, o Options) *harness {
	t.Helper()
	if so.Dialect == "" {
		so.Dialect = llmtest.Dialect(o.Dialect)
	}
	if o.Dialect == "" {
		o.Dialect = Dialect(so.Dialect)
	}
	srv := llmtest.New(so)
	t.Cleanup(srv.Close)
	h := &harness{srv: srv, logs: &syncBuffer{}}
	o.BaseURL = srv.URL()
	// config's defaults, as the client runs in production (New invents
	// none); -1 asks for no retries.
	if o.MaxRetries == 0 {
		o.MaxRetries = 3
	}
	if o.FirstByteTimeout == 0 {
		o.FirstByteTimeout = 120 * time.Second
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 30 * time.Second
	}
	h.c = newTestClient(t, o, h.logs)
	h.c.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	return h
}

// newTestClient builds a client with its own transport (closed at cleanup,
// so goleak sees no idle connection goroutines) and a fixed jitter.
func newTestClient(t *testing.T, o Options, logs io.Writer) *Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	o.HTTPClient = &http.Client{Transport: tr}
	if logs != nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.jitter = func() float64 { return 0.5 }
	return c
}

func (h *harness) recordedSleeps() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.sleeps...)
}

func userReq(text string) Request {
	return Request{Messages: []Message{{Role: RoleUser, Content: text}}}
}

// drain reads a stream to its end and returns the text and the terminal
// error (nil after io.EOF). It closes the stream.
func drain(t *testing.T, s *Stream) (string, error) {
	t.Helper()
	defer s.Close()
	var b strings.Builder
	for i := 0; ; i++ {
		piece, err := s.Next()
		b.WriteString(piece)
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		if piece == "" {
			t.Fatalf("Next returned empty text without error")
		}
		if i > 1e6 {
			t.Fatal("stream never ends")
		}
	}
}

// run streams req through h and drains it.
func (h *harness) run(t *testing.T, req Request) (string, Result, error) {
	t.Helper()
	s, err := h.c.Stream(context.Background(), req)
	if err != nil {
		return "", Result{}, err
	}
	text, err := drain(t, s)
	return text, s.Result(), err
}

// asError asserts err is an *Error and returns it.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *llm.Error", err, err)
	}
	return e
}

func openFile(name string) (*os.File, error) { return os.Open(name) }

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
