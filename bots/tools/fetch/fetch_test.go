package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	refused := []string{"127.0.0.1", "127.1.2.3", "::1", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.9.9",
		"192.168.1.1", "169.254.169.254", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "100.64.0.1",
		"100.127.255.254", "0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.1.1.1", "ff02::1", "ff05::2",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::a00:1",
		"64:ff9b::7f00:1", "2002:a00:1::", "2002:7f00:1::1", "255.255.255.255", "240.0.0.1", "198.18.0.1",
		"192.0.0.1", "192.0.2.1", "203.0.113.9", "2001:db8::1", "2001::1", "fec0::1", "100::1"}
	allowed := []string{"8.8.8.8", "1.1.1.1", "93.184.215.14", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111",
		"2a00:1450:4007:80e::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}
	for _, s := range refused {
		if Public(netip.MustParseAddr(s)) {
			t.Errorf("%s is public, want refused", s)
		}
	}
	for _, s := range allowed {
		if !Public(netip.MustParseAddr(s)) {
			t.Errorf("%s is refused, want public", s)
		}
	}
	if Public(netip.Addr{}) {
		t.Error("the zero address is public")
	}
}

func TestRefusesLoopbackServers(t *testing.T) {
	t.Parallel()
	ts, hits := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "secret admin page") })
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]

	urls := []string{
		ts.URL + "/admin",
		"http://[::1]:" + port + "/admin",
		"http://[::ffff:127.0.0.1]:" + port + "/admin",
		"http://localhost:" + port + "/admin",
		"http://rebind.test:" + port + "/admin",
		"http://[::]:" + port + "/admin",
		"http://0.0.0.0:" + port + "/admin",
	}
	// ::1 also on a real IPv6 loopback listener when the machine has one
	// (the handler counts into hits too); without it the refusal of ::1
	// is still proven above: nothing is dialed.
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ts6 := httptest.NewUnstartedServer(ts.Config.Handler)
		ts6.Listener.Close()
		ts6.Listener = l
		ts6.Start()
		t.Cleanup(ts6.Close)
		urls = append(urls, ts6.URL+"/admin")
	}

	var dials dialLog
	f := New(Options{LookupIP: noDNS(map[string][]string{"localhost": {"127.0.0.1", "::1"}, "rebind.test": {"127.0.0.1"}}),
		DialContext: dials.dial})
	defer f.Close()
	for _, u := range urls {
		out := fetchURL(t, f, u)
		if !out.IsError || !strings.Contains(out.Text, "refused") || strings.Contains(out.Text, "secret") {
			t.Errorf("%s: %+v, want a refusal", u, out)
		}
	}
	if hits.Load() != 0 || len(dials.dialed()) != 0 {
		t.Errorf("the loopback servers got %d requests; dialed %v", hits.Load(), dials.dialed())
	}
}

func TestRefusesPrivateAndLinkLocalTargets(t *testing.T) {
	t.Parallel()
	var dials dialLog
	f := New(Options{DialContext: dials.dial, LookupIP: noDNS(map[string][]string{
		"metadata.internal": {"169.254.169.254"},
		"intranet.example":  {"10.20.30.40"},
		"both.example":      {"10.0.0.1", "fd00::1"},
	})})
	defer f.Close()
	for _, u := range []string{"http://10.0.0.1/", "http://10.255.0.9:8080/x", "http://169.254.169.254/latest/meta-data/",
		"https://metadata.internal/", "http://intranet.example/", "http://both.example/", "http://100.64.1.1/",
		"http://[fe80::1%25eth0]/", "http://[fd00::5]/"} {
		out := fetchURL(t, f, u)
		if !out.IsError || !strings.Contains(out.Text, "refused") {
			t.Errorf("%s: %+v, want a refusal", u, out)
		}
	}
	if got := dials.dialed(); len(got) != 0 {
		t.Errorf("dialed %v", got)
	}
}

