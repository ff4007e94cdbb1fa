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
	if !a.pinned(ctx, env.installation(), "event "+ev.Type, env.EventID) {
		return
	}
	if env.EventID != "" && !a.seen.Claim(struct{}{}, env.EventID) {
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
		a.handleAssistantThread(ctx, env, ev)
	case "assistant_thread_context_changed":
		a.handleAssistantContext(ctx, env, ev)
	case "app_home_opened":
		a.handleAppHome(ctx, env, ev)
	case "app_context_changed":
		a.handleAppContext(ctx, env, ev)
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
	if _, err := a.opts.Engine.Dispatch(ctx, a, msg); err != nil {
		a.log.WarnContext(ctx, "engine refused message", "key", msg.Key.String(), "ts", msg.ID, "err", err)
		return
	}
	a.titleThread(ctx, msg)
}

// toMessage builds the Engine's view of a message event. In channels the
// conversation is the thread (the mention's own ts starts one). In the
// bot's DM a message inside a thread (Slack's assistant threads) is
// answered in its thread; a top-level one, under the agent view, in a
// thread of its own ("each user message in the DM is a thread root",
// https://docs.slack.dev/ai/migrating-to-agent-messaging/), else at the
// top level, like a chat. A DM question about "this channel" carries the
// recent messages of the channel the user is viewing.
func (a *Adapter) toMessage(ctx context.Context, env eventsBody, ev innerEvent, kind messageKind) bots.Message {
	inThread := ev.ThreadTS != "" && ev.ThreadTS != ev.TS
	key := bots.ConversationKey{Platform: bots.Slack, Team: env.team(), Channel: ev.Channel}
	switch {
	case inThread:
		key.Thread = ev.ThreadTS
	case kind == channelMessage, kind == directMessage && a.opts.AgentView:
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
	if msg.DM {
		if ch := a.viewedChannel(env.team(), ev); ch != "" && ch != ev.Channel && asksAboutContext(msg.Text) {
			msg.Attachments = append(msg.Attachments, a.contextAttachment(ctx, ch))
		}
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
// Slack's assistant_view apps), sets localized suggested prompts and
// remembers the channel the user is viewing.
func (a *Adapter) handleAssistantThread(ctx context.Context, env eventsBody, ev innerEvent) {
	t := ev.AssistantThread
	if t.ChannelID == "" || t.ThreadTS == "" {
		return
	}
	a.rememberView(env.team(), t.UserID, t.Context.ChannelID)
	lang := a.uiLang(ctx, t.ChannelID, a.users.info(ctx, t.UserID).Locale)
	a.setPrompts(ctx, t.ChannelID, t.ThreadTS, lang)
	if _, _, err := a.api.PostMessageContext(ctx, t.ChannelID, append(a.postOptions(), slackgo.MsgOptionTS(t.ThreadTS),
		slackgo.MsgOptionText(Mrkdwn(i18n.T(lang, i18n.AssistantGreeting)), false))...); err != nil {
		a.log.WarnContext(ctx, "cannot greet assistant thread", "channel", t.ChannelID, "err", a.apiErr(ctx, "chat.postMessage", err, nil))
	}
}
