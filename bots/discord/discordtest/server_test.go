package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func do(t *testing.T, s *Server, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL()+APIPrefix+path, rd)
	req.Header.Set("Authorization", "Bot "+s.Options().Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestContentLimitAndMentions(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ch := s.Options().GeneralID
	resp, body := do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": strings.Repeat("é", 2001)})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "50035") {
		t.Fatalf("2001 chars: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": strings.Repeat("é", 2000) + ""})
	if resp.StatusCode != 200 {
		t.Fatalf("2000 chars: %d %s", resp.StatusCode, body)
	}
	for _, h := range []string{"Limit", "Remaining", "Reset", "Reset-After", "Bucket"} {
		if resp.Header.Get("X-RateLimit-"+h) == "" {
			t.Errorf("missing X-RateLimit-%s", h)
		}
	}
	_, body = do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "@everyone hi"})
	var m Message
	_ = json.Unmarshal(body, &m)
	if !m.MentionEveryone {
		t.Error("without allowed_mentions @everyone must ping")
	}
	_, body = do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "@everyone hi", "allowed_mentions": map[string]any{"parse": []string{}}})
	m = Message{}
	_ = json.Unmarshal(body, &m)
	if m.MentionEveryone || m.Content != "@everyone hi" {
		t.Errorf("with parse [] nothing pings: %+v", m)
	}
	if got := len(s.ContentRequests()); got != 4 {
		t.Errorf("content requests = %d, want 4", got)
	}
}

func TestBucketsAnd429(t *testing.T) {
	s := New(Options{BucketLimit: 3, BucketWindow: time.Hour})
	defer s.Close()
	ch := s.Options().GeneralID
	for i := 0; i < 3; i++ {
		if resp, b := do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "x"}); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, body := do(t, s, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "x"})
	if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("4th: %d %v", resp.StatusCode, resp.Header)
	}
	var rl struct {
		RetryAfter float64 `json:"retry_after"`
		Global     *bool   `json:"global"`
	}
	if json.Unmarshal(body, &rl) != nil || rl.RetryAfter <= 0 || rl.Global == nil || *rl.Global {
		t.Fatalf("429 body %s", body)
	}
	// Another channel has its own bucket; forced 429s hit any bucket.
	s.AddChannel(Channel{ID: "42", Type: GuildText, GuildID: s.Options().GuildID})
	s.Force429(1, 10*time.Millisecond)
	if resp, _ := do(t, s, "POST", "/channels/42/messages", map[string]any{"content": "x"}); resp.StatusCode != 429 {
		t.Fatalf("forced: %d", resp.StatusCode)
	}
	if resp, _ := do(t, s, "POST", "/channels/42/messages", map[string]any{"content": "x"}); resp.StatusCode != 200 {
		t.Fatalf("after forced: %d", resp.StatusCode)
	}
	if s.Count429() != 2 {
		t.Errorf("Count429 = %d", s.Count429())
	}
}

