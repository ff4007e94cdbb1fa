package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// signedPost sends body to the handler as Discord would, signed with priv
// at time ts.
func signedPost(t *testing.T, url string, priv ed25519.PrivateKey, ts time.Time, body []byte) (*http.Response, []byte) {
	t.Helper()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(priv, append([]byte(stamp), body...))
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestHTTPInteractions(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessConfig{noRun: true, adapter: func(o *Options) { o.PublicKey = hex.EncodeToString(pub) }})
	srv := httptest.NewServer(h.a.InteractionsHandler())
	defer srv.Close()
	ping := []byte(`{"id":"1","application_id":"` + h.dc.Options().AppID + `","type":1,"token":"t","version":1}`)

	resp, body := signedPost(t, srv.URL, priv, time.Now(), ping)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"type":1}` {
		t.Fatalf("PING: %d %s", resp.StatusCode, body)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if resp, _ := signedPost(t, srv.URL, other, time.Now(), ping); resp.StatusCode != 401 {
		t.Errorf("bad signature: %d", resp.StatusCode)
	}
	if resp, _ := signedPost(t, srv.URL, priv, time.Now().Add(-6*time.Minute), ping); resp.StatusCode != 401 {
		t.Errorf("stale timestamp: %d", resp.StatusCode)
	}
	if resp, _ := signedPost(t, srv.URL, priv, time.Now().Add(6*time.Minute), ping); resp.StatusCode != 401 {
		t.Errorf("future timestamp: %d", resp.StatusCode)
	}
	// A body changed after signing.
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(priv, append([]byte(stamp), ping...))
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(bytes.Replace(ping, []byte(`"t"`), []byte(`"u"`), 1)))
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", stamp)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("tampered body: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(srv.URL); err != nil || resp.StatusCode != 405 {
		t.Errorf("GET: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, _ := signedPost(t, srv.URL, priv, time.Now(), []byte(`{"type":"x"`)); resp.StatusCode != 400 {
		t.Errorf("malformed body: %d", resp.StatusCode)
	}

	// A command over HTTP: deferred in the HTTP reply, then streamed into
	// the original response over REST.
	h.llm.Script(llmtest.Scenario{Reply: "Answer over HTTP."})
	in := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "hi"}))
	raw, _ := json.Marshal(in)
	resp, body = signedPost(t, srv.URL, priv, time.Now(), raw)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"type":5`) {
		t.Fatalf("command: %d %s", resp.StatusCode, body)
	}
	if err := h.dc.Acknowledge(in.Token, body); err != nil {
		t.Fatal(err)
	}
	h.waitFor("answer", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && r.Original.Content == "Answer over HTTP."
	})
	// /help: the ephemeral text is the HTTP reply itself.
	help, _ := json.Marshal(h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "help")))
	resp, body = signedPost(t, srv.URL, priv, time.Now(), help)
	var hr struct {
		Type int `json:"type"`
		Data struct {
			Content         string         `json:"content"`
			Flags           int            `json:"flags"`
			AllowedMentions map[string]any `json:"allowed_mentions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &hr); err != nil || hr.Type != 4 || hr.Data.Flags&64 == 0 || hr.Data.Content == "" {
		t.Fatalf("help: %d %s", resp.StatusCode, body)
	}
	if p, ok := hr.Data.AllowedMentions["parse"].([]any); !ok || len(p) != 0 {
		t.Errorf("help allowed_mentions %v", hr.Data.AllowedMentions)
	}
}

func TestInteractionsHandlerWithoutKey(t *testing.T) {
	a, err := New(Options{Token: "x", ShardCount: 1, AttachmentMaxBytes: 1, GlobalPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.InteractionsHandler().ServeHTTP(rec, httptest.NewRequest("POST", "/discord/interactions", strings.NewReader("{}")))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d", rec.Code)
	}
	if _, err := New(Options{Token: "x", PublicKey: "zz", ShardCount: 1, AttachmentMaxBytes: 1, GlobalPerSecond: 50}); err == nil {
		t.Error("bad public key accepted")
	}
}

// A text answer longer than one message, over the HTTP endpoint: the first
// part is the HTTP reply, and Discord reads it only once the response is
// complete, so the other parts must follow after the handler returned.
func TestHTTPLongTextAnswerKeepsEveryPart(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessConfig{noRun: true, adapter: func(o *Options) { o.PublicKey = hex.EncodeToString(pub) }})
	srv := httptest.NewServer(h.a.InteractionsHandler())
	defer srv.Close()
	admin := h.invoker()
	admin.Permissions = "16" // Manage Channels
	prompt := strings.TrimSpace(strings.Repeat("Answer politely and briefly. ", 120))
	send := func(action string, opts ...discordtest.Option) string {
		in := h.dc.RegisterInteraction(h.dc.SlashCommand(admin, "prompt",
			append([]discordtest.Option{{Name: "action", Type: 3, Value: action}}, opts...)...))
		raw, _ := json.Marshal(in)
		resp, body := signedPost(t, srv.URL, priv, time.Now(), raw)
		if resp.StatusCode != 200 {
			t.Fatalf("/prompt %s: %d %s", action, resp.StatusCode, body)
		}
		if err := h.dc.Acknowledge(in.Token, body); err != nil {
			t.Fatal(err)
		}
		return in.Token
	}
	send("set", discordtest.Option{Name: "text", Type: 3, Value: prompt})
	show := send("show")
	var got string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok := discordtest.WaitFor(ctx, func() bool {
		r := h.dc.InteractionResponse(show)
		got = ""
		if r.Original != nil {
			got = r.Original.Content
		}
		for _, f := range r.Followups {
			got += f.Content
		}
		return strings.Count(got, "politely") == 120
	}) == nil
	if !ok {
		t.Fatalf("/prompt show over HTTP lost text: %d of 120 sentences arrived", strings.Count(got, "politely"))
	}
}
