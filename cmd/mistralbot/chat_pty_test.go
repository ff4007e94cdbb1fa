//go:build linux

package main

// `mistralbot chat` on a pseudo-terminal (issue 19's "Done when"): the
// real binary (built in TestMain) is the session leader of a pty whose
// line discipline is the kernel's, as in a terminal emulator. The test
// types into the pty's master side, reads what the terminal would show,
// and asks the fake model (llmtest, on loopback) what it was sent. It
// waits on output patterns, the fake model's trace and counters, and the
// kernel's input queue, each with a deadline: no sleeps, no timing.

import (
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"mistralbot/llm/llmtest"
)

// ptyDeadline bounds every wait: generous, for a loaded 2-core machine.
const ptyDeadline = 60 * time.Second

// ansiSeq matches the terminal control sequences glamour and the console
// write (CSI ... final byte, OSC ... BEL/ST), stripped before matching.
var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]`)

// screen collects what the terminal shows (the pty master's output).
type screen struct {
	mu      sync.Mutex
	raw     strings.Builder
	changed chan struct{} // closed at the next write
	closed  bool
}

func newScreen() *screen { return &screen{changed: make(chan struct{})} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw.Write(p)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

// end marks the output finished (the master read failed).
func (s *screen) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	close(s.changed)
	s.changed = make(chan struct{})
}

// Raw is everything shown so far, control sequences included.
func (s *screen) Raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

// Text is everything shown so far, control sequences and CRs removed.
func (s *screen) Text() string {
	return strings.ReplaceAll(ansiSeq.ReplaceAllString(s.Raw(), ""), "\r", "")
}

// waitFor waits until want appears in Text at or after offset from; it
// returns the offset just past it.
func (s *screen) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	return s.waitIn(t, s.Text, from, want)
}

// waitIn is waitFor in view (Text or Raw).
func (s *screen) waitIn(t *testing.T, view func() string, from int, want string) int {
	t.Helper()
	deadline := time.NewTimer(ptyDeadline)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		text := view()
		if i := strings.Index(text[min(from, len(text)):], want); i >= 0 {
			return min(from, len(text)) + i + len(want)
		}
		if closed {
			t.Fatalf("the terminal closed before showing %q after offset %d:\n%s", want, from, text)
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %q after offset %d; the screen:\n%s", ptyDeadline, want, from, text)
		}
	}
}

// ptyChat is one `mistralbot chat` on a pseudo-terminal.
type ptyChat struct {
	master, tty *os.File // the terminal's two sides; the test keeps tty open to read its modes
	cmd         *exec.Cmd
	screen      *screen
	exited      chan struct{}
	err         error // cmd.Wait's, set before exited closes
}

// startPtyChat opens a pty, notes its modes and starts the chat on it
// against the fake model at baseURL, with only env in its environment.
func startPtyChat(t *testing.T, baseURL string) (*ptyChat, *unix.Termios) {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(master, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if before.Lflag&unix.ECHOCTL == 0 || before.Lflag&unix.ISIG == 0 || before.Lflag&unix.ICANON == 0 {
		t.Fatalf("a fresh pty is not in the default cooked mode: lflag %#x", before.Lflag)
	}
	c := &ptyChat{master: master, tty: tty, screen: newScreen(), exited: make(chan struct{})}
	c.cmd = exec.Command(botBinary, "--config", noFile(t), "chat")
	c.cmd.Env = []string{
		"HOME=" + t.TempDir(), "TERM=xterm-256color", "LANG=C.UTF-8",
		"MISTRALBOT_LLM_PROVIDER=openai", "MISTRALBOT_LLM_BASE_URL=" + baseURL,
	}
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = tty, tty, tty
	// The chat is a session leader with the pty as its controlling
	// terminal, in the foreground: the line discipline's Ctrl-C sends it
	// SIGINT, as a shell started in a terminal emulator would be.
	c.cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s chat: %v", botBinary, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_, _ = io.Copy(c.screen, master) // EIO once the chat and tty are closed
		c.screen.end()
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		tty.Close()
		master.Close()
		<-readDone
		if t.Failed() {
			t.Logf("the screen, without control sequences:\n%s", c.screen.Text())
		}
	})
	return c, before
}

// typeIn writes keys to the terminal as a keyboard would.
func (c *ptyChat) typeIn(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(c.master, keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// waitRead waits until the chat has read every complete line waiting in
// the terminal's input queue (TIOCINQ on the tty, tty_ioctl(4)), so a
// Ctrl-C, which flushes that queue (termios(3), NOFLSH), cannot discard
// them. Call it after the keys' echo was shown: the kernel echoes a key
// as it queues it.
func (c *ptyChat) waitRead(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(ptyDeadline)
	for {
		n, err := unix.IoctlGetInt(int(c.tty.Fd()), unix.TIOCINQ)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the chat did not read the %d queued bytes in %s", n, ptyDeadline)
		}
		// The chat's reader empties the queue as soon as it is
		// scheduled; poll the kernel's count (it has no notification).
		time.Sleep(5 * time.Millisecond)
	}
}

// termios is the tty's current modes.
func (c *ptyChat) termios(t *testing.T) *unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(c.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

// The terminal session: a pasted code block is one question, Ctrl-C
// stops a streaming answer and the question typed meanwhile is answered
// next, /quit exits 0 with the terminal as it was.
func TestChatOnAPseudoTerminal(t *testing.T) {
	firstToken := make(chan struct{}, 1)
	// The fake model answers by question, whatever the order of the
	// requests; the newest question is looked for first, as a request
	// may carry the earlier ones too.
	question := func(lastUser string) string {
		for _, q := range []string{"and now a short one", "tell me a long story", "fmt.Println"} {
			if strings.Contains(lastUser, q) {
				return q
			}
		}
		return ""
	}
	srv := llmtest.New(llmtest.Options{
		Dialect: llmtest.OpenAI,
		ScenarioFor: func(lastUser string) (llmtest.Scenario, bool) {
			switch question(lastUser) {
			case "fmt.Println":
				return llmtest.Scenario{Reply: "It prints hi and a newline."}, true
			case "tell me a long story":
				// One chunk, then the stream holds until the client
				// leaves (counted in Stats().Cancelled).
				return llmtest.Scenario{Tokens: []string{"Once upon a time"}, Fault: llmtest.Stall, FailAfter: 1}, true
			case "and now a short one":
				return llmtest.Scenario{Reply: "The end, quickly."}, true
			}
			return llmtest.Scenario{}, false
		},
		Trace: func(tr llmtest.Trace) {
			if tr.Event == llmtest.TraceFirstToken && question(tr.LastUser) == "tell me a long story" {
				select {
				case firstToken <- struct{}{}:
				default:
				}
			}
		},
	})
	defer srv.Close()
	c, before := startPtyChat(t, srv.URL())
	scr := c.screen

	at := scr.waitFor(t, 0, "mistralbot chat:")
	at = scr.waitFor(t, at, "> ")
	if !strings.Contains(scr.Raw(), "\x1b[?2004h") {
		t.Fatal("bracketed paste was not turned on")
	}
	// The banner is printed once ECHOCTL is off (the paste markers are
	// then not echoed as ^[[200~): the modes the test compares at the end
	// did change.
	if during := c.termios(t); during.Lflag&unix.ECHOCTL != 0 {
		t.Fatalf("ECHOCTL still on while chat runs: lflag %#x", during.Lflag)
	}

	// 1. A multi-line code block pasted after /explain: one question.
	// A terminal sends a pasted newline as CR (ICRNL makes it LF).
	code := "package main\r\rimport \"fmt\"\r\rfunc main() {\r\tfmt.Println(\"hi\")\r}"
	c.typeIn(t, "/explain \x1b[200~"+code+"\x1b[201~\r")
	at = scr.waitFor(t, at, "It prints hi and a newline.")
	at = scr.waitFor(t, at, "> ")
	reqs := srv.ChatRequests()
	if len(reqs) != 1 {
		t.Fatalf("the paste made %d model requests, want 1", len(reqs))
	}
	msgs := reqs[0].Messages
	last := msgs[len(msgs)-1].Content
	if want := strings.ReplaceAll(code, "\r", "\n"); !strings.Contains(last, want) {
		t.Fatalf("the question does not hold the pasted block whole:\n%q\nwant it to contain\n%q", last, want)
	}
	if strings.Contains(last, "\x1b") || strings.Contains(last, "200~") {
		t.Fatalf("paste markers reached the model: %q", last)
	}
	if strings.Contains(scr.Text(), "^[") {
		t.Fatal("the paste markers were echoed as ^[")
	}

	// 2. Ctrl-C while an answer streams.
	c.typeIn(t, "tell me a long story\r")
	ctx, cancel := context.WithTimeout(context.Background(), ptyDeadline)
	defer cancel()
	select {
	case <-firstToken: // the answer is streaming, held by the fake model
	case <-ctx.Done():
		t.Fatal("the story's first token was never sent")
	}
	// Typed during the answer: echoed by the terminal, read ahead by the
	// chat.
	c.typeIn(t, "and now a short one\r")
	at = scr.waitFor(t, at, "and now a short one")
	c.waitRead(t)
	c.typeIn(t, "\x03") // Ctrl-C: the line discipline sends SIGINT
	if !srv.WaitStats(ctx, func(s llmtest.Stats) bool { return s.Cancelled >= 1 }) {
		t.Fatal("Ctrl-C did not cancel the streaming request")
	}
	at = scr.waitFor(t, at, "Stopped.")
	at = scr.waitFor(t, at, "The end, quickly.")
	scr.waitFor(t, at, "> ")
	reqs = srv.ChatRequests()
	if len(reqs) != 3 {
		t.Fatalf("%d model requests, want 3 (paste, story, short one)", len(reqs))
	}
	if got := reqs[2].Messages[len(reqs[2].Messages)-1].Content; !strings.Contains(got, "and now a short one") {
		t.Fatalf("the third request asks %q, want the question typed during the story", got)
	}
	select {
	case <-c.exited:
		t.Fatalf("Ctrl-C during an answer ended the chat: %v", c.err)
	default:
	}

	// 3. /quit: exit 0, bracketed paste off, the terminal's modes back.
	c.typeIn(t, "/quit\r")
	select {
	case <-c.exited:
	case <-ctx.Done():
		t.Fatal("/quit did not end the chat")
	}
	if c.err != nil {
		t.Fatalf("chat exited with %v, want 0", c.err)
	}
	// Bracketed paste off, after it was turned on (the chat wrote it
	// before exiting; the test may not have read it yet).
	scr.waitIn(t, scr.Raw, strings.Index(scr.Raw(), "\x1b[?2004h"), "\x1b[?2004l")
	after := c.termios(t)
	if *after != *before {
		t.Fatalf("terminal modes not restored:\nbefore %+v\nafter  %+v", *before, *after)
	}
}

// Ctrl-C at the prompt says how to quit; a second one quits, exit 0, with
// the terminal as it was.
func TestChatOnAPseudoTerminalCtrlCTwiceQuits(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	defer srv.Close()
	c, before := startPtyChat(t, srv.URL())
	scr := c.screen
	at := scr.waitFor(t, 0, "mistralbot chat:")
	at = scr.waitFor(t, at, "> ")
	c.typeIn(t, "\x03")
	at = scr.waitFor(t, at, "(Ctrl-C again or Ctrl-D to quit)")
	scr.waitFor(t, at, "> ")
	select {
	case <-c.exited:
		t.Fatalf("one Ctrl-C at the prompt ended the chat: %v", c.err)
	default:
	}
	c.typeIn(t, "\x03")
	select {
	case <-c.exited:
	case <-time.After(ptyDeadline):
		t.Fatal("a second Ctrl-C did not end the chat")
	}
	if c.err != nil {
		t.Fatalf("chat exited with %v, want 0", c.err)
	}
	if after := c.termios(t); *after != *before {
		t.Fatalf("terminal modes not restored:\nbefore %+v\nafter  %+v", *before, *after)
	}
	if n := len(srv.ChatRequests()); n != 0 {
		t.Fatalf("%d model requests, want none", n)
	}
}
