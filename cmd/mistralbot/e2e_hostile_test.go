package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// hostileFiles is the process's limit on open files in the hostile-client
// test: the 256, where one client used to block every delivery.
const hostileFiles = 256

// TestE2EHostileClients runs the real binary under `ulimit -n 256` and
// attacks its public port: huge and endless bodies, forged, stale and
// malformed requests, a flood of bad signatures, then 300 connections that
// send slow headers, slow bodies or sit idle. Through all of it a signed
// mention is answered, the log stays a few lines long and the metrics
// count every refusal.
func TestE2EHostileClients(t *testing.T) {
	answer := "Still here, whatever the others send."
	w := newWorld(t, llmtest.Options{Default: llmtest.Scenario{Reply: answer}})
	p := startProcFiles(t, "hostile", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}), hostileFiles)
	if got := p.logNumber("mistralbot running", "max_connections"); got != hostileFiles/2 {
		t.Fatalf("max_connections = %v, want %d (half of ulimit -n)", got, hostileFiles/2)
	}
	secret := w.slack.Options().SigningSecret
	events := p.url() + "/slack/events"

	t.Run("huge bodies", func(t *testing.T) {
		for _, size := range []int64{10 << 20, 100 << 20} {
			// Declared: refused before a byte of it is read.
			status, took := rawPost(t, p.addr, "/slack/events", size)
			if status != http.StatusRequestEntityTooLarge || took > 2*time.Second {
				t.Errorf("%d MB declared: status %d after %s, want 413 at once", size>>20, status, took)
			}
			// Chunked: cut at the limit, the rest never read.
			var sent atomic.Int64
			body := &countingReader{n: &sent, left: size}
			req, _ := http.NewRequest("POST", events, body)
			req.ContentLength = -1
			resp, err := w.client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("%d MB chunked: status %d, want 413", size>>20, resp.StatusCode)
				}
			}
			if got := sent.Load(); got > 16<<20 {
				t.Errorf("%d MB chunked: the server let the client send %d MB", size>>20, got>>20)
			}
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		deep := []byte(strings.Repeat("[", 500_000) + strings.Repeat("]", 500_000))
		cases := []struct {
			name string
			body []byte
			hdr  http.Header
			want int
		}{
			{"forged", []byte(`{"type":"event_callback"}`), fakeslack.Sign(secret+"-wrong", []byte(`{"type":"event_callback"}`), time.Now()), 401},
			{"stale", []byte(`{}`), fakeslack.Sign(secret, []byte(`{}`), time.Now().Add(-10*time.Minute)), 401},
			{"unsigned", []byte(`{}`), http.Header{}, 401},
			{"garbage signature", []byte(`{}`), http.Header{"X-Slack-Signature": {"v0=zz"}, "X-Slack-Request-Timestamp": {"notanumber"}}, 401},
			{"deep JSON, forged", deep, fakeslack.Sign("nope", deep, time.Now()), 401},
			{"deep JSON, signed", deep, fakeslack.Sign(secret, deep, time.Now()), 400},
			{"not JSON, signed", []byte("\x00\xff{"), fakeslack.Sign(secret, []byte("\x00\xff{"), time.Now()), 400},
		}
		for _, c := range cases {
			req, _ := http.NewRequest("POST", events, strings.NewReader(string(c.body)))
			for k, v := range c.hdr {
				req.Header[k] = v
			}
			resp, err := w.client.Do(req)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
			}
		}
	})

	t.Run("replayed signed requests", func(t *testing.T) {
		// A captured request sent again inside Slack's 5-minute window
		// (the same body and timestamp, so a valid signature): each is
		// acknowledged like the first, and each is answered once, an
		// event through its event_id, a command through its trigger_id.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		asked := len(w.llm.Requests())
		dedupes := p.metric("mistralbot_dedupes_total", `platform="slack"`)
		m, appMention, _ := w.mention("C0REPLAY", "U0EVE", "say it once", "EvREPLAY1")
		form := w.slack.SlashCommand("/ask", "say it once more", "C0REPLAY", "U0EVE")
		at := time.Now()
		for _, r := range []struct {
			path string
			d    fakeslack.Delivery
		}{
			{"/slack/events", fakeslack.Delivery{Body: appMention, Timestamp: at}},
			{"/slack/commands", fakeslack.Delivery{Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded", Timestamp: at}},
		} {
			for i := range 3 {
				status, _, err := w.slack.Deliver(ctx, w.client, p.url()+r.path, r.d)
				if err != nil || status != http.StatusOK {
					t.Fatalf("%s delivery %d: status %d, %v; want 200", r.path, i+1, status, err)
				}
			}
		}
		// Both replays of each were refused (counted, logged) ...
		waitUntil(t, 15*time.Second, "the replays refused", func() bool {
			return p.metric("mistralbot_dedupes_total", `platform="slack"`)-dedupes == 2 && p.countLines("replayed slash command ignored") == 2
		})
		// ... and the first of each answered.
		waitUntil(t, 15*time.Second, "the mention's answer", func() bool {
			r := w.botReplies("C0REPLAY", m.TS)
			return len(r) == 1 && r[0].Text == replyText(answer)
		})
		waitUntil(t, 15*time.Second, "the command's question message", func() bool {
			n := 0
			for _, msg := range w.slack.Messages("C0REPLAY") {
				if msg.Metadata != nil && (msg.ThreadTS == "" || msg.ThreadTS == msg.TS) {
					n++
				}
			}
			return n == 1
		})
		waitUntil(t, 15*time.Second, "the two model requests", func() bool { return len(w.llm.Requests())-asked >= 2 })
		if n := len(w.llm.Requests()) - asked; n != 2 {
			t.Errorf("%d model requests for one mention and one /ask, each sent three times; want 2", n)
		}
	})

	t.Run("bad-signature flood", func(t *testing.T) {
		before := p.metric("mistralbot_http_rejected_total", `route="/slack/events"`, `code="401"`)
		linesBefore := p.countLines("signature check failed")
		const clients, flood = 16, 3 * time.Second
		var sent atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(flood)
		tr := &http.Transport{MaxIdleConnsPerHost: clients}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		for range clients {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest("POST", events, strings.NewReader("{}"))
					for k, v := range fakeslack.Sign("forged", []byte("{}"), time.Now()) {
						req.Header[k] = v
					}
					resp, err := client.Do(req)
					if err != nil {
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusUnauthorized {
						sent.Add(1)
					}
				}
			})
		}
		wg.Wait()
		n := sent.Load()
		lines := p.countLines("signature check failed") - linesBefore
		t.Logf("bad-signature flood: %d requests refused in %s by %d clients; %d log lines about them (%.1f lines/s)",
			n, flood, clients, lines, float64(lines)/flood.Seconds())
		if n < 100 {
			t.Fatalf("only %d forged requests answered 401 in %s", n, flood)
		}
		// The burst of one 10 s interval, and one summary line if the
		// flood crossed into the next.
		if lines > sampleBurst+1 {
			t.Errorf("%d log lines for %d refused requests in %s, want at most %d", lines, n, flood, sampleBurst+1)
		}
		if got := p.metric("mistralbot_http_rejected_total", `route="/slack/events"`, `code="401"`) - before; got != float64(n) {
			t.Errorf("mistralbot_http_rejected_total grew by %v, want %d (every refusal)", got, n)
		}
	})

	t.Run("300 hostile connections and a mention", func(t *testing.T) {
		const each = 100
		var conns []net.Conn
		open := func(first string) net.Conn {
			c, err := net.Dial("tcp", p.addr)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			conns = append(conns, c)
			if _, err := io.WriteString(c, first); err != nil {
				t.Fatalf("write: %v", err)
			}
			return c
		}
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		start := time.Now()
		var slowBody, slowHeader []net.Conn
		for i := range each {
			// Whole headers, then 1 byte of a 1000-byte body.
			slowBody = append(slowBody, open("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"))
			// Half a request line, never finished.
			slowHeader = append(slowHeader, open("POST /slack/ev"))
			// One request, then an idle keep-alive connection.
			c := open("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			if i%10 == 0 { // read some answers, leave the others unread
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				http.ReadResponse(bufio.NewReader(c), nil)
			}
		}
		if open := p.metric("mistralbot_http_connections_open"); open > hostileFiles/2 {
			t.Errorf("%v connections open, limit %d", open, hostileFiles/2)
		}

		m, appMention, _ := w.mention("C0HOSTILE", "U0BOB", "are you there?", "EvHOSTILE1")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		t0 := time.Now()
		status, _, err := w.slack.Deliver(ctx, w.client, events, fakeslack.Delivery{Body: appMention})
		if err != nil || status != http.StatusOK || time.Since(t0) > 3*time.Second {
			t.Fatalf("signed mention among 300 hostile connections: status %d err %v after %s, want 200 within Slack's 3 s",
				status, err, time.Since(t0))
		}
		t.Logf("signed mention among 300 hostile connections: 200 after %s", time.Since(t0))
		waitUntil(t, 15*time.Second, "the answer in the thread", func() bool {
			r := w.botReplies("C0HOSTILE", m.TS)
			return len(r) == 1 && r[0].Text == replyText(answer)
		})

		// The server itself ends what it will not wait for.
		for _, c := range slowBody[:10] {
			if !closedByServer(c, readTimeout+5*time.Second-time.Since(start)) {
				t.Errorf("a slow-body connection is open after %s (read timeout %s)", time.Since(start), readTimeout)
				break
			}
		}
		for _, c := range slowHeader[:10] {
			if !closedByServer(c, readHeaderTimeout+5*time.Second-time.Since(start)) {
				t.Errorf("a slow-header connection is open after %s (header timeout %s)", time.Since(start), readHeaderTimeout)
				break
			}
		}
		if shed := p.metric("mistralbot_http_connections_shed_total"); shed == 0 {
			t.Error("no connection was shed although 300 were opened against a limit of 128")
		}
		if strings.Contains(p.stderr.String(), "too many open files") {
			t.Errorf("the process ran out of file descriptors:\n%s", p.stderr.String())
		}
		if status, _ := p.get("/readyz"); status != http.StatusOK {
			t.Errorf("/readyz after the attack: %d", status)
		}
	})
}

