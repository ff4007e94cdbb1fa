package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// TranslateReactions reports whether flag reactions should be translated
// (adapters skip subscribing to reactions otherwise).
func (e *Engine) TranslateReactions() bool { return e.opts.TranslateReactions }

// TranslateMessage queues a translation of msg.Text into target (a code or
// name, e.g. from i18n.FlagLanguage) answered through conv.OpenReply with
// msg.Key, which the adapter sets to the message's thread. msg.UserID and
// UserName must be the user who asked for it (who reacted): allow-lists,
// limits and usage apply to them. The request is deduplicated per message
// and target, so a redelivered reaction translates once. It does nothing
// when reactions are disabled or msg has no text, and returns ErrStopped
// after shutdown or the platform error when a notice could not be posted.
func (e *Engine) TranslateMessage(ctx context.Context, conv bots.Conversations, msg bots.Message, target string) error {
	if !e.opts.TranslateReactions || strings.TrimSpace(msg.Text) == "" {
		return nil
	}
	if e.stopped.Load() {
		return bots.ErrStopped
	}
	code, ok := normalizeLanguage(target)
	if !ok || code == bots.LanguageAuto {
		return fmt.Errorf("engine: translate to %q: unknown language", target)
	}
	if e.allowed(msg) != "" {
		return nil
	}
	if !e.claim(ctx, "tr:"+string(msg.Key.Platform)+":"+msg.Key.Channel+":"+msg.ID+":"+code) {
		return nil
	}
	set := e.Settings(ctx, msg.SettingsID())
	if !set.Enabled {
		return nil
	}
	lang := e.uiLanguage(set, msg)
	if hit := e.checkLimits(ctx, msg); hit != nil {
		if !e.firstNotice(ctx, msg, hit.name) {
			return nil
		}
		return e.notify(ctx, conv, msg, hit.text(lang))
	}
	err := e.push(ctx, &job{kind: jobTranslate, key: msg.Key, conv: conv, msg: msg, target: code, queued: time.Now()})
	if errors.Is(err, bots.ErrUserBusy) {
		e.refused(msg.Key.Platform, "pending")
		if !e.firstNotice(ctx, msg, "pending") {
			return nil
		}
		return e.notify(ctx, conv, msg, e.tr(lang, i18n.LimitUserPending, e.opts.MaxPendingPerUser))
	}
	if errors.Is(err, bots.ErrBusy) {
		e.refused(msg.Key.Platform, "busy")
		if !e.firstNotice(ctx, msg, "busy") {
			return nil
		}
		return e.notify(ctx, conv, msg, e.tr(lang, i18n.Busy))
	}
	if errors.Is(err, bots.ErrStopped) {
		// Claimed already: a redelivery would be a duplicate.
		if nerr := e.notify(ctx, conv, msg, e.tr(lang, i18n.Interrupted)); nerr != nil {
			return nerr
		}
	}
	return err
}
