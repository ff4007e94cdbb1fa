package fakeslack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T, opts Options) (*Server, *slackgo.Client) {
	t.Helper()
	s := New(opts)
	t.Cleanup(s.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	api := slackgo.New(s.Options().BotToken, slackgo.OptionAPIURL(s.APIURL()),
		slackgo.OptionAppLevelToken(s.Options().AppToken), slackgo.OptionHTTPClient(&http.Client{Transport: tr}))
	return s, api
}

func code(err error) string {
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

func TestAuthAndMessageLimits(t *testing.T) {
	s, api := setup(t, Options{})
	ctx := context.Background()
	res, err := api.AuthTestContext(ctx)
	if err != nil || res.UserID != DefaultBotUserID || res.TeamID != DefaultTeamID {
		t.Fatalf("auth.test = %+v, %v", res, err)
	}
	bad := slackgo.New("xoxb-bad", slackgo.OptionAPIURL(s.APIURL()))
	if _, err := bad.AuthTestContext(ctx); code(err) != "invalid_auth" {
		t.Errorf("bad token: %v", err)
	}
	_, ts, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("hi", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slackgo.MsgOptionText(strings.Repeat("é", MaxUpdateText), false)); err != nil {
		t.Errorf("4,000 characters refused: %v", err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slackgo.MsgOptionText(strings.Repeat("a", MaxUpdateText+1), false)); code(err) != "msg_too_long" {
		t.Errorf("4,001 characters: %v, want msg_too_long", err)
	}
	s.SetMember("C2", false)
	if _, _, err := api.PostMessageContext(ctx, "C2", slackgo.MsgOptionText("hi", false)); code(err) != "not_in_channel" {
		t.Errorf("not a member: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slackgo.MsgOptionText("<!here> <@U1>", false)); err != nil {
		t.Fatal(err)
	}
	if p := s.Pings(); len(p) != 2 {
		t.Errorf("pings = %+v, want <!here> and <@U1>", p)
	}
}

func TestTierBudgetsAndForced429(t *testing.T) {
	s, api := setup(t, Options{Limits: map[string]Limit{"users.info": {PerMinute: 2, Burst: 2}}})
	ctx := context.Background()
	for i := range 2 {
		if _, err := api.GetUserInfoContext(ctx, "U0ALICE"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := api.GetUserInfoContext(ctx, "U0ALICE")
	var rl *slackgo.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < time.Second || rl.RetryAfter > 31*time.Second {
		t.Errorf("third call: %v, want 429 with Retry-After about 30s", err)
	}
	s.Force429("auth.test", 1, 3*time.Second)
	if _, err := api.AuthTestContext(ctx); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Errorf("forced: %v", err)
	}
	if _, err := api.AuthTestContext(ctx); err != nil {
		t.Errorf("after the forced 429: %v", err)
	}
	if n := s.RateLimited(); n != 2 {
		t.Errorf("RateLimited = %d", n)
	}
}

func TestRepliesPaginateAndStreams(t *testing.T) {
	s, api := setup(t, Options{})
	ctx := context.Background()
	parent := s.PostUserMessage("C1", "", "U0ALICE", "root")
	for range 5 {
		s.PostUserMessage("C1", parent.TS, "U0BOB", "reply")
	}
	params := &slackgo.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent.TS, Limit: 2}
	total := 0
	for pages := 1; ; pages++ {
		msgs, more, cursor, err := api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		total += len(msgs)
		if !more {
			if pages != 3 || total != 6 {
				t.Errorf("%d messages in %d pages", total, pages)
			}
			break
		}
		params.Cursor = cursor
	}
	_, _, err := api.StartStreamContext(ctx, "C1", slackgo.MsgOptionTS(parent.TS), slackgo.MsgOptionMarkdownText("**a**"))
	if code(err) != "missing_recipient_user_id" {
		t.Errorf("stream without recipient in a channel: %v", err)
	}
	_, ts, err := api.StartStreamContext(ctx, "C1", slackgo.MsgOptionTS(parent.TS), slackgo.MsgOptionMarkdownText("**a**"),
		slackgo.MsgOptionRecipientUserID("U0ALICE"), slackgo.MsgOptionRecipientTeamID(DefaultTeamID))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.AppendStreamContext(ctx, "C1", ts, slackgo.MsgOptionMarkdownText(" b")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.StopStreamContext(ctx, "C1", ts, slackgo.MsgOptionMarkdownText(" c")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.AppendStreamContext(ctx, "C1", ts, slackgo.MsgOptionMarkdownText("late")); code(err) != "message_not_in_streaming_state" {
		t.Errorf("append after stop: %v", err)
	}
	if got := s.BotReplies("C1", parent.TS); len(got) != 1 || got[0].Markdown != "**a** b c" {
		t.Errorf("streamed message %+v", got)
	}
}

func TestFilesNeedTheToken(t *testing.T) {
	s, api := setup(t, Options{})
	m := s.PostUserMessage("C1", "", "U0ALICE", "file", &File{Name: "a.go", Mimetype: "text/plain", Content: []byte("package a")})
	f, _, _, err := api.GetFileInfoContext(context.Background(), m.Files[0].ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := api.GetFileContext(context.Background(), f.URLPrivateDownload, &buf); err != nil || buf.String() != "package a" {
		t.Errorf("download with token: %q %v", buf.String(), err)
	}
	resp, err := s.Client().Get(f.URLPrivateDownload)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "package a") || resp.Request.URL.Path != "/signin" {
		t.Errorf("download without token reached %s: %q", resp.Request.URL.Path, body)
	}
}

func TestSocketHelloEnvelopeAck(t *testing.T) {
	s, api := setup(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, wsURL, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("hello = %v, %v", hello, err)
	}
	id, err := s.Send(ctx, Envelope{Type: "events_api", Payload: s.EventCallback("Ev1", map[string]any{"type": "app_mention"})})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		EnvelopeID string          `json:"envelope_id"`
		Type       string          `json:"type"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := conn.ReadJSON(&env); err != nil || env.EnvelopeID != id || env.Type != "events_api" {
		t.Fatalf("envelope = %+v, %v", env, err)
	}
	if err := conn.WriteJSON(map[string]string{"envelope_id": id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Error(err)
	}
	// The ticket is single use, like Slack's.
	if _, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil); err == nil {
		t.Error("a used ticket was accepted again")
	}
}

func TestSignMatchesSlackVerifier(t *testing.T) {
	body := []byte(`{"type":"event_callback"}`)
	h := Sign(DefaultSigningSecret, body, time.Now())
	sv, err := slackgo.NewSecretsVerifier(h, DefaultSigningSecret)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		t.Errorf("slack-go refuses the fake's signature: %v", err)
	}
}
