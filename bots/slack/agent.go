package slack

// Slack's agent and assistant messaging experiences.
//
// Two app configurations exist (manifest.go writes either):
//   - agent_view, the only one new apps can use: conversations happen in
//     the app's Messages tab, app_home_opened with tab "messages" replaces
//     assistant_thread_started, app_context_changed says what the user is
//     viewing, and DM messages are not replies to an assistant_app_thread
//     root: each top-level DM message is a thread root
//     (https://docs.slack.dev/ai/migrating-to-agent-messaging/);
//   - assistant_view, kept for existing apps (Options.AgentView false):
//     assistant_thread_started opens a thread whose root Slack creates, and
//     assistant_thread_context_changed tells the viewed channel
//     (https://docs.slack.dev/reference/events/assistant_thread_context_changed/).
//
// Slack's manifest reference page for features.agent_view could not be
// found in the documentation corpora available here; the field names
// (agent_view, agent_description) come from the migration guide above.

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

const (
	// titleRunes bounds a thread title (Slack shows one line in the
	// thread list; it documents no limit for setTitle).
	titleRunes = 60
	// contextMessages is how many recent messages of the viewed channel
	// are offered to the model.
	contextMessages = 30
	// agentCallTimeout bounds one courtesy call (prompts, title, Home).
	agentCallTimeout = 10 * time.Second
)

// viewKey keys what a user is viewing: per workspace and user, since
// app_context_changed is about the user, not one thread.
func viewKey(team, user string) string { return team + ":" + user }

// rememberView records the channel a user is viewing ("" leaves the last
// one: Slack sends an empty context when nothing is open, and a question
// about "this channel" then means the channel last seen).
func (a *Adapter) rememberView(team, user, channel string) {
	if user == "" || channel == "" {
		return
	}
	a.viewing.Put(viewKey(team, user), channel)
}

// viewedChannel returns the channel the asker of ev is viewing: the
// app_context the message itself carries, else the last one remembered.
func (a *Adapter) viewedChannel(team string, ev innerEvent) string {
	if ch := ev.AppContext.channel(); ch != "" {
		a.rememberView(team, ev.User, ch)
		return ch
	}
	ch, _ := a.viewing.Get(viewKey(team, ev.User))
	return ch
}

// handleAppHome answers app_home_opened: the Messages tab (agent view)
// gets localized suggested prompts, the Home tab its view.
// https://docs.slack.dev/reference/events/app_home_opened
func (a *Adapter) handleAppHome(ctx context.Context, env eventsBody, ev innerEvent) {
	if ev.User == "" || ev.User == a.botUserID {
		return
	}
	a.rememberView(env.team(), ev.User, ev.Context.channel())
	switch ev.Tab {
	case "home":
		a.publishHome(ctx, env.team(), ev.User, ev.Channel)
	case "messages":
		if !a.opts.AgentView || ev.Channel == "" {
			return // assistant view: assistant_thread_started sets them
		}
		lang := a.uiLang(ctx, ev.Channel, a.users.info(ctx, ev.User).Locale)
		// No thread_ts: "Including it in a call for an agent app will
		// cause the call to silently fail."
		// https://docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts/
		a.setPrompts(ctx, ev.Channel, "", lang)
	}
}

// handleAppContext records what the user is viewing (agent view).
// https://docs.slack.dev/reference/events/app_context_changed
func (a *Adapter) handleAppContext(ctx context.Context, env eventsBody, ev innerEvent) {
	user := ev.User
	if user == "" && len(env.Authorizations) > 0 && env.Authorizations[0].UserID != a.botUserID {
		user = env.Authorizations[0].UserID
	}
	ch := ev.Context.channel()
	a.log.DebugContext(ctx, "app context changed", "user", user, "channel", ch)
	a.rememberView(env.team(), user, ch)
}

// handleAssistantContext records the channel viewed beside an assistant
// thread (assistant view).
func (a *Adapter) handleAssistantContext(ctx context.Context, env eventsBody, ev innerEvent) {
	t := ev.AssistantThread
	a.log.DebugContext(ctx, "assistant thread context changed", "user", t.UserID, "channel", t.Context.ChannelID)
	a.rememberView(env.team(), t.UserID, t.Context.ChannelID)
}

// setPrompts sets the localized starter prompts of a DM (agent view,
// thread "") or of an assistant thread.
func (a *Adapter) setPrompts(ctx context.Context, channel, thread, lang string) {
	ctx, cancel := context.WithTimeout(ctx, agentCallTimeout)
	defer cancel()
	params := slackgo.AssistantThreadsSetSuggestedPromptsParameters{ChannelID: channel, ThreadTS: thread}
	for _, p := range suggestedPrompts(lang) {
		params.AddPrompt(p[0], p[1])
	}
	if err := a.api.SetAssistantThreadsSuggestedPromptsContext(ctx, params); err != nil {
		a.log.WarnContext(ctx, "cannot set suggested prompts", "channel", channel,
			"err", a.apiErr(ctx, "assistant.threads.setSuggestedPrompts", err, nil))
	}
}

