package engine

import (
	"context"
	"errors"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/i18n"
)

// Command runs a command (bots/commands) in the channel's settings and
// the asker's language, once the allow-lists let the asker in. It never
// blocks on the model: commands that need it return an Ask for Answer.
// Refusals (allow-lists, permissions, limits, bad arguments) come back as
// localized Response.Text. A cmd.Delivery claimed before (a replay) gets
// Response.Replayed and nothing runs; the claim, the settings and the
// limits cost one store round trip (cmdadmit.go).
func (e *Engine) Command(ctx context.Context, conv bots.Conversations, cmd bots.Command) bots.Response {
	msg := cmd.Msg
	ad := e.admitCommand(ctx, cmd)
	if ad.replayed {
		return bots.Response{Replayed: true}
	}
	set := ad.set
	over := func(lang string) string { return e.overLimit(ctx, msg, ad, lang) }
	lang := e.uiLanguage(set, msg)
	switch e.allowed(msg) {
	case "channel":
		return bots.Response{Text: e.tr(lang, i18n.NotAllowedChannel)}
	case "user":
		return bots.Response{Text: e.tr(lang, i18n.NotAllowedUser)}
	}
	// Summaries and digests need the Engine itself (the span reader, the
	// confirmations waiting, the store's claims): summarize.go, digest.go.
	switch commands.Name(cmd.Name) {
	case "digest":
		return bots.Response{Text: e.digestCommand(ctx, cmd, set, lang)}
	case "summarize":
		if cmd.Options["confirm"] == "" {
			if !set.Enabled {
				return bots.Response{Text: e.tr(lang, i18n.ChannelDisabled)}
			}
			if refusal := over(lang); refusal != "" {
				return bots.Response{Text: refusal}
			}
		}
		return e.summarizeCommand(conv, cmd, set, lang)
	}
	return e.commands.RunChecked(ctx, cmd, set, lang, over)
}

// Answer queues the model answer for ask into reply. It returns ErrUserBusy
// when the asker has MaxPendingPerUser questions pending, ErrBusy
// when the queue is full and ErrStopped after shutdown; the reply has then
// been finished with the localized notice.
func (e *Engine) Answer(ctx context.Context, ask *bots.Ask, reply bots.Reply) error {
	if ask == nil || reply == nil {
		return errors.New("engine: Answer needs an Ask and a Reply")
	}
	msg := ask.Cmd.Msg
	err := e.push(ctx, &job{kind: jobAsk, key: msg.Key, msg: msg, reply: reply, ask: ask, queued: time.Now()})
	if err == nil {
		return nil
	}
	set := e.Settings(ctx, msg.SettingsID())
	lang := e.uiLanguage(set, msg)
	// The reply is open already (the command's own response): it is
	// always finished, so no once-per-window suppression here.
	text := e.tr(lang, i18n.Interrupted)
	switch {
	case errors.Is(err, bots.ErrUserBusy):
		text = e.tr(lang, i18n.LimitUserPending, e.opts.MaxPendingPerUser)
		e.refused(msg.Key.Platform, "pending")
	case errors.Is(err, bots.ErrBusy):
		text = e.tr(lang, i18n.Busy)
		e.refused(msg.Key.Platform, "busy")
	}
	e.finish(ctx, reply, text)
	return err
}

// commandPorts are the Engine's side of the ports bots/commands declares:
// settings (resolved and cached here) and the usage limits.
type commandPorts struct{ e *Engine }

var (
	_ commands.Settings = commandPorts{}
	_ commands.Limits   = commandPorts{}
)

func (p commandPorts) Settings(ctx context.Context, channelID string) bots.Settings {
	return p.e.Settings(ctx, channelID)
}

func (p commandPorts) UpdateSettings(ctx context.Context, channelID string, cs bots.ChannelSettings) error {
	return p.e.updateSettings(ctx, channelID, cs)
}

func (p commandPorts) OverLimit(ctx context.Context, msg bots.Message, lang string) string {
	if hit := p.e.checkLimits(ctx, msg); hit != nil {
		return hit.text(lang)
	}
	return ""
}
