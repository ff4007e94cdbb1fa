package fakeslack

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// post calls chat.postMessage with raw form values and returns the
// status, the Retry-After header, the body and the transport error.
func post(t *testing.T, s *Server, client *http.Client, form url.Values) (int, string, string, error) {
	t.Helper()
	form.Set("token", s.Options().BotToken)
	resp, err := client.PostForm(s.APIURL()+"chat.postMessage", form)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b), nil
}

// Each fault is served as the real platform serves it, and those that
// come after the method leave its effect behind.
func TestFaultsAreServedLikeSlack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		f         Fault
		status    int
		retry     string
		body      string // substring
		transport bool   // the client sees a transport error
		took      bool
	}{
		{"html 502", Fault{Kind: HTML}, 502, "", "<html>", false, false},
		{"429", Fault{Kind: RateLimit, RetryAfter: 1500 * time.Millisecond}, 429, "2", `"error":"ratelimited"`, false, false},
		{"missing_scope", Fault{Kind: ErrorCode, Code: "missing_scope"}, 200, "", `"needed":"chat:write"`, false, false},
		{"refused", Fault{Kind: Refuse}, 0, "", "", true, false},
		{"reset after", Fault{Kind: ResetAfter}, 0, "", "", true, true},
		{"garbled", Fault{Kind: Garbled}, 200, "", `{"ok":true,"channel":"C0`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{})
			defer s.Close()
			client := &http.Client{Transport: s.Transport(nil)}
			s.FailNext("chat.postMessage", 1, tc.f)
			status, retry, body, err := post(t, s, client, url.Values{"channel": {"C1"}, "text": {"hi"}})
			if (err != nil) != tc.transport || status != tc.status || retry != tc.retry || !strings.Contains(body, tc.body) {
				t.Errorf("got %d %q %q %v", status, retry, body, err)
			}
			if took := len(s.Messages("C1")) == 1; took != tc.took {
				t.Errorf("took effect %v, want %v", took, tc.took)
			}
			// One call only: the next one works.
			if status, _, body, err := post(t, s, client, url.Values{"channel": {"C1"}, "text": {"again"}}); err != nil || status != 200 || !strings.Contains(body, `"ok":true`) {
				t.Errorf("after the fault: %d %q %v", status, body, err)
			}
		})
	}
}

// Strict mode refuses an unknown argument, a bad boolean and a bad ts
// with invalid_arguments naming them; valid calls pass.
func TestStrictModeRefusesInvalidArguments(t *testing.T) {
	s := New(Options{Strict: true, InMemory: true})
	defer s.Close()
	client := s.Client()
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"channel": {"C1"}, "text": {"x"}, "unfurl": {"false"}}, "unknown argument: unfurl"},
		{url.Values{"channel": {"C1"}, "text": {"x"}, "unfurl_links": {"no"}}, "invalid boolean for unfurl_links"},
		{url.Values{"channel": {"C1"}, "text": {"x"}, "thread_ts": {"12.3"}}, "invalid timestamp for thread_ts"},
		{url.Values{"channel": {"C1"}, "text": {"x"}, "metadata": {`{"event_type":"x"}`}}, "invalid metadata"},
		{url.Values{"channel": {"C1"}, "text": {"x"}, "unfurl_links": {"false"}, "parse": {"none"}}, `"ok":true`},
	} {
		_, _, body, err := post(t, s, client, tc.form)
		if err != nil || !strings.Contains(body, tc.want) {
			t.Errorf("%v: %q %v, want %q", tc.form, body, err, tc.want)
		}
	}
}
