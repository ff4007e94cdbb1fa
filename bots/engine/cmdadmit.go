package engine

import (
	"context"
	"sync"

	"mistralbot/bots"
	"mistralbot/bots/commands"
)

// A command's admission, the counterpart of a message's (admit.go).
// Issue 12: each reply waits for at most one store round trip before its
// first platform call. A slash command once waited for three in a row
// before its question was posted: the adapter's claim of the trigger_id
// or interaction id (replay protection), then the channel's settings,
// then the limits of /ask. Now the adapter hands the delivery id over in
// bots.Command.Delivery and the claim goes side by side with the
// settings and the daily caps; the asker's rate token is taken in the
// same atomic store write as the claim, only when the claim is won, so a
// replay never takes one.

// cmdAdmission is what admitCommand found.
type cmdAdmission struct {
	replayed bool // the delivery was claimed before: answer nothing
	set      bots.Settings
	// checked: the limits were checked (hit, when over one, is not yet
	// logged nor counted: it is only when it becomes the answer).
	checked bool
	hit     *limitHit
}

// admitCommand claims cmd's delivery (this process's claim first: a
// replay seen here costs no store call), and, side by side, reads the
// channel's settings (cached) and, for a command the limits apply to,
// checks the daily caps and has the store claim the delivery and take
// the rate token in one write. A store error is logged and the command
// runs on this process's claim, as ClaimDelivery does.
//
// The limits are checked before the settings are known, so a command in
// a channel whose settings are not cached and turn out disabled takes a
// rate token for its refusal, as a message does; a channel cached as
// disabled takes none.
func (e *Engine) admitCommand(ctx context.Context, cmd bots.Command) (a cmdAdmission) {
	msg := cmd.Msg
	var keys []string
	if cmd.Delivery != "" {
		keys = []string{"dlv:" + cmd.Delivery} // ClaimDelivery's key
		if !e.claimHere(ctx, keys) {
			a.replayed = true
			return a
		}
	}
	a.checked = e.limitsApply(cmd)
	var wg sync.WaitGroup
	wg.Go(func() { a.set = e.Settings(ctx, msg.SettingsID()) })
	if !a.checked {
		a.replayed = len(keys) > 0 && !e.claimStore(ctx, keys)
		wg.Wait()
		return a
	}
	capHit := e.caps(ctx, msg, func() {
		if e.stores.admit != nil {
			a.replayed, a.hit = e.admitCommandStore(ctx, msg, keys)
			return
		}
		// A store without Admit (a test's partial store): the claim,
		// then the rate once it is won (a replay takes no token).
		if a.replayed = len(keys) > 0 && !e.claimStore(ctx, keys); !a.replayed {
			a.hit = e.takeRate(ctx, msg)
		}
	})
	wg.Wait()
	if capHit != nil {
		a.hit = capHit
	}
	return a
}

// limitsApply reports whether cmd is one the limits are checked for when
// it runs: a model command with good arguments (commands.Run refuses the
// others before its limits), a summary not yet confirmed, from an asker
// the allow-lists let in, in a channel not cached as disabled.
func (e *Engine) limitsApply(cmd bots.Command) bool {
	if e.allowed(cmd.Msg) != "" {
		return false
	}
	if set, known := e.settings.Get(cmd.Msg.SettingsID()); known && !set.Enabled {
		return false
	}
	switch name := commands.Name(cmd.Name); {
	case name == "summarize":
		return cmd.Options["confirm"] == ""
	case commands.Model(name):
		ask, _ := e.commands.Prepare(name, cmd, "en") // the refusal's language does not matter here
		return ask != nil
	}
	return false
}

// admitCommandStore is the store's part of admitCommand: one Admit call
// carrying the delivery's claim and the rate. It is bounded by the
// command's own context (Discord's 3 s acknowledgement: bots/discord's
// command), not a journal write's: no entry is written.
func (e *Engine) admitCommandStore(ctx context.Context, msg bots.Message, keys []string) (replayed bool, hit *limitHit) {
	ad := bots.Admission{Keys: keys, TTL: e.opts.DedupeTTL, Rate: e.rateTake(msg)}
	if len(keys) == 0 && ad.Rate == nil {
		return false, nil
	}
	won, hit := e.admitNoEntry(ctx, ad)
	return !won, hit
}

// overLimit is the refusal of the limits for an admitted command ("" when
// within), logged and counted now that it is the answer. Limits the
// admission did not check (the settings' cache changed in between) are
// checked here.
func (e *Engine) overLimit(ctx context.Context, msg bots.Message, a cmdAdmission, lang string) string {
	hit := a.hit
	if !a.checked {
		hit = e.limits(ctx, msg)
	}
	if hit == nil {
		return ""
	}
	e.limitReached(msg, hit)
	return hit.text(lang)
}
