package slack

import (
	"context"
	"errors"
	"strings"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// handleEvent routes one Events API event_callback (already acknowledged).
func (a *Adapter) handleEvent(ctx context.Context, env eventsBody, ev innerEvent) {
	a.hooks.Event(ev.Type)
	if env.EventID != "" && !a.seen.add(env.EventID, struct{}{}) {
		a.hooks.Deduped()
		a.log.DebugContext(ctx, "duplicate event delivery dropped", "event_id", env.EventID, "type", ev.Type)
		return
	}
	switch ev.Type {
	case "app_mention", "message":
		a.handleMessage(ctx, env, ev)
	case "reaction_added":
		a.handleReaction(ctx, env, ev)
	case "assistant_thread_started":
		a.handleAssistantThread(ctx, ev)
	case "assistant_thread_context_changed":
		a.log.DebugContext(ctx, "assistant thread context changed", "channel", ev.AssistantThread.ChannelID)
	default:
		a.log.InfoContext(ctx, "unhandled slack event type; acknowledged and ignored", "type", ev.Type, "event_id", env.EventID)
	}
}

// handleMessage normalizes a message or app_mention and hands it to the
// Engine, which decides, deduplicates (the same mention arrives as both)
// and queues the answer.
func (a *Adapter) handleMessage(ctx context.Context, env eventsBody, ev innerEvent) {
	kind := a.classify(ev)
	if kind == skipMessage {
		return
	}
	msg := a.toMessage(ctx, env, ev, kind)
	if err := a.opts.Engine.HandleMessage(ctx, a, msg); err != nil {
		a.log.WarnContext(ctx, "engine refused message", "key", msg.Key.String(), "ts", msg.ID, "err", err)
	}
}

// toMessage builds the Engine's view of a message event. In channels the
// conversation is the thread (the mention's own ts starts one). In the
// bot's DM a top-level message is answered at the top level, like a chat,
// and a message inside a thread (Slack's assistant threads) in its thread.
func (a *Adapter) toMessage(ctx context.Context, env eventsBody, ev innerEvent, kind messageKind) bots.Message {
	inThread := ev.ThreadTS != "" && ev.ThreadTS != ev.TS
	key := bots.ConversationKey{Platform: bots.Slack, Team: env.team(), Channel: ev.Channel}
	switch {
	case inThread:
		key.Thread = ev.ThreadTS
	case kind == channelMessage:
		key.Thread = ev.TS
	}
	user := a.users.info(ctx, ev.User)
	msg := bots.Message{
		Key:             key,
		ID:              ev.TS,
		EventID:         env.EventID,
		SettingsChannel: ev.Channel,
		UserID:          ev.User,
		UserName:        user.Name,
		Locale:          user.Locale,
		Text:            a.plainText(ctx, ev.Text),
		Mentioned:       ev.Type == "app_mention" || a.mentions(ev.Text),
		DM:              kind == directMessage,
		InThread:        inThread,
		Admin:           user.Admin,
		Time:            tsTime(ev.TS),
	}
	// Files are fetched only for messages that will surely be answered;
	// a follow-up's files come with the thread history if it is answered.
	if msg.Mentioned || msg.DM {
		msg.Attachments = a.attachments(ctx, ev.Files)
	}
	return msg
}

func (a *Adapter) mentions(text string) bool {
	return a.botUserID != "" && (strings.Contains(text, "<@"+a.botUserID+">") || strings.Contains(text, "<@"+a.botUserID+"|"))
}

// handleReaction translates the reacted message when the reaction is a
// flag the catalogs map to a language.
func (a *Adapter) handleReaction(ctx context.Context, env eventsBody, ev innerEvent) {
	if !a.opts.TranslateReactions || ev.Item.Type != "message" || ev.Item.Channel == "" || ev.Item.TS == "" {
		return
	}
	target, isFlag := i18n.FlagLanguage(ev.Reaction)
	if !isFlag {
		return
	}
	user := a.users.info(ctx, ev.User)
	if user.Bot || ev.User == a.botUserID {
		return // another app's (or our own) reaction asks nobody a question
	}
	m, err := a.fetchMessage(ctx, ev.Item.Channel, ev.Item.TS)
	if err != nil {
		a.log.WarnContext(ctx, "cannot read the reacted message", "channel", ev.Item.Channel, "ts", ev.Item.TS, "err", err)
		return
	}
	thread := m.ThreadTimestamp
	if thread == "" {
		thread = m.Timestamp
	}
	text := m.Text
	if a.isOwn(m.User, m.BotID) {
		text = ownText(m)
	}
	msg := bots.Message{
		Key:     bots.ConversationKey{Platform: bots.Slack, Team: env.team(), Channel: ev.Item.Channel, Thread: thread},
		ID:      ev.Item.TS,
		EventID: env.EventID, SettingsChannel: ev.Item.Channel,
		UserID: ev.User, UserName: user.Name, Locale: user.Locale, Admin: user.Admin,
		Text:     a.plainText(ctx, text),
		InThread: m.ThreadTimestamp != "" && m.ThreadTimestamp != m.Timestamp,
		DM:       strings.HasPrefix(ev.Item.Channel, "D"),
		Time:     tsTime(ev.Item.TS),
	}
	if err := a.opts.Engine.TranslateMessage(ctx, a, msg, target); err != nil {
		a.log.WarnContext(ctx, "translation refused", "key", msg.Key.String(), "err", err)
	}
}

// fetchMessage reads one message by ts, top-level or inside a thread.
func (a *Adapter) fetchMessage(ctx context.Context, channel, ts string) (slackgo.Message, error) {
	msgs, _, _, err := a.api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: ts, Oldest: ts, Latest: ts, Inclusive: true, Limit: 2,
		IncludeAllMetadata: true,
	})
	if err != nil {
		return slackgo.Message{}, a.apiErr(ctx, "conversations.replies", err, nil)
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m, nil
		}
	}
	return slackgo.Message{}, &CallError{Method: "conversations.replies", Code: "message_not_found", Err: errors.New("not in the thread")}
}

// handleAssistantThread greets a new assistant thread (the split view of
// Slack's AI apps) and sets localized suggested prompts.
func (a *Adapter) handleAssistantThread(ctx context.Context, ev innerEvent) {
	t := ev.AssistantThread
	if t.ChannelID == "" || t.ThreadTS == "" {
		return
	}
	lang := a.uiLang(ctx, t.ChannelID, a.users.info(ctx, t.UserID).Locale)
	params := slackgo.AssistantThreadsSetSuggestedPromptsParameters{ChannelID: t.ChannelID, ThreadTS: t.ThreadTS}
	for _, p := range suggestedPrompts(lang) {
		params.AddPrompt(p[0], p[1])
	}
	if err := a.api.SetAssistantThreadsSuggestedPromptsContext(ctx, params); err != nil {
		a.log.WarnContext(ctx, "cannot set suggested prompts", "channel", t.ChannelID, "err", a.apiErr(ctx, "assistant.threads.setSuggestedPrompts", err, nil))
	}
	if _, _, err := a.api.PostMessageContext(ctx, t.ChannelID, append(a.postOptions(), slackgo.MsgOptionTS(t.ThreadTS),
		slackgo.MsgOptionText(Mrkdwn(i18n.T(lang, i18n.AssistantGreeting)), false))...); err != nil {
		a.log.WarnContext(ctx, "cannot greet assistant thread", "channel", t.ChannelID, "err", a.apiErr(ctx, "chat.postMessage", err, nil))
	}
}
