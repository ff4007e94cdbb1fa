package fakeslack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event types the fake builds.
const (
	AppMention = "app_mention"
	MessageEv  = "message"
)

// MessageEvent returns the inner event Slack sends for m: an app_mention or
// a message event (with channel_type from the channel id's prefix).
func (s *Server) MessageEvent(m Message, eventType string) map[string]any {
	ev := map[string]any{
		"type": eventType, "user": m.User, "text": m.Text, "ts": m.TS,
		"channel": m.Channel, "event_ts": m.TS, "team": s.opts.TeamID,
		"client_msg_id": "cm-" + m.TS,
	}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		ev["thread_ts"] = m.ThreadTS
		ev["parent_user_id"] = "U0ALICE"
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
		delete(ev, "client_msg_id")
	}
	// Real message events carry the text as blocks too (rich_text for
	// people, section blocks for apps).
	ev["blocks"] = []any{map[string]any{"type": "rich_text", "block_id": "b" + m.TS, "elements": []any{
		map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": m.Text}}}}}}
	if s.opts.OmitTeam {
		delete(ev, "team")
	}
	if eventType == MessageEv {
		ev["channel_type"] = channelType(m.Channel)
	}
	if len(m.Files) > 0 {
		var files []any
		for _, f := range m.Files {
			files = append(files, f.json(s.base))
		}
		ev["files"] = files
		ev["subtype"] = "file_share"
	}
	return ev
}

func channelType(id string) string {
	switch {
	case strings.HasPrefix(id, "D"):
		return "im"
	case strings.HasPrefix(id, "G"):
		return "group"
	default:
		return "channel"
	}
}

// EventCallback wraps an inner event in the Events API event_callback
// body, as Slack POSTs it and as a Socket Mode events_api payload.
func (s *Server) EventCallback(eventID string, inner map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{
		"token": "legacyVerificationToken", "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": inner, "type": "event_callback", "event_id": eventID,
		"event_time": s.opts.Now().Unix(),
		"authorizations": []any{map[string]any{"enterprise_id": nil, "team_id": s.opts.TeamID,
			"user_id": s.opts.BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
		"event_context":         "4-fake",
	})
	return body
}

// SlashCommand returns the fields of a slash command invocation (the form
// Slack POSTs, or the Socket Mode payload object) with a fresh
// response_url.
func (s *Server) SlashCommand(command, text, channelID, userID string) url.Values {
	return url.Values{
		"token": {"legacyVerificationToken"}, "team_id": {s.opts.TeamID}, "team_domain": {"fake"},
		"channel_id": {channelID}, "channel_name": {"general"}, "user_id": {userID},
		"user_name": {strings.ToLower(strings.TrimPrefix(userID, "U0"))}, "command": {command},
		"text": {text}, "api_app_id": {s.opts.AppID}, "is_enterprise_install": {"false"},
		"response_url": {s.NewResponseURL()}, "trigger_id": {s.NewTriggerID()},
	}
}

// CommandPayload is SlashCommand as the JSON object Socket Mode sends.
func CommandPayload(form url.Values) json.RawMessage {
	m := map[string]string{}
	for k := range form {
		m[k] = form.Get(k)
	}
	b, _ := json.Marshal(m)
	return b
}

// MessageShortcut returns the interaction payload of a message shortcut
// (type message_action) invoked on m by userID.
func (s *Server) MessageShortcut(callbackID string, m Message, userID string) []byte {
	msg := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	if len(m.Files) > 0 {
		var files []any
		for _, f := range m.Files {
			files = append(files, f.json(s.base))
		}
		msg["files"] = files
	}
	b, _ := json.Marshal(map[string]any{
		"type": "message_action", "token": "legacyVerificationToken", "action_ts": m.TS,
		"team":        map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"user":        map[string]any{"id": userID, "name": strings.ToLower(strings.TrimPrefix(userID, "U0")), "team_id": s.opts.TeamID},
		"channel":     map[string]any{"id": m.Channel, "name": "general"},
		"callback_id": callbackID, "trigger_id": s.NewTriggerID(), "message_ts": m.TS,
		"message": msg, "response_url": s.NewResponseURL(),
	})
	return b
}

// Delivery is one signed HTTP request to the app.
type Delivery struct {
	Body        []byte
	ContentType string // default application/json
	// Timestamp signs the request (zero = now); a stale one must be refused.
	Timestamp time.Time
	// RetryNum and RetryReason set X-Slack-Retry-Num / -Reason when > 0.
	RetryNum    int
	RetryReason string
	// BadSignature signs with a wrong secret.
	BadSignature bool
}

// Sign returns Slack's v0 signature headers for body at ts.
func Sign(secret string, body []byte, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// Deliver signs d with the signing secret and POSTs it to target (the
// app's /slack/events, /slack/commands or /slack/interactions URL). It
// returns the status and body the app answered.
func (s *Server) Deliver(ctx context.Context, client *http.Client, target string, d Delivery) (int, string, error) {
	ts := d.Timestamp
	if ts.IsZero() {
		ts = s.opts.Now()
	}
	secret := s.opts.SigningSecret
	if d.BadSignature {
		secret += "-wrong"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
	if err != nil {
		return 0, "", fmt.Errorf("fakeslack: deliver: %w", err)
	}
	for k, v := range Sign(secret, d.Body, ts) {
		req.Header[k] = v
	}
	ct := d.ContentType
	if ct == "" {
		ct = "application/json"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if d.RetryNum > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(d.RetryNum))
		req.Header.Set("X-Slack-Retry-Reason", d.RetryReason)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("fakeslack: deliver: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(body), nil
}

// InteractionForm wraps an interaction payload in the form Slack POSTs to
// the interactivity request URL.
func InteractionForm(payload []byte) []byte {
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}