func TestRedirectsAreCheckedAndBounded(t *testing.T) {
	t.Parallel()
	ts, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case r.URL.Path == "/to-private-name":
			http.Redirect(w, r, "http://intranet.example/", http.StatusMovedPermanently)
		case r.URL.Path == "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/loop/"):
			var n int
			fmt.Sscanf(r.URL.Path, "/loop/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusFound)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	var dials dialLog
	f := New(Options{Allow: allowLoopback, DialContext: dials.dial, MaxRedirects: 3,
		LookupIP: noDNS(map[string][]string{"intranet.example": {"10.1.2.3"}})})
	defer f.Close()
	for _, path := range []string{"/to-metadata", "/to-private-name"} {
		if out := fetchURL(t, f, ts.URL+path); !out.IsError || !strings.Contains(out.Text, "refused") {
			t.Errorf("%s: %+v, want a refusal", path, out)
		}
	}
	if out := fetchURL(t, f, ts.URL+"/to-file"); !out.IsError || !strings.Contains(out.Text, "redirect to a file: URL") {
		t.Errorf("redirect to file: %+v", out)
	}
	before := hits.Load()
	if out := fetchURL(t, f, ts.URL+"/loop/0"); !out.IsError || !strings.Contains(out.Text, "more than 3 redirects") {
		t.Errorf("redirect loop: %+v", out)
	}
	if n := hits.Load() - before; n != 4 {
		t.Errorf("the redirect loop made %d requests, want 4 (the first and 3 redirects)", n)
	}
	for _, a := range dials.dialed() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("dialed %s", a)
		}
	}
}

func TestExtractsThePageText(t *testing.T) {
	t.Parallel()
	ts, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latin1":
			w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
			w.Write([]byte("caf\xe9"))
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		case "/missing":
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><html><head><title>The  Lamp &amp; Co</title><style>p{color:red}</style>
<script>var secret = "<p>not text</p>";</script></head><body><!-- a comment -->
<h1>Lamps</h1><p>Bright&nbsp;and <b>cheap</b>.</p><ul><li>one</li><li>two</li></ul></body></html>`)
		}
	})
	f := New(Options{Allow: allowLoopback})
	defer f.Close()
	out := fetchURL(t, f, ts.URL+"/page")
	want := "URL: " + ts.URL + "/page\nTitle: The Lamp & Co\n\nLamps\nBright and cheap.\n- one\n- two"
	if out.IsError || out.Text != want || len(out.Sources) != 1 || out.Sources[0] != ts.URL+"/page" {
		t.Errorf("got %+v\nwant text %q", out, want)
	}
	if out := fetchURL(t, f, ts.URL+"/latin1"); out.Text != "URL: "+ts.URL+"/latin1\ncafé" {
		t.Errorf("latin1: %q", out.Text)
	}
	if out := fetchURL(t, f, ts.URL+"/png"); !out.IsError || !strings.Contains(out.Text, "image/png cannot be read") {
		t.Errorf("png: %+v", out)
	}
	if out := fetchURL(t, f, ts.URL+"/missing"); !out.IsError || !strings.Contains(out.Text, "HTTP 404") {
		t.Errorf("404: %+v", out)
	}
	for _, args := range []string{`{}`, `{"url":"ftp://example.com/x"}`, `{"url":"/relative"}`, `{"url":3}`} {
		out, err := f.Call(context.Background(), f.Tools()[0], json.RawMessage(args), "")
		if err != nil || !out.IsError {
			t.Errorf("%s: %+v, %v", args, out, err)
		}
	}
}

func TestTheBodyIsBounded(t *testing.T) {
	t.Parallel()
	ts, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := strings.Repeat("y", 1<<20)
		for range 10 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	})
	f := New(Options{Allow: allowLoopback, MaxBytes: 64 << 10})
	defer f.Close()
	out := fetchURL(t, f, ts.URL)
	if out.IsError || len(out.Text) > 65<<10 || !strings.Contains(out.Text, "longer than 65536 bytes") {
		t.Errorf("%d bytes, error %v, tail %q", len(out.Text), out.IsError, out.Text[max(0, len(out.Text)-80):])
	}
}

func TestAFetchIsTimeBounded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := newPipeListener()
		release := make(chan struct{})
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})}
		go srv.Serve(l)
		f := New(Options{Timeout: 3 * time.Second, DialContext: l.dial,
			LookupIP: noDNS(map[string][]string{"slow.example": {"93.184.215.14"}})})
		start := time.Now()
		out := fetchURL(t, f, "http://slow.example/")
		if !out.IsError || !strings.Contains(out.Text, "did not answer within 3s") || time.Since(start) != 3*time.Second {
			t.Errorf("after %v: %+v", time.Since(start), out)
		}
		// The caller's own deadline is its error, not the page's failure.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := f.Call(ctx, f.Tools()[0], json.RawMessage(`{"url":"http://slow.example/"}`), ""); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("caller deadline: %v", err)
		}
		close(release)
		f.Close()
		srv.Close()
	})
}