func TestThreadsAndHistory(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ch := s.Options().GeneralID
	alice := User{ID: "5", Username: "alice"}
	q := s.Post(ch, Post{Author: alice, Content: "<@" + s.Bot().ID + "> hi"})
	if len(q.Mentions) != 1 || !q.Mentions[0].Bot {
		t.Fatalf("mentions %+v", q.Mentions)
	}
	resp, body := do(t, s, "POST", "/channels/"+ch+"/messages/"+q.ID+"/threads", map[string]any{"name": "hi"})
	var th Channel
	_ = json.Unmarshal(body, &th)
	if resp.StatusCode != 201 || th.ID != q.ID || th.ParentID != ch || th.Type != PublicThread {
		t.Fatalf("thread: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, s, "POST", "/channels/"+ch+"/messages/"+q.ID+"/threads", map[string]any{"name": "hi"})
	if resp.StatusCode != 400 || !strings.Contains(string(body), "160004") {
		t.Fatalf("second thread: %d %s", resp.StatusCode, body)
	}
	for i := 0; i < 5; i++ {
		s.Post(th.ID, Post{Author: alice, Content: "m"})
	}
	_, body = do(t, s, "GET", "/channels/"+th.ID+"/messages?limit=3", nil)
	var page []Message
	_ = json.Unmarshal(body, &page)
	if len(page) != 3 || !idLess(page[1].ID, page[0].ID) {
		t.Fatalf("page: %+v", page)
	}
	_, body = do(t, s, "GET", "/channels/"+th.ID+"/messages?limit=100&before="+page[2].ID, nil)
	var rest []Message
	_ = json.Unmarshal(body, &rest)
	if len(rest) != 2 {
		t.Fatalf("before page: %d", len(rest))
	}
	if resp, _ := do(t, s, "GET", "/channels/404/messages", nil); resp.StatusCode != 404 {
		t.Fatalf("unknown channel: %d", resp.StatusCode)
	}
}

func dial(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.GatewayURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

type frame struct {
	Op int             `json:"op"`
	S  int64           `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

func read(t *testing.T, ws *websocket.Conn) frame {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f frame
	if err := ws.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGatewayIdentifyResumeReplay(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	ws := dial(t, s)
	if f := read(t, ws); f.Op != 10 {
		t.Fatalf("hello: %+v", f)
	}
	_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot test-token", "intents": 37376}})
	ready := read(t, ws)
	var r struct {
		SessionID string `json:"session_id"`
		Resume    string `json:"resume_gateway_url"`
	}
	_ = json.Unmarshal(ready.D, &r)
	if ready.T != "READY" || ready.S != 1 || r.SessionID == "" || r.Resume != s.GatewayURL() {
		t.Fatalf("ready: %+v", ready)
	}
	_ = ws.WriteJSON(map[string]any{"op": 1, "d": 1})
	if f := read(t, ws); f.Op != 11 {
		t.Fatalf("ack: %+v", f)
	}
	s.Dispatch("TYPING_START", map[string]any{})
	if f := read(t, ws); f.S != 2 {
		t.Fatalf("seq: %+v", f)
	}
	s.Disconnect(4000, 1)
	_ = ws.Close()
	s.Dispatch("MESSAGE_CREATE", map[string]any{"id": "9"}) // missed while away

	ws2 := dial(t, s)
	defer ws2.Close()
	read(t, ws2)
	_ = ws2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot test-token", "session_id": r.SessionID, "seq": 2}})
	var got []string
	for len(got) < 3 {
		f := read(t, ws2)
		got = append(got, f.T)
	}
	if strings.Join(got, ",") != "TYPING_START,MESSAGE_CREATE,RESUMED" {
		t.Fatalf("replay = %v", got)
	}
	if s.Resumes() != 1 || len(s.Identifies()) != 1 || s.Identifies()[0].Intents != 37376 {
		t.Fatalf("resumes %d identifies %+v", s.Resumes(), s.Identifies())
	}
}

func TestGatewayCloseCodes(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for _, tc := range []struct {
		token string
		code  int
	}{{"Bot wrong", 4004}, {"Bot test-token", 4014}} {
		s.CloseOnIdentify(0)
		if tc.code == 4014 {
			s.CloseOnIdentify(4014)
		}
		ws := dial(t, s)
		read(t, ws)
		_ = ws.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": tc.token}})
		_, _, err := ws.ReadMessage()
		var ce *websocket.CloseError
		if ce2, ok := err.(*websocket.CloseError); ok {
			ce = ce2
		}
		if ce == nil || ce.Code != tc.code {
			t.Errorf("token %q: err %v, want close %d", tc.token, err, tc.code)
		}
		_ = ws.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := WaitFor(ctx, func() bool { return !s.Connected() }); err != nil {
		t.Fatal(err)
	}
}

func TestInteractionCallbackAndWebhooks(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	in := s.RegisterInteraction(s.SlashCommand(Invoker{User: User{ID: "5"}, ChannelID: s.Options().GeneralID, GuildID: s.Options().GuildID}, "ask",
		Option{Name: "question", Type: 3, Value: "hi"}))
	if resp, b := do(t, s, "POST", "/interactions/"+in.ID+"/"+in.Token+"/callback", map[string]any{"type": 5}); resp.StatusCode != 204 {
		t.Fatalf("defer: %d %s", resp.StatusCode, b)
	}
	if resp, _ := do(t, s, "POST", "/interactions/"+in.ID+"/"+in.Token+"/callback", map[string]any{"type": 5}); resp.StatusCode != 400 {
		t.Fatalf("second ack: %d", resp.StatusCode)
	}
	wh := "/webhooks/" + s.Options().AppID + "/" + in.Token
	if resp, b := do(t, s, "PATCH", wh+"/messages/@original", map[string]any{"content": "answer"}); resp.StatusCode != 200 {
		t.Fatalf("edit original: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, s, "POST", wh+"?wait=true", map[string]any{"content": "more"}); resp.StatusCode != 200 {
		t.Fatalf("followup: %d %s", resp.StatusCode, b)
	}
	r := s.InteractionResponse(in.Token)
	if r.Type != 5 || r.Original == nil || r.Original.Content != "answer" || len(r.Followups) != 1 {
		t.Fatalf("response: %+v", r)
	}
	s.ExpireInteraction(in.Token)
	if resp, _ := do(t, s, "PATCH", wh+"/messages/@original", map[string]any{"content": "late"}); resp.StatusCode != 401 {
		t.Fatalf("expired: %d", resp.StatusCode)
	}
}

func TestCommandValidation(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	app := s.Options().AppID
	bad := []map[string]any{{"name": "Ask", "description": "x", "type": 1}}
	if resp, _ := do(t, s, "PUT", "/applications/"+app+"/commands", bad); resp.StatusCode != 400 {
		t.Fatalf("upper-case name accepted: %d", resp.StatusCode)
	}
	good := []map[string]any{{"name": "ask", "description": "Ask", "type": 1}, {"name": "Explain code", "type": 3}}
	if resp, b := do(t, s, "PUT", "/applications/"+app+"/guilds/9/commands", good); resp.StatusCode != 200 {
		t.Fatalf("good: %d %s", resp.StatusCode, b)
	}
	if len(s.Commands("9")) != 2 || len(s.Commands("")) != 0 {
		t.Fatalf("commands: %+v", s.Commands("9"))
	}
}

// clock is a settable clock for the rate limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestGlobalLimit(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := New(Options{GlobalLimit: 10, Now: c.now})
	defer s.Close()
	in := s.RegisterInteraction(s.SlashCommand(Invoker{User: User{ID: "5"}, ChannelID: s.Options().GeneralID, GuildID: s.Options().GuildID}, "ask"))
	// Ten requests on different routes fill the window.
	for i := range 10 {
		path := "/channels/" + s.Options().GeneralID
		if i%2 == 1 {
			path = "/users/@me"
		}
		if resp, b := do(t, s, "GET", path, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	c.add(400 * time.Millisecond)
	resp, body := do(t, s, "POST", "/channels/"+s.Options().GeneralID+"/messages", map[string]any{"content": "x"})
	if resp.StatusCode != 429 {
		t.Fatalf("11th request: %d %s", resp.StatusCode, body)
	}
	if g, sc, ra := resp.Header.Get("X-RateLimit-Global"), resp.Header.Get("X-RateLimit-Scope"), resp.Header.Get("Retry-After"); g != "true" || sc != "global" || ra != "1" {
		t.Errorf("headers: global %q scope %q retry-after %q", g, sc, ra)
	}
	if h := resp.Header.Get("X-RateLimit-Bucket"); h != "" {
		t.Errorf("a global 429 carries route headers: bucket %q", h)
	}
	var rl struct {
		Message    string   `json:"message"`
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	if err := json.Unmarshal(body, &rl); err != nil || rl.Message != "You are being rate limited." || rl.RetryAfter == nil ||
		*rl.RetryAfter != 0.6 || !rl.Global {
		t.Errorf("body %s", body)
	}
	if len(s.Messages(s.Options().GeneralID)) != 0 {
		t.Error("the refused request created a message")
	}
	// Interaction endpoints are not bound to the global limit.
	if resp, b := do(t, s, "POST", "/interactions/"+in.ID+"/"+in.Token+"/callback", map[string]any{"type": 5}); resp.StatusCode != 204 {
		t.Fatalf("callback over the global limit: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, s, "PATCH", "/webhooks/"+s.Options().AppID+"/"+in.Token+"/messages/@original", map[string]any{"content": "a"}); resp.StatusCode != 200 {
		t.Fatalf("webhook over the global limit: %d %s", resp.StatusCode, b)
	}
	if b, g := s.RateLimited(); b != 0 || g != 1 {
		t.Errorf("RateLimited() = %d, %d; want 0, 1", b, g)
	}
	if s.Count429() != 1 {
		t.Errorf("Count429() = %d", s.Count429())
	}
	// The next window is open again.
	c.add(600 * time.Millisecond)
	if resp, b := do(t, s, "GET", "/users/@me", nil); resp.StatusCode != 200 {
		t.Fatalf("next window: %d %s", resp.StatusCode, b)
	}
}

func TestForceGlobal429ClosesEveryRoute(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := New(Options{Now: c.now}) // no GlobalLimit: only the forced one
	defer s.Close()
	s.ForceGlobal429(250 * time.Millisecond)
	for _, path := range []string{"/users/@me", "/channels/" + s.Options().GeneralID} {
		resp, body := do(t, s, "GET", path, nil)
		if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Global") != "true" || !strings.Contains(string(body), `"global":true`) {
			t.Fatalf("GET %s during the forced limit: %d %s", path, resp.StatusCode, body)
		}
	}
	c.add(250 * time.Millisecond)
	if resp, b := do(t, s, "GET", "/users/@me", nil); resp.StatusCode != 200 {
		t.Fatalf("after the forced limit: %d %s", resp.StatusCode, b)
	}
	s.Force429(1, time.Second)
	if resp, _ := do(t, s, "POST", "/channels/"+s.Options().GeneralID+"/messages", map[string]any{"content": "x"}); resp.StatusCode != 429 {
		t.Fatalf("Force429: %d", resp.StatusCode)
	}
	if b, g := s.RateLimited(); b != 1 || g != 2 {
		t.Errorf("RateLimited() = %d, %d; want 1, 2", b, g)
	}
}

// Generous route buckets are per major parameter, as on Discord: one
// channel's typing indicators do not spend another channel's.
func TestRouteBucketsPerChannel(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	s := New(Options{Now: c.now})
	defer s.Close()
	other := s.NewID()
	s.AddChannel(Channel{ID: other, Type: GuildText, GuildID: s.Options().GuildID, Name: "other"})
	general := "/channels/" + s.Options().GeneralID + "/typing"
	for i := range 50 {
		if resp, b := do(t, s, "POST", general, nil); resp.StatusCode/100 != 2 {
			t.Fatalf("typing %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	if resp, _ := do(t, s, "POST", general, nil); resp.StatusCode != 429 {
		t.Fatalf("51st typing in one channel within a second: %d, want 429", resp.StatusCode)
	}
	if resp, b := do(t, s, "POST", "/channels/"+other+"/typing", nil); resp.StatusCode/100 != 2 {
		t.Fatalf("typing in another channel: %d %s, want it allowed", resp.StatusCode, b)
	}
}
