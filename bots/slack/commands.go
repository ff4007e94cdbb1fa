package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/stream"
)

// CommandNames are the canonical slash commands, registered as
// "/"+CommandPrefix+name.
var CommandNames = []string{"ask", "code", "explain", "review", "translate", "lang", "prompt", "usage", "help", "summarize", "digest"}

// ExplainCodeCallbackID is the callback id of the "Explain code" message
// shortcut.
const ExplainCodeCallbackID = "explain_code"

// Display bounds of the question message posted to start a thread.
const (
	maxQuestionShown    = 3000
	maxQuestionMetadata = 4000
)

// slashCommand is one slash command invocation (HTTP form or Socket Mode
// payload; same fields).
type slashCommand struct {
	TeamID, ChannelID, UserID, Command, Text, ResponseURL string
	// TriggerID identifies the invocation: its replay is refused
	// (replay.go).
	TriggerID string
}

func parseCommand(v url.Values) (slashCommand, error) {
	c := slashCommand{TeamID: v.Get("team_id"), ChannelID: v.Get("channel_id"), UserID: v.Get("user_id"),
		Command: v.Get("command"), Text: v.Get("text"), ResponseURL: v.Get("response_url"),
		TriggerID: v.Get("trigger_id")}
	if !strings.HasPrefix(c.Command, "/") || len(c.Command) < 2 || c.UserID == "" || c.ChannelID == "" {
		return c, fmt.Errorf("%w: slash command without command, user_id or channel_id", errMalformed)
	}
	if c.ResponseURL != "" {
		if u, err := url.Parse(c.ResponseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, fmt.Errorf("%w: bad response_url", errMalformed)
		}
	}
	return c, nil
}

// commandName maps "/mb-ask" (with prefix "mb-") to "ask"; unknown names
// map to "help". The unprefixed name is accepted too: Slack only delivers
// commands the app registered, so a manifest made with another prefix
// still works.
func (a *Adapter) commandName(command string) string {
	name := strings.TrimPrefix(strings.ToLower(strings.TrimPrefix(command, "/")), strings.ToLower(a.opts.CommandPrefix))
	for _, n := range CommandNames {
		if n == name {
			return n
		}
	}
	return "help"
}

func (a *Adapter) acceptCommand(v url.Values) error {
	c, err := parseCommand(v)
	if err != nil {
		return err
	}
	a.hooks.Event("slash_command")
	if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleCommand(ctx, c) }) {
		return errNotRunning
	}
	return nil
}

func (a *Adapter) handleCommand(ctx context.Context, c slashCommand) {
	if !a.pinned(ctx, c.TeamID, "slash command "+c.Command, c.TriggerID) {
		return
	}
	user := a.users.info(ctx, c.UserID)
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Slack, Team: c.TeamID, Channel: c.ChannelID},
		SettingsChannel: c.ChannelID, UserID: c.UserID, UserName: user.Name, Locale: user.Locale,
		Admin: user.Admin, Text: a.plainText(ctx, c.Text), DM: strings.HasPrefix(c.ChannelID, "D"),
		Time: a.now(),
	}
	a.runCommand(ctx, a.delivered(a.command(a.commandName(c.Command), msg), c.TriggerID), "slash command", c.ResponseURL, "")
}

func (a *Adapter) command(name string, msg bots.Message) bots.Command {
	return bots.Command{Name: name, Text: msg.Text, Msg: msg,
		Options: map[string]string{"prefix": "/" + a.opts.CommandPrefix}}
}

// delivered sets cmd's delivery to its trigger_id, which the Engine
// claims beside the command's other store calls (replay.go).
func (a *Adapter) delivered(cmd bots.Command, triggerID string) bots.Command {
	if triggerID != "" {
		cmd.Delivery = triggerPrefix + triggerID
	}
	return cmd
}

