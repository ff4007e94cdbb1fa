package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// Message flags the bot sets
// (https://discord.com/developers/docs/resources/message#message-object-message-flags).
const (
	// flagSuppressEmbeds (SUPPRESS_EMBEDS, 1<<2): no link previews. It may
	// be set on create and on edit ("only SUPPRESS_EMBEDS ... can be set").
	flagSuppressEmbeds = 1 << 2
	// flagEphemeral (EPHEMERAL, 1<<6): only the asker sees it.
	flagEphemeral = 1 << 6
)

// maxResponse bounds the body of one REST answer the client reads.
const maxResponse = 4 << 20

// restClient makes the REST calls of an answer's path (messages, edits,
// thread starts, typing, interaction responses and follow-ups) on the
// adapter's http.Client, so they go through the same transport as
// discordgo's (api_url, the global budget and its tickets, the buckets'
// headers, Hooks). It exists because discordgo v0.29 hides what the
// writer needs: the status of a 502 (a plain error once MaxRestRetries
// are spent), nonce and enforce_nonce on creates, whether a failed request
// was written, and a successful call from a body that does not decode into
// its structs. It reads only the fields the bot uses, sends
// allowed_mentions {"parse": []} with every message and edit, and returns
// only classified errors (*apiError) or the caller's context error.
type restClient struct {
	http *http.Client
	auth string // "Bot <token>"
	ua   string
	log  *slog.Logger
	// retryDelay is the pause before a 5xx or network failure is retried.
	retryDelay time.Duration
	// flags are set on every message and edit of an answer
	// (SUPPRESS_EMBEDS unless link previews are on).
	flags int
}

// mentionsNone is allowed_mentions with an empty parse list: nothing in
// the text pings. Discord re-parses mentions on every edit, and only an
// explicit empty list (not a missing field) disables them
// (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
type mentionsNone struct {
	Parse []string `json:"parse"`
}

func noPings() mentionsNone { return mentionsNone{Parse: []string{}} }

// messageRef makes a message a reply to another.
type messageRef struct {
	MessageID       string `json:"message_id"`
	ChannelID       string `json:"channel_id,omitempty"`
	GuildID         string `json:"guild_id,omitempty"`
	FailIfNotExists bool   `json:"fail_if_not_exists"`
}

// messageBody is the JSON of a message create or edit.
type messageBody struct {
	Content         string       `json:"content"`
	AllowedMentions mentionsNone `json:"allowed_mentions"`
	Flags           int          `json:"flags,omitempty"`
	// Nonce with EnforceNonce makes the create idempotent: "If another
	// message was created by the same author with the same nonce [in the
	// past few minutes], that message will be returned and no new message
	// will be created". Up to 25 characters
	// (https://discord.com/developers/docs/resources/message#create-message-jsonform-params).
	Nonce        string      `json:"nonce,omitempty"`
	EnforceNonce bool        `json:"enforce_nonce,omitempty"`
	Reference    *messageRef `json:"message_reference,omitempty"`
	// Components are the message's buttons (stop.go): nil is not sent (an
	// edit keeps the message's), an empty list removes them
	// (https://discord.com/developers/docs/resources/message#edit-message).
	Components *[]discordgo.MessageComponent `json:"components,omitempty"`
}

// threadInfo is what the bot reads of a thread it started.
type threadInfo struct {
	ID       string
	Type     int
	GuildID  string
	ParentID string
	OwnerID  string
}

// do makes one call: in (if not nil) is sent as JSON; on a 2xx the fields
// of out (name -> pointer) are read from the answer, each on its own, and
// only a failure to read a required one makes the call Uncertain. A
// failed call is logged once, here.
func (c *restClient) do(ctx context.Context, op, method, path string, in any, out map[string]any, required ...string) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &apiError{op: op, class: bots.Permanent, cause: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://"+discordHost+apiPrefix+path, body)
	if err != nil {
		return &apiError{op: op, class: bots.Permanent, cause: err}
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("User-Agent", c.ua)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var written atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				written.Store(true)
			}
		},
	}))
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL, and URLs hold tokens
		}
		return c.failed(ctx, networkError(ctx, op, err, written.Load(), c.retryDelay))
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.failed(ctx, httpError(op, resp.StatusCode, resp.Header.Get, data, c.retryDelay))
	}
	if len(out) == 0 {
		return nil
	}
	if rerr == nil {
		rerr = readFields(data, out, required)
	}
	if rerr != nil {
		return c.failed(ctx, &apiError{op: op, status: resp.StatusCode, class: bots.Uncertain, after: c.retryDelay,
			message: "the answer did not decode; the call may have taken effect", cause: rerr})
	}
	return nil
}

// readFields reads each field of out from the JSON object data on its
// own: a field of an unexpected type is left as it is unless it is
// required. Only a body that is not a JSON object, or a required field
// missing or unreadable, is an error.
func readFields(data []byte, out map[string]any, required []string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	for name, dst := range out {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		_ = json.Unmarshal(raw, dst)
	}
	for _, name := range required {
		s, ok := out[name].(*string)
		if !ok {
			continue
		}
		if *s == "" {
			return errors.New("no " + name + " in the answer")
		}
	}
	return nil
}

