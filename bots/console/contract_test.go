package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"mistralbot/bots"
)

// faultyOut is the console's platform, a terminal or pipe, with a fault
// at write number at (1-based): fail refuses that write only, close
// refuses it and every later one (a closed output, a broken pipe), short
// writes half of it and then refuses it.
type faultyOut struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	at     int
	kind   string
	closed bool
	after  int // writes that reached the output after the fault
}

func (w *faultyOut) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	switch {
	case w.closed:
		w.after++
		return 0, os.ErrClosed
	case w.writes != w.at:
		if w.at > 0 && w.writes > w.at {
			w.after++
		}
		return w.b.Write(p)
	}
	switch w.kind {
	case "close":
		w.closed = true
		return 0, syscall.EPIPE
	case "short":
		n, _ := w.b.Write(p[:len(p)/2])
		return n, io.ErrShortWrite
	default:
		return 0, errors.New("write refused")
	}
}

func (w *faultyOut) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// nopEngine satisfies Engine; the contract drives the reply directly.
type nopEngine struct{}

func (nopEngine) Dispatch(context.Context, bots.Conversations, bots.Message) (bots.Disposition, error) {
	return bots.Queued, nil
}
func (nopEngine) Command(context.Context, bots.Conversations, bots.Command) bots.Response {
	return bots.Response{}
}
func (nopEngine) Answer(context.Context, *bots.Ask, bots.Reply) error { return nil }
func (nopEngine) Forget(bots.ConversationKey)                         {}

// contractAnswer is streamed four words at a time: one write per Update,
// then the final text's rest and the newline.
func contractAnswer() (answer string, updates []string) {
	var w []string
	for i := range 40 {
		w = append(w, "w"+strconv.Itoa(i))
	}
	for i := 4; i < len(w); i += 4 {
		updates = append(updates, strings.Join(w[:i], " "))
	}
	return strings.Join(w, " "), updates
}

// The fault contract of the console's sink, as for the Slack and Discord
// sinks (TestFaultContract there): whatever the output does, the answer
// is printed exactly once and whole, or the reply ends with a Permanent
// error (the journal entry ends; a closed terminal leaves no path for a
// notice) after which nothing more is written, and never a word twice.
// Run's wait for the answer is released either way.
func TestFaultContract(t *testing.T) {
	answer, updates := contractAnswer()
	total := len(updates) + 2 // every update, the final rest, the newline
	for _, kind := range []string{"fail", "close", "short"} {
		for _, at := range []int{0, 1, 2, total / 2, total - 1, total} {
			name := kind + "/at write " + strconv.Itoa(at)
			if at == 0 {
				name = "no fault"
				if kind != "fail" {
					continue
				}
			}
			t.Run(name, func(t *testing.T) { runContract(t, answer, updates, &faultyOut{at: at, kind: kind}) })
		}
	}
}

func runContract(t *testing.T, answer string, updates []string, out *faultyOut) {
	c, err := New(Options{In: strings.NewReader(""), Out: out, Engine: nopEngine{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	msg := c.message("question")
	done := c.expect(msg.ID)
	r, err := c.OpenReply(ctx, msg.Key, msg)
	if err != nil {
		t.Fatal(err)
	}
	var updErr error
	for i, u := range updates {
		err := r.Update(ctx, u)
		if updErr != nil && !errors.Is(err, updErr) {
			t.Fatalf("update %d after a failed write: %v, want the failure again (%v)", i, err, updErr)
		}
		if err != nil && updErr == nil {
			updErr = err
		}
	}
	err = r.Finish(ctx, answer)
	select {
	case <-done:
	default:
		t.Fatal("Run's wait for the answer was not released")
	}
	got := out.String()
	if out.at == 0 || out.at > len(updates)+2 {
		if err != nil || got != answer+"\n" {
			t.Fatalf("no fault: err %v, output %q, want the answer once", err, got)
		}
		if h, _ := c.History(ctx, msg.Key, 0); len(h) != 1 || h[0].Text != answer {
			t.Fatalf("history %v, want the answer", h)
		}
		return
	}
	var we *writeError
	if err == nil || bots.ClassOf(err) != bots.Permanent || !errors.As(err, &we) {
		t.Fatalf("fault at write %d: Finish = %v, want a Permanent write error", out.at, err)
	}
	if updErr != nil && !errors.Is(err, updErr) {
		t.Fatalf("Finish = %v, want the first failure %v", err, updErr)
	}
	if !strings.HasPrefix(answer+"\n", got) {
		t.Fatalf("output %q is not a prefix of the answer: a word twice", got)
	}
	if out.after != 0 {
		t.Fatalf("%d writes after the fault, want none", out.after)
	}
	if h, _ := c.History(ctx, msg.Key, 0); len(h) != 0 {
		t.Fatalf("history %v: an answer nobody saw", h)
	}
}
