package main

import (
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// redisServer is a private redis-server this test owns (no persistence),
// so that it can be killed and restarted on the same port.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test runs a private redis-server, which is not installed (%v): apt-get install -y redis-server", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	waitUntil(s.t, 10*time.Second, "redis-server to accept connections on "+s.addr(), func() bool {
		c, err := net.DialTimeout("tcp", s.addr(), time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// stop kills the server (SIGKILL: a crash, not a clean shutdown) and
// waits for it.
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Redis dies while a reply streams and comes back empty (no persistence):
// the reply in flight ends whole, a question asked during the outage is
// answered (availability over dedupe), /readyz reports the store while it
// is gone, and once Redis is back claims work again: a redelivered event
// gets no second reply.
func TestE2ERedisRestartedWhileRunning(t *testing.T) {
	redis := startRedisServer(t)
	answer := words("redis", 40)
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 40 * time.Millisecond})
	p := startProc(t, "bot", w.env(map[string]string{
		"MISTRALBOT_STORE_DRIVER":    "redis",
		"MISTRALBOT_STORE_REDIS_URL": "redis://" + redis.addr() + "/0",
	}))
	answered := func(channel, ts string) bool {
		got := w.botReplies(channel, ts)
		return len(got) == 1 && got[0].Text == replyText(answer)
	}

	first, body1, _ := w.mention("C0REDIS1", "U0BOB", "first question", "EvREDIS1")
	w.deliver(p, body1, 0)
	waitUntil(t, 20*time.Second, "the first reply to start", func() bool { return len(w.botReplies("C0REDIS1", first.TS)) == 1 })
	if answered("C0REDIS1", first.TS) {
		t.Fatal("the first reply was complete before Redis died; the test needs a slower stream")
	}
	redis.stop()

	down, body2, _ := w.mention("C0REDIS2", "U0BOB", "asked while Redis is down", "EvREDIS2")
	w.deliver(p, body2, 0)
	waitUntil(t, 20*time.Second, "/readyz to report the store", func() bool {
		status, body := p.get("/readyz")
		return status == http.StatusServiceUnavailable && strings.Contains(body, "store")
	})
	waitUntil(t, 20*time.Second, "both replies while Redis is down", func() bool {
		return answered("C0REDIS1", first.TS) && answered("C0REDIS2", down.TS)
	})

	redis.start()
	waitUntil(t, 20*time.Second, "/readyz to recover", func() bool { status, _ := p.get("/readyz"); return status == http.StatusOK })
	// The message event of the same mention has another event id: only
	// the claim in Redis can tell it is the same question.
	after, body3, message3 := w.mention("C0REDIS3", "U0BOB", "asked after the restart", "EvREDIS3")
	w.deliver(p, body3, 0)
	w.deliver(p, message3, 0)
	waitUntil(t, 20*time.Second, "the reply after the restart, and the duplicate counted", func() bool {
		return answered("C0REDIS3", after.TS) && p.metric("mistralbot_dedupes_total") == 1 &&
			p.metric("mistralbot_replies_in_flight") == 0
	})
	for _, q := range []struct{ channel, ts string }{{"C0REDIS1", first.TS}, {"C0REDIS2", down.TS}, {"C0REDIS3", after.TS}} {
		if n := len(w.botReplies(q.channel, q.ts)); n != 1 {
			t.Errorf("%s: %d bot messages, want 1", q.channel, n)
		}
	}
	if n := len(w.llm.ChatRequests()); n != 3 {
		t.Errorf("LLM requests = %d, want 3", n)
	}
}