// TestE2EOpsListenKeepsOpsPrivate: with server.ops_listen, the public port
// serves the webhooks only and the operational endpoints answer on the
// other address only.
func TestE2EOpsListenKeepsOpsPrivate(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	p := startProc(t, "ops", w.env(map[string]string{
		"MISTRALBOT_STORE_DRIVER":      "memory",
		"MISTRALBOT_SERVER_PPROF":      "true",
		"MISTRALBOT_SERVER_OPS_LISTEN": "127.0.0.1:0",
	}))
	if p.ops == p.addr {
		t.Fatalf("ops_listen %s is the public address", p.ops)
	}
	for _, path := range []string{"/metrics", "/readyz", "/healthz", "/debug/pprof/"} {
		if status, _ := p.getFrom(p.url(), path); status != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, status)
		}
		if status, _ := p.get(path); status != http.StatusOK {
			t.Errorf("ops %s: %d, want 200", path, status)
		}
	}
	status, _, err := w.slack.Deliver(context.Background(), w.client, "http://"+p.ops+"/slack/events", fakeslack.Delivery{Body: []byte(`{"type":"url_verification","challenge":"c"}`)})
	if err != nil || status != http.StatusNotFound {
		t.Errorf("webhook on the ops address: %d %v, want 404", status, err)
	}
	status, body, err := w.slack.Deliver(context.Background(), w.client, p.url()+"/slack/events", fakeslack.Delivery{Body: []byte(`{"type":"url_verification","challenge":"c"}`)})
	if err != nil || status != http.StatusOK || !strings.Contains(body, `"c"`) {
		t.Errorf("webhook on the public address: %d %q %v", status, body, err)
	}
}

