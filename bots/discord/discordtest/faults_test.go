package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// A create with enforce_nonce returns the message an earlier create of the
// same author with the same nonce made within the window; after it, or
// without enforce_nonce, a new message is created. A nonce longer than 25
// characters is refused.
func TestNonceSemantics(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	s := New(Options{NonceWindow: time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	defer s.Close()
	ch := s.Options().GeneralID
	post := func(body map[string]any) (int, Message) {
		resp, b := do(t, s, "POST", "/channels/"+ch+"/messages", body)
		var m Message
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	_, first := post(map[string]any{"content": "a", "nonce": "n-1", "enforce_nonce": true})
	if st, again := post(map[string]any{"content": "a", "nonce": "n-1", "enforce_nonce": true}); st != 200 || again.ID != first.ID {
		t.Fatalf("same nonce: %d %s, want %s", st, again.ID, first.ID)
	}
	if _, other := post(map[string]any{"content": "a", "nonce": "n-2", "enforce_nonce": true}); other.ID == first.ID {
		t.Fatal("another nonce returned the first message")
	}
	if _, loose := post(map[string]any{"content": "a", "nonce": "n-1"}); loose.ID == first.ID {
		t.Fatal("without enforce_nonce the nonce was enforced")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if _, late := post(map[string]any{"content": "a", "nonce": "n-3", "enforce_nonce": true}); late.ID == "" {
		t.Fatal("no message")
	}
	if st, b := do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "a", "nonce": strings.Repeat("x", 26), "enforce_nonce": true}); st.StatusCode != 400 || !strings.Contains(string(b), "50035") {
		t.Fatalf("long nonce: %d %s", st.StatusCode, b)
	}
	if s.NonceHits() != 1 || len(s.Messages(ch)) != 4 {
		t.Errorf("nonce hits %d, messages %d; want 1 and 4", s.NonceHits(), len(s.Messages(ch)))
	}
}

// Injected faults answer as Discord does.
func TestInjectedFaults(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ch := s.Options().GeneralID
	path := "/channels/" + ch + "/messages"
	s.Inject(Fault{Path: path, Kind: FaultHTML})
	resp, b := do(t, s, "POST", path, map[string]any{"content": "x"})
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<title>502 Bad Gateway</title>") {
		t.Errorf("502: %d %s", resp.StatusCode, b)
	}
	s.Inject(Fault{Path: path, Kind: Fault429, RetryAfter: 1500 * time.Millisecond})
	resp, b = do(t, s, "POST", path, map[string]any{"content": "x"})
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(b, &rl)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || rl.RetryAfter != 1.5 || rl.Global ||
		resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Scope") != "user" {
		t.Errorf("429: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	s.Inject(Fault{Path: path, Kind: Fault429, Global: true})
	if resp, b = do(t, s, "POST", path, map[string]any{"content": "x"}); resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Global") != "true" || !strings.Contains(string(b), `"global":true`) {
		t.Errorf("global 429: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	s.Inject(Fault{Path: path, Code: 50035})
	resp, b = do(t, s, "POST", path, map[string]any{"content": "x"})
	var e APIError
	_ = json.Unmarshal(b, &e)
	if resp.StatusCode != 400 || e.Code != 50035 || !strings.Contains(string(e.Errors), `"_errors"`) {
		t.Errorf("50035: %d %s", resp.StatusCode, b)
	}
	s.Inject(Fault{Path: path, Kind: FaultGarbled})
	resp, b = do(t, s, "POST", path, map[string]any{"content": "garbled"})
	if resp.StatusCode != 200 || json.Valid(b) {
		t.Errorf("garbled: %d %s", resp.StatusCode, b)
	}
	s.Inject(Fault{Path: path, Kind: FaultBreakAfter})
	req, _ := http.NewRequest("POST", s.URL()+APIPrefix+path, strings.NewReader(`{"content":"broken"}`))
	req.Header.Set("Authorization", "Bot "+s.Options().Token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("the connection was not broken")
	}
	var contents []string
	for _, m := range s.Messages(ch) {
		contents = append(contents, m.Content)
	}
	if strings.Join(contents, ",") != "garbled,broken" {
		t.Errorf("the faults that let the call through did not: %v", contents)
	}
	if s.Served() != 6 {
		t.Errorf("served %d faults, want 6", s.Served())
	}
}

// An archived thread refuses posts and edits with 50083.
func TestArchivedThread(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddChannel(Channel{ID: "77", Type: PublicThread, GuildID: s.Options().GuildID, ParentID: s.Options().GeneralID})
	_, b := do(t, s, "POST", "/channels/77/messages", map[string]any{"content": "x"})
	var m Message
	_ = json.Unmarshal(b, &m)
	s.ArchiveThread("77", true)
	for _, r := range []struct{ method, path string }{{"POST", "/channels/77/messages"}, {"PATCH", "/channels/77/messages/" + m.ID}} {
		if resp, b := do(t, s, r.method, r.path, map[string]any{"content": "y"}); resp.StatusCode != 400 || !strings.Contains(string(b), "50083") {
			t.Errorf("%s archived: %d %s", r.method, resp.StatusCode, b)
		}
	}
}
