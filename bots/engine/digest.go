package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/summary"
	"mistralbot/internal/wait"
)

// Scheduled digests: a channel's summary of the last day, posted in the
// channel at its time (channels.<id>.digest, or /digest by an admin).
//
// Exactly once per period, across replicas, restarts and crashes: the
// runner leases "digest:<channel>:<local date>" in the store
// (bots.Leaser, digestlease.go), posts, then finishes the lease. A second
// replica or the next pass skips a leased or finished period; a holder
// that dies leaves a lease that expires, and the next holder (another
// replica, or the restart) does the period again. That is at least one
// post; the post is keyed by the period (bots.OnceChannelPoster: Slack
// message metadata read back, Discord nonce), so a holder that died
// after posting and before finishing is not posted twice. A process
// that was down at the due time finds the period free when it starts
// and posts it late, once.

const (
	// digestTick is how often the scheduler looks for due digests.
	digestTick = time.Minute
	// digestMaxLate: a period missed by longer than this is not posted
	// (the next one covers the day after; yesterday's news is not sent a
	// week late).
	digestMaxLate = 20 * time.Hour
)

// checkDigests validates the digests of the config's channels.
func checkDigests(channels map[string]bots.ChannelSettings) []error {
	var problems []error
	for id, cs := range channels {
		if cs.Digest == nil {
			continue
		}
		if _, _, err := summary.ParseDigest(*cs.Digest); err != nil {
			problems = append(problems, fmt.Errorf("engine: channels.%s.digest: %w", id, err))
		}
	}
	return problems
}

// digestCommand shows or sets the channel's digest: /digest, /digest
// daily 09:00 Europe/Paris, /digest off (admins).
func (e *Engine) digestCommand(ctx context.Context, cmd bots.Command, set bots.Settings, lang string) string {
	arg := strings.TrimSpace(cmd.Text)
	if arg == "" {
		d, ok, err := summary.ParseDigest(set.Digest)
		if !ok || err != nil {
			return e.tr(lang, i18n.DigestNone)
		}
		return e.tr(lang, i18n.DigestSet, d.Clock(), d.Zone.String())
	}
	if !e.isAdmin(cmd.Msg) {
		return e.tr(lang, i18n.NotAdmin)
	}
	d, ok, err := summary.ParseDigest(arg)
	if err != nil {
		return e.tr(lang, i18n.DigestUsage, e.commandPrefix(cmd))
	}
	id := cmd.Msg.SettingsID()
	value := summary.DigestOff
	if ok {
		value = d.String()
	}
	if err := e.updateSettings(ctx, id, bots.ChannelSettings{Digest: &value}); err != nil {
		e.log.WarnContext(ctx, "digest not saved", "channel", id, "err", err)
		return e.tr(lang, i18n.ErrInternal)
	}
	if !ok {
		return e.tr(lang, i18n.DigestOff)
	}
	// The period already due is not posted now: the first digest is the
	// next one.
	if err := e.stores.leases.Finish(ctx, digestKey(id, d.Last(e.now()).Key), e.jr.Incarnation()); err != nil {
		e.log.WarnContext(ctx, "digest: current period not closed", "channel", id, "err", err)
	}
	return e.tr(lang, i18n.DigestSet, d.Clock(), d.Zone.String())
}

func digestKey(channel, period string) string { return "digest:" + channel + ":" + period }

// RunDigests posts due digests until ctx ends, looking every minute;
// convs are the adapters by platform (each must be a bots.SpanReader and
// a bots.ChannelPoster for its digests to run). It returns ctx's error.
func (e *Engine) RunDigests(ctx context.Context, convs map[bots.Platform]bots.Conversations) error {
	for {
		e.digestPass(ctx, convs)
		if err := wait.Sleep(ctx, digestTick); err != nil {
			return err
		}
	}
}

// digestChannels returns the channels that may have a digest: the
// config's with one, and every channel with stored settings.
func (e *Engine) digestChannels(ctx context.Context) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for id, cs := range e.opts.Channels {
		if cs.Digest != nil {
			add(id)
		}
	}
	if l, ok := e.opts.Store.(bots.SettingsLister); ok {
		ids, err := l.SettingsChannels(ctx)
		if err != nil {
			e.log.WarnContext(ctx, "digest: stored channels not listed", "err", err)
		}
		for _, id := range ids {
			add(id)
		}
	}
	return out
}