// rawPost sends a POST declaring size bytes of body, without sending it,
// and returns the status answered and how long it took.
func rawPost(t *testing.T, addr, path string, size int64) (int, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.SetDeadline(start.Add(10 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, size)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Errorf("POST %s with %d bytes declared: %v", path, size, err)
		return 0, time.Since(start)
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// countingReader yields left bytes of JSON-ish filler, counting them.
type countingReader struct {
	n    *atomic.Int64
	left int64
}

func (r *countingReader) Read(b []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), r.left)
	for i := range b[:n] {
		b[i] = ' '
	}
	r.left -= n
	r.n.Add(n)
	return int(n), nil
}

// countLines counts the log lines containing s.
func (p *proc) countLines(s string) int {
	return strings.Count(p.stderr.String(), s)
}

// logNumber returns a numeric field of the first JSON log line whose msg
// is msg, -1 when absent.
func (p *proc) logNumber(msg, field string) float64 {
	for _, rec := range p.logLines("INFO") {
		if rec["msg"] != msg {
			continue
		}
		switch v := rec[field].(type) {
		case float64:
			return v
		case string:
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// TestE2EResponseURLNeverLogged: a slash command whose response_url cannot
// be reached makes the adapter log the failure (and fall back to
// chat.postEphemeral); the log line names the failure but not the URL's
// token, which lets anyone post as the bot for 30 minutes.
func TestE2EResponseURLNeverLogged(t *testing.T) {
	w := newWorld(t, llmtest.Options{})
	p := startProc(t, "cmds", w.env(map[string]string{"MISTRALBOT_STORE_DRIVER": "memory"}))
	const token = "SeCrEtToKeN0123456789xyz"
	form := w.slack.SlashCommand("/help", "", "C0SECRET", "U0BOB")
	form.Set("response_url", "http://127.0.0.1:"+strconv.Itoa(closedPort(t))+"/commands/T0001/1234567890/"+token)
	status, _, err := w.slack.Deliver(context.Background(), w.client, p.url()+"/slack/commands",
		fakeslack.Delivery{Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil || status != http.StatusOK {
		t.Fatalf("/help: %d %v", status, err)
	}
	waitUntil(t, 15*time.Second, "the response_url failure to be logged", func() bool {
		return p.countLines("response_url post failed") > 0
	})
	if strings.Contains(p.stderr.String(), token) {
		t.Errorf("the response_url token is in the log:\n%s", p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "/commands/T0001/<redacted>") {
		t.Errorf("the log line does not show the redacted URL:\n%s", p.stderr.String())
	}
}