// runCommand runs cmd; what names it in the log of a replay ("slash
// command"), "" when cmd carries no delivery. A replay gets nothing more
// (its request was acknowledged with an empty 200 already, and the
// adapter's work before it, users.info and files, is cached). A text
// answer goes to the asker alone; a model answer streams in a thread
// started by a message repeating the question (in thread, or a new
// thread when thread is ""), so it can be followed up.
// In a channel the bot is not in, the asker is told so through the
// response_url, which works without membership.
func (a *Adapter) runCommand(ctx context.Context, cmd bots.Command, what, responseURL, thread string) {
	resp := a.opts.Engine.Command(ctx, a, cmd)
	msg := cmd.Msg
	if resp.Replayed {
		a.log.InfoContext(ctx, "replayed "+what+" ignored", "trigger_id", strings.TrimPrefix(cmd.Delivery, triggerPrefix))
		return
	}
	if resp.Summary != nil {
		a.runSummary(resp.Summary, responseURL)
		return
	}
	if resp.Ask == nil {
		a.ephemeral(ctx, msg, responseURL, resp.Text)
		return
	}
	ts, err := a.postQuestion(ctx, cmd, thread, resp.Ask)
	if err != nil {
		lang := a.uiLang(ctx, msg.Key.Channel, msg.Locale)
		text := i18n.T(lang, i18n.ErrInternal)
		if errors.Is(err, ErrNotInChannel) || errors.Is(err, ErrChannelNotFound) {
			text = i18n.T(lang, i18n.NotInChannel)
		}
		a.ephemeral(ctx, msg, responseURL, text)
		return
	}
	if thread == "" {
		thread = ts
	}
	key := msg.Key
	key.Thread = thread
	reply, err := a.openReply(ctx, key, asker{to: msg, responseURL: responseURL})
	if err != nil {
		a.log.ErrorContext(ctx, "cannot open command reply", "key", key.String(), "err", err)
		return
	}
	if err := a.opts.Engine.Answer(ctx, resp.Ask, reply); err != nil {
		a.log.WarnContext(ctx, "command answer not queued", "key", key.String(), "err", err)
	}
}

// postQuestion posts "<@asker> asked: question" to start (or continue) a
// thread. Its metadata carries the asker and the question, so history
// reads it back as the asker's turn rather than as a bot answer.
func (a *Adapter) postQuestion(ctx context.Context, cmd bots.Command, thread string, ask *bots.Ask) (string, error) {
	msg := cmd.Msg
	q := ask.Question
	if strings.TrimSpace(q) == "" {
		q = ask.Title
	}
	shown := q
	if parts := stream.SplitMarkdown(q, maxQuestionShown, nil); len(parts) > 1 {
		shown = parts[0] + "\n…"
	}
	meta := []rune(q)
	if len(meta) > maxQuestionMetadata {
		meta = meta[:maxQuestionMetadata]
	}
	text := questionText(a.uiLang(ctx, msg.Key.Channel, msg.Locale), msg.UserID, shown)
	opts := append(a.postOptions(), slackgo.MsgOptionText(text, false),
		slackgo.MsgOptionMetadata(slackgo.SlackMetadata{EventType: questionEvent, EventPayload: map[string]any{
			"asker_id": msg.UserID, "asker_name": msg.UserName, "command": cmd.Name, "question": string(meta)}}))
	if thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(thread))
	}
	if err := a.workspace(msg.Key.Team).postBucket(msg.Key.Channel).Wait(ctx); err != nil {
		return "", err
	}
	_, ts, err := a.api.PostMessageContext(ctx, msg.Key.Channel, opts...)
	if err != nil {
		return "", a.logCallErr(ctx, "chat.postMessage", msg.Key.Channel, a.apiErr(ctx, "chat.postMessage", err, nil))
	}
	return ts, nil
}