// digestPass posts every digest due and not yet done.
func (e *Engine) digestPass(ctx context.Context, convs map[bots.Platform]bots.Conversations) {
	now := e.now()
	for _, id := range e.digestChannels(ctx) {
		set := e.Settings(ctx, id)
		d, ok, err := summary.ParseDigest(set.Digest)
		if !ok || err != nil || !set.Enabled {
			continue
		}
		p := d.Last(now)
		if now.Sub(p.End) > digestMaxLate {
			continue
		}
		platform, channel, found := strings.Cut(id, ":")
		conv := convs[bots.Platform(platform)]
		if !found || conv == nil {
			continue
		}
		e.leasedDigest(ctx, id, p.Key, func(ctx context.Context, once string) error {
			return e.digest(ctx, conv, bots.ConversationKey{Platform: bots.Platform(platform), Channel: channel}, set, d, p, once)
		})
	}
}

// digest reads the period and posts its summary, unless nothing
// happened (only the bot's own messages, or none).
// once keys the post (bots.OnceChannelPoster).
func (e *Engine) digest(ctx context.Context, conv bots.Conversations, key bots.ConversationKey, set bots.Settings, d summary.Digest, p summary.Period, once string) error {
	r, okR := conv.(bots.SpanReader)
	poster, okP := conv.(bots.ChannelPoster)
	if !okR || !okP {
		return errors.New("the adapter cannot read or post digests")
	}
	span, err := r.ReadSpan(ctx, bots.SpanQuery{Key: key, Since: p.Start, Until: p.End.Add(-time.Microsecond), Limit: e.opts.Summary.MaxMessages})
	if err != nil && len(span.Messages) == 0 {
		return err
	}
	human := 0
	for _, m := range span.Messages {
		if !m.Bot {
			human++
		}
	}
	if human == 0 {
		e.log.InfoContext(ctx, "digest skipped: nothing happened", "channel", set.Channel, "period", p.Key)
		return nil
	}
	lang := set.Language
	if lang == "" || lang == bots.LanguageAuto {
		lang = "en"
		if e.opts.Defaults.Language != bots.LanguageAuto && e.opts.Defaults.Language != "" {
			lang = e.opts.Defaults.Language
		}
	}
	msg := bots.Message{Key: key, SettingsChannel: key.Channel, UserID: "digest", UserName: "digest", Time: e.now()}
	job := &bots.SummaryJob{Cmd: bots.Command{Name: "digest", Msg: msg}, Query: bots.SpanQuery{Key: key},
		Language: lang, UILang: lang, Share: true, Confirmed: true, Span: &span,
		Header: e.tr(lang, i18n.DigestHeader, p.End.In(d.Zone).Format("2006-01-02"))}
	return e.Summarize(ctx, conv, job, &digestOut{e: e, poster: poster, key: key, once: once})
}

// digestOut sends a digest to its channel; there is no asker, so private
// texts (progress, errors) go to the log.
type digestOut struct {
	e      *Engine
	poster bots.ChannelPoster
	key    bots.ConversationKey
	once   string // the period's key, for a keyed post
}

var _ bots.SummaryOutput = (*digestOut)(nil)

func (o *digestOut) Private(ctx context.Context, text string) error {
	o.e.log.InfoContext(ctx, "digest", "channel", o.key.String(), "note", text)
	return nil
}

// Share posts keyed when the adapter can (an adapter without it may post
// a digest twice after a crash between post and finish).
func (o *digestOut) Share(ctx context.Context, text string) error {
	if p, ok := o.poster.(bots.OnceChannelPoster); ok {
		_, err := p.PostOnce(ctx, o.key, o.once, text)
		return err
	}
	return o.poster.PostToChannel(ctx, o.key, text)
}

func (o *digestOut) Confirm(ctx context.Context, text, _, _ string) error {
	return o.Private(ctx, text) // digests are never held for confirmation
}
