package llmtest

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestScenarioForAndTrace: ScenarioFor picks the answer from the last user
// message ahead of the default, FirstDelay holds the first chunk, Trace
// reports the request and the first and last content chunks in order, and
// NoRecord keeps the request out of Requests.
func TestScenarioForAndTrace(t *testing.T) {
	var mu sync.Mutex
	var traces []Trace
	s := newServer(t, Options{
		Dialect:  OpenAI,
		Default:  Scenario{Reply: "default reply"},
		NoRecord: true,
		ScenarioFor: func(lastUser string) (Scenario, bool) {
			if lastUser != "salut" {
				return Scenario{}, false
			}
			return Scenario{Reply: "one two three", FirstDelay: 30 * time.Millisecond}, true
		},
		Trace: func(tr Trace) {
			mu.Lock()
			traces = append(traces, tr)
			mu.Unlock()
		},
	})
	_, body := post(t, s, chat)
	if !strings.Contains(body, `"content":"one"`) || !strings.Contains(body, `"content":" three"`) || strings.Contains(body, "default") {
		t.Fatalf("ScenarioFor's reply not streamed:\n%s", body)
	}
	_, body = post(t, s, strings.Replace(chat, "salut", "other", 1))
	if !strings.Contains(body, `"content":"default"`) {
		t.Fatalf("fall-through to the default scenario failed:\n%s", body)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("NoRecord: Requests holds %d requests", n)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []TraceEvent{TraceRequest, TraceFirstToken, TraceLastToken, TraceRequest, TraceFirstToken, TraceLastToken}
	if len(traces) != len(want) {
		t.Fatalf("traces = %+v, want events %v", traces, want)
	}
	for i, tr := range traces {
		if tr.Event != want[i] {
			t.Errorf("trace %d = %v, want %v", i, tr.Event, want[i])
		}
		if i > 0 && tr.At.Before(traces[i-1].At) {
			t.Errorf("trace %d is earlier than the one before", i)
		}
	}
	if traces[0].LastUser != "salut" || traces[3].LastUser != "other" {
		t.Errorf("LastUser = %q, %q", traces[0].LastUser, traces[3].LastUser)
	}
	if gap := traces[1].At.Sub(traces[0].At); gap < 30*time.Millisecond {
		t.Errorf("first token %v after the request, FirstDelay is 30ms", gap)
	}
}

// TestTLSServesHTTP2: with TLS the fake speaks HTTPS and HTTP/2, as the
// providers do, to a client trusting its certificate.
func TestTLSServesHTTP2(t *testing.T) {
	s := newServer(t, Options{Dialect: OpenAI, TLS: true, Default: Scenario{Reply: "secure"}})
	if !strings.HasPrefix(s.URL(), "https://") || s.Certificate() == nil {
		t.Fatalf("URL %s, certificate %v: not TLS", s.URL(), s.Certificate())
	}
	c := s.Client()
	t.Cleanup(c.CloseIdleConnections)
	resp, err := c.Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(chat))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 || !strings.Contains(string(body), `"content":"secure"`) {
		t.Fatalf("%s, body %q: want HTTP/2 and the reply", resp.Proto, body)
	}
}