// ephemeral shows text to the asker alone: through the response_url when
// there is one (it works in channels the bot is not in), else with
// chat.postEphemeral.
func (a *Adapter) ephemeral(ctx context.Context, msg bots.Message, responseURL, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	rendered := Mrkdwn(text)
	if responseURL != "" {
		_, _, err := a.api.PostMessageContext(ctx, msg.Key.Channel,
			slackgo.MsgOptionResponseURL(responseURL, slackgo.ResponseTypeEphemeral),
			slackgo.MsgOptionText(rendered, false))
		if err == nil {
			return
		}
		a.log.WarnContext(ctx, "response_url post failed; trying chat.postEphemeral", "err", err)
	}
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(rendered, false)}
	if msg.Key.Thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(msg.Key.Thread))
	}
	if _, err := a.api.PostEphemeralContext(ctx, msg.Key.Channel, msg.UserID, opts...); err != nil {
		_ = a.logCallErr(ctx, "chat.postEphemeral", msg.Key.Channel, a.apiErr(ctx, "chat.postEphemeral", err, nil))
	}
}

// interaction is the part of an interaction payload the adapter reads.
type interaction struct {
	Type        string `json:"type"`
	CallbackID  string `json:"callback_id"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Team        struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Message struct {
		User     string      `json:"user"`
		BotID    string      `json:"bot_id"`
		Text     string      `json:"text"`
		TS       string      `json:"ts"`
		ThreadTS string      `json:"thread_ts"`
		Files    []slackFile `json:"files"`
	} `json:"message"`
}

func parseInteraction(payload []byte) (interaction, error) {
	var in interaction
	if err := json.Unmarshal(payload, &in); err != nil {
		return in, fmt.Errorf("%w: interaction: %v", errMalformed, err)
	}
	if in.Type == "" {
		return in, fmt.Errorf("%w: interaction without type", errMalformed)
	}
	return in, nil
}

func (a *Adapter) acceptInteraction(payload []byte) error {
	in, err := parseInteraction(payload)
	if err != nil {
		return err
	}
	a.hooks.Event("interaction")
	if in.Type == "block_actions" {
		return a.acceptBlockActions(payload) // controls.go
	}
	if in.Type == "message_action" && in.CallbackID == SummarizeThreadCallbackID {
		if in.Channel.ID == "" || in.User.ID == "" || in.Message.TS == "" {
			return fmt.Errorf("%w: message shortcut without channel, user or message", errMalformed)
		}
		if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleSummaryShortcut(ctx, in) }) {
			return errNotRunning
		}
		return nil
	}
	if in.Type == "view_submission" {
		return a.acceptViewSubmission(payload) // reason.go
	}
	if in.Type != "message_action" || in.CallbackID != ExplainCodeCallbackID {
		a.log.Info("unhandled interaction; acknowledged and ignored", "type", in.Type, "callback_id", in.CallbackID)
		return nil
	}
	if in.Channel.ID == "" || in.User.ID == "" || in.Message.TS == "" {
		return fmt.Errorf("%w: message shortcut without channel, user or message", errMalformed)
	}
	if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleShortcut(ctx, in) }) {
		return errNotRunning
	}
	return nil
}

// handleShortcut runs "Explain code" on a message: the answer goes in the
// message's thread.
func (a *Adapter) handleShortcut(ctx context.Context, in interaction) {
	m := in.Message
	thread := m.ThreadTS
	if thread == "" {
		thread = m.TS
	}
	text := m.Text
	if a.isOwn(m.User, m.BotID) {
		text = strings.ReplaceAll(text, "<"+zwsp, "<")
	}
	user := a.users.info(ctx, in.User.ID)
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: thread},
		SettingsChannel: in.Channel.ID, UserID: in.User.ID, UserName: user.Name, Locale: user.Locale,
		Admin: user.Admin, Text: a.plainText(ctx, text), DM: strings.HasPrefix(in.Channel.ID, "D"),
		InThread: m.ThreadTS != "" && m.ThreadTS != m.TS, Time: a.now(),
		Attachments: a.attachments(ctx, m.Files),
	}
	a.runCommand(ctx, a.delivered(a.command("explain", msg), in.TriggerID), "message shortcut", in.ResponseURL, thread)
}
