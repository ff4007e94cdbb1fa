package slack

import (
	"context"
	"strings"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// Codes after which the bot cannot write in the conversation at all (an
// ephemeral there fails too), and after which it cannot call Slack at
// all (https://docs.slack.dev/reference/methods/chat.postMessage errors).
var (
	conversationGone = map[string]bool{"not_in_channel": true, "channel_not_found": true, "is_archived": true,
		"restricted_action": true, "ekm_access_denied": true, "team_access_not_granted": true}
	tokenGone = map[string]bool{"invalid_auth": true, "not_authed": true, "account_inactive": true,
		"token_revoked": true, "token_expired": true, "no_permission": true}
)

// asker is who a reply answers, and how to reach them when the answer
// cannot be posted.
type asker struct {
	to bots.Message
	// responseURL is a slash command's or shortcut's: it works in
	// channels the bot is not in (and without any scope).
	responseURL string
}

// undelivered tells the asker, once, that the answer could not be posted,
// by the best path left: an ephemeral in the thread when the bot can
// still write there, else a DM (conversations.open), else the
// response_url. A Transient failure (an outage, a 429 storm longer than
// the retries) says nothing: the journal keeps the reply and finishes it
// when Slack answers again. A context that ended (shutdown) says nothing
// either: the journal resumes it.
func (s *threadSink) undelivered(ctx context.Context, cause error) {
	if cause == nil || ctx.Err() != nil || bots.ClassOf(cause) == bots.Transient {
		return
	}
	a, to := s.a, s.asker.to
	code := errorCode(cause)
	// Without a valid token or chat:write, no message can go anywhere
	// but a response_url.
	mute := tokenGone[code] || code == "missing_scope"
	if mute && s.asker.responseURL == "" {
		a.log.ErrorContext(ctx, "answer not delivered and the asker cannot be told: slack refuses the bot token or its scopes",
			"channel", s.channel, "code", code, "err", cause)
		return
	}
	lang := a.uiLang(ctx, s.channel, to.Locale)
	here := i18n.T(lang, i18n.DeliveryFailed)
	switch code {
	case "is_archived":
		here = i18n.T(lang, i18n.DeliveryArchived)
	case "not_in_channel", "channel_not_found":
		here = i18n.T(lang, i18n.NotInChannel)
	}
	tried := []string{}
	if !conversationGone[code] && !mute && to.UserID != "" {
		tried = append(tried, "ephemeral")
		if s.tell(ctx, "chat.postEphemeral", func(ctx context.Context) error {
			opts := []slackgo.MsgOption{slackgo.MsgOptionText(Mrkdwn(here), false)}
			if s.thread != "" {
				opts = append(opts, slackgo.MsgOptionTS(s.thread))
			}
			_, err := a.api.PostEphemeralContext(ctx, s.channel, to.UserID, opts...)
			return err
		}) {
			return
		}
	}
	if !mute && to.UserID != "" && !strings.HasPrefix(s.channel, "D") {
		tried = append(tried, "dm")
		if s.tellDM(ctx, lang) {
			return
		}
	}
	if s.asker.responseURL != "" {
		tried = append(tried, "response_url")
		if s.tell(ctx, "response_url", func(ctx context.Context) error {
			_, _, err := a.api.PostMessageContext(ctx, s.channel,
				slackgo.MsgOptionResponseURL(s.asker.responseURL, slackgo.ResponseTypeEphemeral),
				slackgo.MsgOptionText(Mrkdwn(here), false))
			return err
		}) {
			return
		}
	}
	a.log.ErrorContext(ctx, "answer not delivered and the asker could not be told", "channel", s.channel,
		"user", to.UserID, "code", code, "tried", tried, "err", cause)
}

// tellDM opens the bot's DM with the asker and posts the notice there,
// naming the channel (a DM has no context of its own).
func (s *threadSink) tellDM(ctx context.Context, lang string) bool {
	a := s.a
	var dm string
	if !s.tell(ctx, "conversations.open", func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{s.asker.to.UserID}})
		if err == nil {
			dm = ch.ID
		}
		return err
	}) || dm == "" {
		return false
	}
	const place = "\x00place\x00"
	text := strings.ReplaceAll(Mrkdwn(i18n.T(lang, i18n.DeliveryFailedIn, place)), place, "<#"+s.channel+">")
	return s.tell(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, dm, append(a.postOptions(), slackgo.MsgOptionText(text, false))...)
		return err
	})
}

// tell makes one notice call and reports whether the notice may have
// arrived: an Uncertain failure counts as arrived (two notices are worse
// than one that may be lost), any other moves on to the next path.
func (s *threadSink) tell(ctx context.Context, method string, call func(context.Context) error) bool {
	tctx, w := traced(ctx)
	err := call(tctx)
	if err == nil {
		s.a.log.InfoContext(ctx, "told the asker the answer could not be posted", "channel", s.channel, "via", method)
		return true
	}
	err = s.a.logCallErr(ctx, method, s.channel, s.a.apiErr(ctx, method, err, w))
	return bots.ClassOf(err) == bots.Uncertain
}
