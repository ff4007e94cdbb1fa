package discord

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
)

// syncBuffer is a log sink safe for concurrent writes.
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

// lines returns the log lines containing sub.
func (s *syncBuffer) lines(sub string) []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}

// Every answer of Discord to a create or an edit, served by the fake at
// the network edge, comes back from the client as one class, with what
// the writer needs (retry_after, ErrMessageGone), and is logged once,
// naming the call, the status and the code, never the body whole.
func TestRESTFailuresAreClassified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault discordtest.Fault
		edit  bool
		class bots.FailureClass
		// status and code expected; after the RetryAfter (0: any > 0 for
		// Transient).
		status, code int
		after        time.Duration
		gone, global bool
		logHas       []string
	}{
		{name: "429 route", fault: discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: 1500 * time.Millisecond},
			class: bots.Transient, status: 429, after: 1500 * time.Millisecond, logHas: []string{"rate limited"}},
		{name: "429 global", fault: discordtest.Fault{Kind: discordtest.Fault429, RetryAfter: 800 * time.Millisecond, Global: true},
			class: bots.Transient, status: 429, after: 800 * time.Millisecond, global: true},
		{name: "502 HTML", fault: discordtest.Fault{Kind: discordtest.FaultHTML}, class: bots.Transient, status: 502,
			logHas: []string{"502 Bad Gateway"}},
		{name: "503 HTML on edit", fault: discordtest.Fault{Kind: discordtest.FaultHTML, Status: 503}, edit: true,
			class: bots.Transient, status: 503},
		{name: "504 HTML", fault: discordtest.Fault{Kind: discordtest.FaultHTML, Status: 504}, class: bots.Transient, status: 504},
		{name: "500 JSON", fault: discordtest.Fault{Code: 0, Status: 500}, class: bots.Transient, status: 500},
		{name: "130000 overloaded", fault: discordtest.Fault{Code: 130000}, class: bots.Transient, status: 503, code: 130000},
		{name: "10003 unknown channel", fault: discordtest.Fault{Code: 10003}, class: bots.Permanent, status: 404, code: 10003},
		{name: "10008 unknown message", fault: discordtest.Fault{Code: 10008}, edit: true, class: bots.Permanent,
			status: 404, code: 10008, gone: true},
		{name: "50001 missing access", fault: discordtest.Fault{Code: 50001}, class: bots.Permanent, status: 403, code: 50001},
		{name: "50013 missing permissions", fault: discordtest.Fault{Code: 50013}, class: bots.Permanent, status: 403, code: 50013},
		{name: "50083 archived thread", fault: discordtest.Fault{Code: 50083}, edit: true, class: bots.Permanent, status: 400, code: 50083},
		{name: "30046 old message edits", fault: discordtest.Fault{Code: 30046}, edit: true, class: bots.Permanent, status: 400, code: 30046},
		{name: "50035 invalid form body", fault: discordtest.Fault{Code: 50035}, class: bots.Permanent, status: 400, code: 50035,
			logHas: []string{"content: BASE_TYPE_MAX_LENGTH", "embeds.0.description: BASE_TYPE_REQUIRED"}},
		{name: "40005 too large", fault: discordtest.Fault{Code: 40005}, class: bots.Permanent, status: 413, code: 40005},
		{name: "160005 locked thread", fault: discordtest.Fault{Code: 160005}, class: bots.Permanent, status: 400, code: 160005},
		{name: "broken after the create", fault: discordtest.Fault{Kind: discordtest.FaultBreakAfter}, class: bots.Uncertain},
		{name: "broken after the edit", fault: discordtest.Fault{Kind: discordtest.FaultBreakAfter}, edit: true, class: bots.Uncertain},
		{name: "2xx cut off", fault: discordtest.Fault{Kind: discordtest.FaultGarbled}, class: bots.Uncertain, status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			h := newHarness(t, harnessConfig{noRun: true, adapter: func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(logs, nil))
				o.RetryDelay = 10 * time.Millisecond
			}})
			general := h.dc.Options().GeneralID
			ctx := context.Background()
			path := "/channels/" + general + "/messages"
			var mid string
			if tc.edit {
				var err error
				if mid, err = h.a.rest.createMessage(ctx, "post", general, "first", "", nil, nil); err != nil {
					t.Fatal(err)
				}
				path += "/" + mid
			}
			f := tc.fault
			f.Path = path
			h.dc.Inject(f)
			var err error
			if tc.edit {
				err = h.a.rest.editMessage(ctx, "edit message in "+general, general, mid, "second", nil)
			} else {
				_, err = h.a.rest.createMessage(ctx, "post message in "+general, general, "hello", "n1", nil, nil)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if h.dc.Served() != 1 {
				t.Fatalf("the fault was served %d times", h.dc.Served())
			}
			if got := bots.ClassOf(err); got != tc.class {
				t.Errorf("class %s, want %s: %v", got, tc.class, err)
			}
			var e *apiError
			if !errors.As(err, &e) {
				t.Fatalf("not an *apiError: %T %v", err, err)
			}
			if tc.status != 0 && statusOf(err) != tc.status {
				t.Errorf("status %d, want %d", statusOf(err), tc.status)
			}
			if codeOf(err) != tc.code {
				t.Errorf("code %d, want %d", codeOf(err), tc.code)
			}
			if tc.after != 0 && e.RetryAfter() != tc.after {
				t.Errorf("retry after %v, want %v", e.RetryAfter(), tc.after)
			}
			if tc.class != bots.Permanent && e.RetryAfter() <= 0 {
				t.Errorf("no pause for a %s failure", tc.class)
			}
			if e.global != tc.global {
				t.Errorf("global %v, want %v", e.global, tc.global)
			}
			if errors.Is(err, bots.ErrMessageGone) != tc.gone {
				t.Errorf("ErrMessageGone %v, want %v", errors.Is(err, bots.ErrMessageGone), tc.gone)
			}
			msg := err.Error()
			if strings.Contains(msg, "<html") || strings.Contains(msg, "http://") || len(msg) > 400 {
				t.Errorf("the error quotes a body or a URL: %q", msg)
			}
			if tc.status >= 500 && strings.Contains(msg, "rate limited") {
				t.Errorf("a %d reads as rate limited: %q", tc.status, msg)
			}
			lines := logs.lines("discord: REST call")
			if len(lines) != 1 {
				t.Fatalf("%d log lines for one failed call, want 1:\n%s", len(lines), logs.String())
			}
			line := lines[0]
			for _, want := range append([]string{"call=", "class=" + tc.class.String()}, tc.logHas...) {
				if !strings.Contains(line, want) {
					t.Errorf("log line lacks %q: %s", want, line)
				}
			}
			if tc.status != 0 && !strings.Contains(line, "status="+strconv.Itoa(tc.status)) {
				t.Errorf("log line lacks the status: %s", line)
			}
			if tc.code != 0 && !strings.Contains(line, "code="+strconv.Itoa(tc.code)) {
				t.Errorf("log line lacks the code: %s", line)
			}
			if strings.Contains(line, "<html") || strings.Contains(line, h.dc.Options().Token) {
				t.Errorf("log line holds a body or the token: %s", line)
			}
			if tc.status >= 500 && strings.Contains(line, "rate limited") {
				t.Errorf("a %d logged as rate limited: %s", tc.status, line)
			}
			if tc.class == bots.Uncertain && !tc.edit && len(h.botMessages(general)) != 1 {
				t.Errorf("the create whose answer was lost did not take effect: %d messages", len(h.botMessages(general)))
			}
		})
	}
}