// failed logs one line for a failed call: the call, the status, Discord's
// code, for 50035 the refused fields, the class and the pause asked for;
// never a URL or a body beyond a short excerpt.
func (c *restClient) failed(ctx context.Context, err error) error {
	var e *apiError
	if !errors.As(err, &e) {
		return err
	}
	level := slog.LevelWarn
	if e.class != bots.Permanent {
		level = slog.LevelInfo
	}
	attrs := []any{"call", e.op, "status", e.status, "code", e.code, "class", e.class.String()}
	if e.after > 0 {
		attrs = append(attrs, "retry_after", e.after)
	}
	if e.global {
		attrs = append(attrs, "global", true)
	}
	if len(e.fields) > 0 {
		attrs = append(attrs, "fields", e.fields)
	}
	if e.message != "" {
		attrs = append(attrs, "message", e.message)
	}
	if e.cause != nil {
		attrs = append(attrs, "cause", e.cause.Error())
	}
	what := "discord: REST call failed"
	if e.rateLimited() {
		what = "discord: REST call rate limited"
	}
	c.log.Log(ctx, level, what, attrs...)
	return err
}

// createMessage posts text in channel; nonce (if not empty) makes it
// idempotent; ref makes it a reply; comps (if not nil) are its buttons.
func (c *restClient) createMessage(ctx context.Context, op, channel, text, nonce string, ref *messageRef,
	comps *[]discordgo.MessageComponent) (string, error) {
	body := messageBody{Content: text, AllowedMentions: noPings(), Flags: c.flags, Reference: ref, Components: comps}
	if nonce != "" {
		body.Nonce, body.EnforceNonce = nonce, true
	}
	var id string
	err := c.do(ctx, op, http.MethodPost, "/channels/"+channel+"/messages", body, map[string]any{"id": &id}, "id")
	return id, err
}

// editMessage replaces the content of a message, and its buttons when
// comps is not nil (an empty list removes them). Its answer is not read:
// a 2xx means the edit was made.
func (c *restClient) editMessage(ctx context.Context, op, channel, id, text string, comps *[]discordgo.MessageComponent) error {
	body := messageBody{Content: text, AllowedMentions: noPings(), Flags: c.flags, Components: comps}
	return c.do(ctx, op, http.MethodPatch, "/channels/"+channel+"/messages/"+id, body, nil)
}

// startThread starts a public thread from a message.
func (c *restClient) startThread(ctx context.Context, op, parent, message, name string) (threadInfo, error) {
	in := map[string]any{"name": name, "auto_archive_duration": 1440, "type": 11}
	var th threadInfo
	err := c.do(ctx, op, http.MethodPost, "/channels/"+parent+"/messages/"+message+"/threads", in,
		map[string]any{"id": &th.ID, "type": &th.Type, "guild_id": &th.GuildID, "parent_id": &th.ParentID,
			"owner_id": &th.OwnerID}, "id")
	return th, err
}

// typing shows the typing indicator in channel.
func (c *restClient) typing(ctx context.Context, channel string) error {
	return c.do(ctx, "typing in "+channel, http.MethodPost, "/channels/"+channel+"/typing", nil, nil)
}

// openDM returns the DM channel with user.
func (c *restClient) openDM(ctx context.Context, user string) (string, error) {
	var id string
	err := c.do(ctx, "open DM", http.MethodPost, "/users/@me/channels", map[string]string{"recipient_id": user},
		map[string]any{"id": &id}, "id")
	return id, err
}

// respond sends the initial response of an interaction.
func (c *restClient) respond(ctx context.Context, id, token string, resp any) error {
	return c.do(ctx, "respond to interaction", http.MethodPost, "/interactions/"+id+"/"+token+"/callback", resp, nil)
}

// editOriginal edits the original response of an interaction; it returns
// the message's id when the answer tells it.
// comps (if not nil) replace its buttons (an empty list removes them).
func (c *restClient) editOriginal(ctx context.Context, op, app, token, text string, comps *[]discordgo.MessageComponent) (string, error) {
	var id string
	body := messageBody{Content: text, AllowedMentions: noPings(), Flags: c.flags, Components: comps}
	err := c.do(ctx, op, http.MethodPatch, "/webhooks/"+app+"/"+token+"/messages/@original"+withComponents(comps, "?"), body, map[string]any{"id": &id})
	return id, err
}

// followup posts a follow-up message of an interaction (flags adds e.g.
// EPHEMERAL). Execute Webhook takes no nonce: a follow-up cannot be made
// idempotent.
func (c *restClient) followup(ctx context.Context, op, app, token, text string, flags int, comps *[]discordgo.MessageComponent) (string, error) {
	body := messageBody{Content: text, AllowedMentions: noPings(), Flags: c.flags | flags, Components: comps}
	var id string
	err := c.do(ctx, op, http.MethodPost, "/webhooks/"+app+"/"+token+"?wait=true"+withComponents(comps, "&"), body, map[string]any{"id": &id}, "id")
	return id, err
}

// editFollowup edits a follow-up message of an interaction.
func (c *restClient) editFollowup(ctx context.Context, op, app, token, id, text string, comps *[]discordgo.MessageComponent) error {
	body := messageBody{Content: text, AllowedMentions: noPings(), Flags: c.flags, Components: comps}
	return c.do(ctx, op, http.MethodPatch, "/webhooks/"+app+"/"+token+"/messages/"+id+withComponents(comps, "?"), body, nil)
}

// withComponents is the query that makes a webhook call respect its
// components ("If you are sending components as part of a webhook you'll
// need to use the ?with_components=true query param otherwise they'll be
// ignored", https://docs.discord.com/developers/components/using-message-components);
// "" when the call sends none.
func withComponents(comps *[]discordgo.MessageComponent, sep string) string {
	if comps == nil {
		return ""
	}
	return sep + "with_components=true"
}