// titleThread names a DM thread after its first question, once per
// thread: in the agent view every top-level DM message starts one; in the
// assistant view the first message of an assistant thread. The question
// is in the user's own words, hence language; a question made only of
// files gets the localized ThreadTitleFile.
// https://docs.slack.dev/reference/methods/assistant.threads.setTitle
func (a *Adapter) titleThread(ctx context.Context, msg bots.Message) {
	thread := msg.Key.Thread
	if !msg.DM || thread == "" || !a.titled.Claim(struct{}{}, msg.Key.Channel+":"+thread) {
		return
	}
	title := threadTitle(msg.Text)
	if title == "" {
		title = i18n.T(a.uiLang(ctx, msg.Key.Channel, msg.Locale), i18n.ThreadTitleFile)
	}
	ctx, cancel := context.WithTimeout(ctx, agentCallTimeout)
	defer cancel()
	if err := a.api.SetAssistantThreadsTitleContext(ctx, slackgo.AssistantThreadsSetTitleParameters{
		ChannelID: msg.Key.Channel, ThreadTS: thread, Title: title}); err != nil {
		a.log.WarnContext(ctx, "cannot set thread title", "channel", msg.Key.Channel,
			"err", a.apiErr(ctx, "assistant.threads.setTitle", err, nil))
	}
}

// threadTitle is the first line of a question, spaces collapsed, cut to
// titleRunes at a word boundary when it can.
func threadTitle(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.Join(strings.Fields(line), " ")
	r := []rune(line)
	if len(r) <= titleRunes {
		return line
	}
	cut := titleRunes - 1
	for i := cut; i > titleRunes/2; i-- {
		if unicode.IsSpace(r[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace) + "…"
}

// asksAboutContext reports whether a question refers to the channel being
// viewed ("this channel", "ce canal", ...), in any catalog language: a
// French speaker with an English Slack locale still writes French.
func asksAboutContext(text string) bool {
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	for _, lang := range i18n.Supported() {
		for _, p := range strings.Split(i18n.T(lang, i18n.ContextPhrases), "|") {
			if p = strings.TrimSpace(p); p != "" && containsWord(t, p) {
				return true
			}
		}
	}
	return false
}

// containsWord finds phrase in t on word boundaries, so "here" does not
// match "there".
func containsWord(t, phrase string) bool {
	for i := 0; i <= len(t); {
		j := strings.Index(t[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		before, _ := utf8.DecodeLastRuneInString(t[:start])
		after, _ := utf8.DecodeRuneInString(t[end:])
		if !unicode.IsLetter(before) && !unicode.IsLetter(after) {
			return true
		}
		i = start + 1
	}
	return false
}

// contextAttachment offers the model the recent messages of the channel
// the user is viewing, as a file attached to the question. The user sees
// that channel (Slack told us they are viewing it), so its messages
// reveal nothing new to them; a channel the bot cannot read becomes a
// note telling the model why, so it can tell the user to invite the bot.
func (a *Adapter) contextAttachment(ctx context.Context, channel string) bots.Attachment {
	att := bots.Attachment{Name: fmt.Sprintf("recent messages of Slack channel %s (the channel the user is viewing)", channel)}
	msgs, err := a.recentMessages(ctx, channel, contextMessages)
	if err != nil {
		a.log.InfoContext(ctx, "cannot read the viewed channel", "channel", channel, "err", err)
		att.Text = fmt.Sprintf("The bot cannot read channel %s (%v). If the user wants it read, they can invite the bot there with /invite.", channel, errorCode(err))
		return att
	}
	var lines []string
	for _, m := range msgs {
		t, keep := a.turn(ctx, m)
		if !keep || t.Text == "" {
			continue
		}
		name := t.Name
		if t.Role == bots.BotTurn {
			name = "(this bot)"
		}
		lines = append(lines, name+": "+t.Text)
	}
	att.Text = strings.Join(lines, "\n")
	if att.Text == "" {
		att.Text = "(no messages)"
	}
	// Keep the newest messages when the channel says more than a file may.
	if max := a.opts.AttachmentMaxBytes; len(att.Text) > max {
		att.Text = strings.ToValidUTF8(att.Text[len(att.Text)-max:], "")
		att.Truncated = true
	}
	return att
}