// A 2xx whose body has the wrong type in fields the bot does not read is
// a success: the id is all a create needs.
func TestMistypedFieldsDoNotFailACall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	h.dc.Inject(discordtest.Fault{Path: "/channels/" + general + "/messages", Kind: discordtest.FaultMistyped})
	id, err := h.a.rest.createMessage(context.Background(), "post", general, "hello", "n1", nil, nil)
	if err != nil || id == "" {
		t.Fatalf("a mistyped field failed the post: %q %v", id, err)
	}
	if h.dc.Served() != 1 {
		t.Fatal("the fault was not served")
	}
	if msgs := h.botMessages(general); len(msgs) != 1 || msgs[0].ID != id {
		t.Errorf("messages %+v, id %s", msgs, id)
	}
}

// Without an answer from the network: a refused connection or a reset
// before the request was written is Transient (nothing reached Discord).
func TestNetworkFailuresBeforeSendingAreTransient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	_ = ln.Close()
	for _, tc := range []struct {
		name string
		opts func(*Options)
	}{
		{"refused", func(o *Options) { o.APIURL = closed }},
		{"reset before sending", func(o *Options) {
			base := &http.Transport{}
			rt := &resetTransport{base: base, method: "POST", part: "/messages"}
			rt.left.Store(1)
			o.HTTPClient = &http.Client{Transport: rt}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{noRun: true, adapter: tc.opts})
			_, err := h.a.rest.createMessage(context.Background(), "post", h.dc.Options().GeneralID, "hello", "n1", nil, nil)
			if bots.ClassOf(err) != bots.Transient {
				t.Fatalf("class %s: %v", bots.ClassOf(err), err)
			}
			if strings.Contains(err.Error(), "http") {
				t.Errorf("the error names a URL: %v", err)
			}
		})
	}
}

// discordgo v0.29 turns a 502 it has retried MaxRestRetries times into a
// plain error without a status; the calls still made through it classify
// that as the Transient 502 it is, without the HTML page.
func TestDiscordgo502IsTransient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	h.dc.Inject(discordtest.Fault{Method: "GET", Path: "/channels/" + general, Kind: discordtest.FaultHTML, N: 2})
	_, raw := h.a.s.Channel(general)
	err := wrapErr("get channel", raw)
	if bots.ClassOf(err) != bots.Transient || statusOf(err) != 502 {
		t.Fatalf("class %s status %d: %v (discordgo: %v)", bots.ClassOf(err), statusOf(err), err, raw)
	}
	if strings.Contains(err.Error(), "<html") {
		t.Errorf("the HTML page is quoted: %v", err)
	}
	if h.dc.Served() != 2 {
		t.Errorf("served %d 502s, want 2 (discordgo retries once)", h.dc.Served())
	}
}
