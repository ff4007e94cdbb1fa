package discord

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// Issue 12: a captured signed /ask replayed over the HTTP interactions
// endpoint inside the timestamp window (same body, same timestamp, so the
// same valid signature) gets Discord's "already acknowledged" error and
// nothing else: one answer, one model request.
func TestReplayedHTTPInteractionIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessConfig{noRun: true, adapter: func(o *Options) { o.PublicKey = hex.EncodeToString(pub) }})
	srv := httptest.NewServer(h.a.InteractionsHandler())
	defer srv.Close()
	h.llm.Script(llmtest.Scenario{Reply: "Answered once."})
	in := h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "hi"}))
	raw, _ := json.Marshal(in)
	ts := time.Now()
	resp, body := signedPost(t, srv.URL, priv, ts, raw)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"type":5`) {
		t.Fatalf("command: %d %s", resp.StatusCode, body)
	}
	if err := h.dc.Acknowledge(in.Token, body); err != nil {
		t.Fatal(err)
	}
	resp, again := signedPost(t, srv.URL, priv, ts, raw)
	var e struct {
		Code int `json:"code"`
	}
	if resp.StatusCode != 400 || json.Unmarshal(again, &e) != nil || e.Code != 40060 {
		t.Errorf("replay: %d %s, want 400 with code 40060", resp.StatusCode, again)
	}
	h.waitFor("answer", 10*time.Second, func() bool {
		r := h.dc.InteractionResponse(in.Token)
		return r.Original != nil && r.Original.Content == "Answered once."
	})
	if n := len(h.llm.Requests()); n != 1 {
		t.Errorf("%d model requests, want 1", n)
	}
	if r := h.dc.InteractionResponse(in.Token); len(r.Followups) != 0 {
		t.Errorf("follow-ups after a replay: %+v", r.Followups)
	}

	// A replayed /usage: the replayer gets the error, not the usage.
	usage, _ := json.Marshal(h.dc.RegisterInteraction(h.dc.SlashCommand(h.invoker(), "usage")))
	ts = time.Now()
	if resp, body := signedPost(t, srv.URL, priv, ts, usage); resp.StatusCode != 200 || !strings.Contains(string(body), `"type":4`) {
		t.Fatalf("usage: %d %s", resp.StatusCode, body)
	}
	resp, again = signedPost(t, srv.URL, priv, ts, usage)
	if resp.StatusCode != 400 || !strings.Contains(string(again), "40060") || strings.Contains(string(again), `"content"`) {
		t.Errorf("usage replay: %d %s", resp.StatusCode, again)
	}
}
