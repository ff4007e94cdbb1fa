package llmcompleter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

func newClient(t *testing.T, srv *llmtest.Server) *llmcompleter.Client {
	t.Helper()
	c, err := llm.New(llm.Options{Dialect: llm.OpenAI, BaseURL: srv.URL(), APIKey: "test-key",
		Model: "mistral-small-latest", MaxRetries: -1, IdleTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return llmcompleter.New(c)
}

// pngURL is an 8x8 PNG as a data: URL.
func pngURL(t *testing.T) string {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// TestStreamTranslatesRequestAndResult: the domain request reaches the
// server as the client sends it (roles, text, the image part), and the
// answer and its usage come back in the domain's types.
func TestStreamTranslatesRequestAndResult(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	t.Cleanup(srv.Close)
	srv.Script(llmtest.Scenario{Reply: "Bonjour tout le monde"})
	c := newClient(t, srv)
	temp := 0.3
	st, err := c.Stream(context.Background(), bots.ModelRequest{
		Messages: []bots.ModelMessage{
			{Role: bots.RoleSystem, Content: "be brief"},
			{Role: bots.RoleUser, Content: "Alice: hello", Images: []bots.Image{{URL: pngURL(t), Width: 8, Height: 8}}},
		},
		Temperature: &temp, MaxTokens: 64, User: "u1",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b strings.Builder
	for {
		d, err := st.Next()
		b.WriteString(d)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if b.String() != "Bonjour tout le monde" {
		t.Fatalf("text %q", b.String())
	}
	r := st.Result()
	if r.Model == "" || r.Usage.Total() == 0 || r.FinishReason != "stop" {
		t.Fatalf("result %+v", r)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	m := reqs[0].Messages
	if len(m) != 2 || m[0].Role != "system" || m[1].Role != "user" || m[1].Content != "Alice: hello" || len(m[1].Images) != 1 {
		t.Fatalf("sent %+v", m)
	}
}

// TestErrorsCarryTheDomainCode: a refusal before the stream comes back
// as a *bots.ModelError with the client's code, the client's error kept
// as its cause.
func TestErrorsCarryTheDomainCode(t *testing.T) {
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	t.Cleanup(srv.Close)
	srv.Script(llmtest.Scenario{Status: 401})
	c := newClient(t, srv)
	_, err := c.Stream(context.Background(), bots.ModelRequest{Messages: []bots.ModelMessage{{Role: bots.RoleUser, Content: "hi"}}})
	if got := bots.CodeOf(err); got != bots.CodeAuth {
		t.Fatalf("code %q, err %v", got, err)
	}
	var le *llm.Error
	if !errors.As(err, &le) || le.Status != 401 {
		t.Fatalf("the client's error is not the cause: %v", err)
	}
}

// TestDomainCodesMatchTheClient: the domain's codes are the client's
// (metrics labels and user texts depend on them), and the default image
// size is the client's rule for Mistral Small.
func TestDomainCodesMatchTheClient(t *testing.T) {
	pairs := []struct {
		d bots.Code
		l llm.Code
	}{
		{bots.CodeInvalid, llm.CodeInvalid}, {bots.CodeContextLength, llm.CodeContextLength},
		{bots.CodeAuth, llm.CodeAuth}, {bots.CodeBudget, llm.CodeBudget}, {bots.CodeNotFound, llm.CodeNotFound},
		{bots.CodeRateLimited, llm.CodeRateLimited}, {bots.CodeUnavailable, llm.CodeUnavailable},
		{bots.CodeTimeout, llm.CodeTimeout}, {bots.CodeInternal, llm.CodeInternal},
	}
	for _, p := range pairs {
		if string(p.d) != string(p.l) {
			t.Errorf("domain %q != client %q", p.d, p.l)
		}
	}
	if bots.DefaultImageMaxSide != llm.ImageMaxSide("") {
		t.Errorf("DefaultImageMaxSide %d, client's rule %d", bots.DefaultImageMaxSide, llm.ImageMaxSide(""))
	}
	if string(bots.RoleSystem) != string(llm.RoleSystem) || string(bots.RoleUser) != string(llm.RoleUser) || string(bots.RoleAssistant) != string(llm.RoleAssistant) {
		t.Error("roles differ from the client's")
	}
}
