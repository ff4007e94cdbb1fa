package llmtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// client returns an HTTP client whose idle connections are closed at
// cleanup.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func newServer(t *testing.T, opts Options) *Server {
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

func post(t *testing.T, s *Server, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer key")
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const chat = `{"model":"m","messages":[{"role":"user","content":"salut"}],"stream":true}`

// events splits an SSE body into its events (comments included).
func events(body string) []string {
	var out []string
	for _, e := range strings.Split(body, "\n\n") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

func fixture(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keys returns the member names of a JSON object in order, and of the
// first choice and its delta, to compare chunk layouts.
func keys(t *testing.T, obj string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(obj))
	var out []string
	var walk func(prefix string)
	walk = func(prefix string) {
		tok, _ := dec.Token()
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, _ := dec.Token()
				out = append(out, prefix+k.(string))
				walk(prefix + k.(string) + ".")
			}
			dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				walk(prefix + fmt.Sprint(i) + ".")
			}
			dec.Token()
		}
	}
	walk("")
	return out
}

func TestErrorIn200AndRetryAfter(t *testing.T) {
	s := newServer(t, Options{})
	s.Script(Scenario{ErrorIn200: true}, Scenario{Status: 429, RetryAfter: "7"})
	resp, body := post(t, s, chat)
	if resp.StatusCode != 200 || !strings.Contains(body, `"code":429`) || strings.HasPrefix(body, "data:") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, _ = post(t, s, chat)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("%d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestScriptQueue(t *testing.T) {
	s := newServer(t, Options{Default: Scenario{Reply: "default"}})
	s.Script(Scenario{Model: "b", Reply: "for b", Times: 2}, Scenario{Reply: "any"})
	if s.Pending() != 3 {
		t.Fatalf("pending %d", s.Pending())
	}
	reply := func(model string) string {
		_, body := post(t, s, `{"model":"`+model+`","messages":[{"role":"user","content":"x"}]}`)
		var text strings.Builder
		for _, e := range events(body) {
			var c struct {
				Choices []struct{ Delta struct{ Content string } }
			}
			if json.Unmarshal([]byte(strings.TrimPrefix(e, "data: ")), &c) == nil && len(c.Choices) > 0 {
				text.WriteString(c.Choices[0].Delta.Content)
			}
		}
		return text.String()
	}
	for _, step := range []struct{ model, want string }{
		{"a", "any"}, {"b", "for b"}, {"a", "default"}, {"b", "for b"}, {"b", "default"},
	} {
		if got := reply(step.model); got != step.want {
			t.Fatalf("model %s got %q, want %q", step.model, got, step.want)
		}
	}
	s.SetDefault(Scenario{Reply: "new default"})
	if got := reply("a"); got != "new default" {
		t.Fatalf("got %q", got)
	}
	reqs := s.Requests()
	if len(reqs) != 6 || reqs[0].Model != "a" || reqs[0].Messages[0].Content != "x" || reqs[0].Header.Get("Authorization") != "Bearer key" {
		t.Fatalf("requests %+v", reqs[0])
	}
	reqs[0].Model = "changed"
	if s.Requests()[0].Model != "a" {
		t.Fatal("Requests returned shared state")
	}
}

func TestModelsListing(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		s := newServer(t, Options{Dialect: d, Retired: []string{DefaultModels(d)[0].ID}})
		resp, err := client(t).Get(s.URL() + "/models")
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Data []map[string]any `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list.Data) != len(DefaultModels(d))-1 {
			t.Fatalf("%s: %v %d models", d, err, len(list.Data))
		}
		for _, m := range list.Data {
			if m["id"] == DefaultModels(d)[0].ID {
				t.Fatalf("%s lists a retired model", d)
			}
		}
	}
}

func TestFaultsOnTheWire(t *testing.T) {
	s := newServer(t, Options{})
	s.Script(Scenario{Reply: "a b c", Fault: Disconnect, FailAfter: 1})
	_, body := post(t, s, chat)
	if strings.Contains(body, "[DONE]") || len(events(body)) != 1 {
		t.Fatalf("disconnect body %q", body)
	}
	s.Script(Scenario{Reply: "a b", Fault: Malformed, FailAfter: 1})
	_, body = post(t, s, chat)
	ev := events(body)
	if !strings.HasSuffix(ev[1], `"content":"oops`) || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("malformed body %q", body)
	}
	s.Script(Scenario{Reply: "a b", Fault: MidStreamError, FailAfter: 1, Message: "gone"})
	_, body = post(t, s, chat)
	ev = events(body)
	if len(ev) != 2 || !strings.Contains(ev[1], `"error":{"code":502,"message":"gone"`) || !strings.Contains(ev[1], `"finish_reason":"error"`) {
		t.Fatalf("mid-stream error body %q", body)
	}
	s.Script(Scenario{Reply: "a b", Fault: Reset, FailAfter: 1})
	req, _ := http.NewRequest("POST", s.URL()+"/chat/completions", strings.NewReader(chat))
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("reset: body read without error")
	}
}

