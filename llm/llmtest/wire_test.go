package llmtest

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The tests in this file compare what the fake sends with the captured
// fixtures in ../testdata, layout and envelopes.

func TestOpenRouterMatchesFixture(t *testing.T) {
	s := newServer(t, Options{Dialect: OpenRouter})
	s.Script(Scenario{Reply: "Bonjour !", KeepAlive: 2})
	resp, body := post(t, s, chat)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	got, want := events(body), events(fixture(t, "openrouter-stream.sse"))
	if len(got) != len(want) {
		t.Fatalf("%d events, fixture has %d:\n%s", len(got), len(want), body)
	}
	for i := range want {
		if strings.HasPrefix(want[i], ":") || strings.HasSuffix(want[i], "[DONE]") {
			if got[i] != want[i] {
				t.Fatalf("event %d %q, want %q", i, got[i], want[i])
			}
			continue
		}
		g, w := strings.TrimPrefix(got[i], "data: "), strings.TrimPrefix(want[i], "data: ")
		if !reflect.DeepEqual(keys(t, g), keys(t, w)) {
			t.Fatalf("event %d layout\n got %v\nwant %v", i, keys(t, g), keys(t, w))
		}
	}
	if !regexp.MustCompile(`"id":"gen-\d{10}-[A-Za-z0-9]{20}"`).MatchString(got[2]) {
		t.Fatalf("id not gen-<created>-<20>: %s", got[2])
	}
	if !strings.Contains(got[2], `"content":"Bonjour"`) || !strings.Contains(got[3], `"content":" !"},"finish_reason":"stop"`) {
		t.Fatalf("content chunks %s %s", got[2], got[3])
	}
	if !strings.Contains(got[4], `"prompt_tokens":6,"completion_tokens":2,"total_tokens":8,"cost":`) {
		t.Fatalf("usage %s", got[4])
	}
}

func TestOpenRouterUsageEmptyChoicesMatchesFixture(t *testing.T) {
	s := newServer(t, Options{Dialect: OpenRouter})
	s.Script(Scenario{Reply: "Hello", UsageEmptyChoices: true})
	_, body := post(t, s, chat)
	got, want := events(body), events(fixture(t, "openrouter-stream-usage-empty-choices.sse"))
	if len(got) != len(want) {
		t.Fatalf("events %q", got)
	}
	g, w := strings.TrimPrefix(got[1], "data: "), strings.TrimPrefix(want[1], "data: ")
	if !reflect.DeepEqual(keys(t, g), keys(t, w)) || !strings.Contains(g, `"choices":[]`) {
		t.Fatalf("usage chunk %s", g)
	}
}

func TestMistralMatchesFixture(t *testing.T) {
	s := newServer(t, Options{Dialect: Mistral})
	s.Script(Scenario{Reply: "Bonjour !"})
	_, body := post(t, s, `{"model":"mistral-small-latest","messages":[{"role":"user","content":"salut"}],"stream":true}`)
	got, want := events(body), events(fixture(t, "mistral-stream.sse"))
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %s", len(got), len(want), body)
	}
	for i := range want[:len(want)-1] {
		g, w := strings.TrimPrefix(got[i], "data: "), strings.TrimPrefix(want[i], "data: ")
		if !reflect.DeepEqual(keys(t, g), keys(t, w)) {
			t.Fatalf("event %d layout\n got %v\nwant %v", i, keys(t, g), keys(t, w))
		}
	}
	if !regexp.MustCompile(`^data: \{"id":"[0-9a-f]{32}"`).MatchString(got[0]) {
		t.Fatalf("id not 32 hex: %s", got[0])
	}
	if got[len(got)-1] != "data: [DONE]" {
		t.Fatalf("last event %q", got[len(got)-1])
	}
}

func TestMistralRejectsUnknownFields(t *testing.T) {
	s := newServer(t, Options{Dialect: Mistral})
	resp, body := post(t, s, `{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}`)
	var fx map[string]json.RawMessage
	_ = json.Unmarshal([]byte(fixture(t, "mistral-errors.json")), &fx)
	if resp.StatusCode != 422 || !jsonEqual(t, body, string(fx["422 unknown field (e.g. stream_options)"])) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, field := range []string{`"user":"u"`, `"seed":1`, `"max_completion_tokens":5`, `"models":["a"]`} {
		resp, body := post(t, s, `{"model":"m","messages":[{"role":"user","content":"x"}],`+field+`}`)
		name := strings.Split(field, ":")[0]
		if resp.StatusCode != 422 || !strings.Contains(body, `"loc":["body",`+name+`]`) || !strings.Contains(body, "extra_forbidden") {
			t.Errorf("%s: %d %s", field, resp.StatusCode, body)
		}
	}
	if resp, body := post(t, s, `{"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,"max_tokens":5,"temperature":0.2,"random_seed":1}`); resp.StatusCode != 200 {
		t.Fatalf("accepted fields refused: %d %s", resp.StatusCode, body)
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestErrorEnvelopesMatchFixtures(t *testing.T) {
	var or, mi map[string]json.RawMessage
	_ = json.Unmarshal([]byte(fixture(t, "openrouter-errors.json")), &or)
	_ = json.Unmarshal([]byte(fixture(t, "mistral-errors.json")), &mi)
	tests := []struct {
		name   string
		opts   Options
		sc     Scenario
		model  string
		status int
		want   json.RawMessage
	}{
		{"openrouter 402", Options{}, Scenario{Status: 402}, "m", 402, or["402 before the stream"]},
		{"openrouter 401", Options{APIKey: "other"}, Scenario{}, "m", 401, nil},
		{"openrouter retired 404", Options{Retired: []string{"mistralai/mistral-small"}}, Scenario{}, "mistralai/mistral-small", 404, or["404 no endpoints"]},
		{"openrouter retired 400", Options{Retired: []string{"mistralai/mistral-small"}, RetiredStatus: 400}, Scenario{}, "mistralai/mistral-small", 400, or["400 unknown or retired model"]},
		{"openrouter 502", Options{}, Scenario{Status: 502}, "m", 502, or["502 provider down"]},
		{"mistral retired", Options{Dialect: Mistral, Retired: []string{"mistral-small-2409"}}, Scenario{}, "mistral-small-2409", 400, mi["400 unknown model"]},
		{"mistral 429", Options{Dialect: Mistral}, Scenario{Status: 429}, "m", 429, mi["429 (2026)"]},
		{"mistral 401", Options{Dialect: Mistral, APIKey: "other"}, Scenario{}, "m", 401, mi["401"]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts)
			s.Script(tt.sc)
			resp, body := post(t, s, `{"model":"`+tt.model+`","messages":[{"role":"user","content":"x"}]}`)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if tt.want != nil && !jsonEqual(t, body, string(tt.want)) {
				t.Fatalf("body\n got %s\nwant %s", body, tt.want)
			}
			if tt.want == nil && !strings.Contains(body, `"code":401`) {
				t.Fatalf("body %s", body)
			}
		})
	}
}