func TestReasoningOnTheWire(t *testing.T) {
	for d, want := range map[Dialect]string{
		OpenRouter: `"reasoning":"hmm"`,
		Mistral:    `{"type":"thinking","thinking":[{"type":"text","text":"hmm"}]}`,
		OpenAI:     `"reasoning_content":"hmm"`,
	} {
		s := newServer(t, Options{Dialect: d})
		s.Script(Scenario{Reasoning: "hmm", Reply: "ok"})
		_, body := post(t, s, chat)
		if !strings.Contains(body, want) {
			t.Errorf("%s: %s", d, body)
		}
	}
	s := newServer(t, Options{})
	s.Script(Scenario{Reasoning: "hmm", Think: true, Reply: "ok"})
	_, body := post(t, s, chat)
	if !strings.Contains(body, `"content":"<th"`) || !strings.Contains(body, `"content":"ink"`) {
		t.Errorf("think tags not split: %s", body)
	}
}

// TestCloseEndsStalledStreams proves Close does not hang on a stalled or
// slow stream and leaves no goroutine behind (goleak in TestMain).
func TestCloseEndsStalledStreams(t *testing.T) {
	s := New(Options{Delay: time.Hour})
	s.Script(Scenario{Fault: Stall, KeepAlive: 1}, Scenario{Reply: "slow"})
	c := client(t)
	var wg sync.WaitGroup
	started := make(chan struct{}, 2)
	for range 2 {
		wg.Go(func() {
			resp, err := c.Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(chat))
			if err != nil {
				started <- struct{}{}
				return
			}
			defer resp.Body.Close()
			started <- struct{}{}
			_, _ = bufio.NewReader(resp.Body).ReadString(0)
		})
	}
	<-started
	<-started
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on open streams")
	}
	wg.Wait()
}

func TestConcurrentRequests(t *testing.T) {
	s := newServer(t, Options{})
	s.Script(Scenario{Reply: "scripted", Times: 10})
	c := client(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	scripted := 0
	for i := range 20 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":"n%d"}]}`, i)
			resp, err := c.Post(s.URL()+"/chat/completions", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"content":"scripted"`) {
				mu.Lock()
				scripted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if scripted != 10 || len(s.Requests()) != 20 || s.Pending() != 0 {
		t.Fatalf("scripted %d, requests %d, pending %d", scripted, len(s.Requests()), s.Pending())
	}
}

func TestSplitTokens(t *testing.T) {
	for in, want := range map[string][]string{
		"Echo: hello world":   {"Echo:", " hello", " world"},
		"  lead  and\ntrail ": {"  lead", "  and", "\ntrail", " "},
		"":                    nil,
		"Привет мир":          {"Привет", " мир"},
	} {
		got := SplitTokens(in)
		if !reflect.DeepEqual(got, want) || strings.Join(got, "") != in {
			t.Errorf("SplitTokens(%q) = %q, want %q", in, got, want)
		}
	}
	if got := pieces("a<think>é", 3); !reflect.DeepEqual(got, []string{"a<t", "hin", "k>é"}) {
		t.Errorf("pieces = %q", got)
	}
}
