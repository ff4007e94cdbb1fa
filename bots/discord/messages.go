package discord

import (
	"context"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// reaction is a decoded MESSAGE_REACTION_ADD.
type reaction struct {
	UserID, ChannelID, MessageID, GuildID string
	Member                                *discordgo.Member
}

// onReady records the bot's user id from READY.
func (a *Adapter) onReady(raw []byte) {
	var r wireReady
	if err := decodeLenient(raw, &r); err != nil || r.User == nil || r.User.ID == "" {
		a.log.Error("discord: malformed READY; messages cannot be matched to the bot", "err", err)
		return
	}
	a.mu.Lock()
	a.botID = string(r.User.ID)
	a.mu.Unlock()
	a.sessionUp()
	a.log.Info("discord: ready", "bot", r.User.ID, "shard", a.opts.ShardID)
}

// onMessage handles MESSAGE_CREATE: mentions, DMs and thread follow-ups go
// to the Engine, everything else is ignored.
func (a *Adapter) onMessage(ctx context.Context, raw []byte) {
	mp, err := decodeMessage(raw)
	if err != nil {
		a.log.Warn("discord: malformed MESSAGE_CREATE ignored", "err", err, "bytes", len(raw))
		return
	}
	m := *mp
	if m.Timestamp.IsZero() {
		m.Timestamp = a.now()
	}
	botID := a.me()
	if m.Author == nil || m.Author.ID == botID || m.Author.Bot || m.WebhookID != "" {
		return
	}
	w := where{botID: botID}
	if m.GuildID != "" {
		if len(m.MentionRoles) > 0 {
			w.botRoles = a.botRoles(ctx, m.GuildID, botID)
		}
		if mentionsBot(&m, w) || a.opts.FollowThreads {
			info, err := a.channel(ctx, m.ChannelID)
			if err != nil {
				a.log.Warn("discord: channel lookup failed; treating it as a plain channel", "channel", m.ChannelID, "err", err)
			}
			w.channel = info
		}
	}
	msg, r := normalize(&m, w)
	if r == skip || (msg.InThread && !msg.Mentioned && !a.opts.FollowThreads) {
		return
	}
	if a.catchUp(ctx, &m, msg) {
		return
	}
	msg.Attachments = a.attachments(ctx, m.Attachments)
	// pended: this delivery registered the thread (a redelivery while the
	// first is still queued leaves the first's entry alone).
	pended := false
	if r == newThread {
		if _, queued := a.pending.m.Get(msg.Key.Channel); !queued {
			pended = true
			a.pending.m.Put(msg.Key.Channel, pendingThread{parent: m.ChannelID, message: m.ID, guild: m.GuildID,
				name: threadName(msg.Text), ref: m.ReferencedMessage, question: &m})
		}
	}
	d, err := a.opts.Engine.Dispatch(ctx, a, msg)
	switch d {
	case bots.Duplicate:
		a.opts.Hooks.Deduped()
		a.log.Debug("discord: duplicate delivery ignored", "message", m.ID)
		if pended {
			// Answered already: its thread exists, nothing will take this.
			a.pending.m.Remove(msg.Key.Channel)
		}
	case bots.Ignored, bots.Refused:
		if r == newThread {
			a.pending.m.Remove(msg.Key.Channel)
		}
	}
	if err != nil {
		a.log.Error("discord: message not handled", "message", m.ID, "channel", m.ChannelID, "err", err)
	}
}

// onReaction handles MESSAGE_REACTION_ADD: a flag emoji asks for a
// translation of the message into the flag's language, answered in a
// thread from that message (or in the thread or DM it is in).
func (a *Adapter) onReaction(ctx context.Context, raw []byte) {
	if !a.opts.TranslateReactions {
		return
	}
	var wr wireReaction
	if err := decodeLenient(raw, &wr); err != nil || wr.ChannelID == "" || wr.MessageID == "" || wr.Emoji == nil {
		a.log.Warn("discord: malformed MESSAGE_REACTION_ADD ignored", "err", err)
		return
	}
	r := reaction{UserID: string(wr.UserID), ChannelID: string(wr.ChannelID), MessageID: string(wr.MessageID),
		GuildID: string(wr.GuildID), Member: wr.Member.member()}
	botID := a.me()
	if r.UserID == "" || r.UserID == botID || (r.Member != nil && r.Member.User != nil && r.Member.User.Bot) {
		return
	}
	target := flagLanguage(wr.Emoji.Name)
	if target == "" {
		return
	}
	m, err := a.getMessage(ctx, r.ChannelID, r.MessageID)
	if err != nil {
		a.log.Warn("discord: cannot read the message to translate", "channel", r.ChannelID, "message", r.MessageID,
			"err", err)
		return
	}
	w := where{botID: botID}
	if r.GuildID != "" {
		w.channel, _ = a.channel(ctx, r.ChannelID)
	}
	var user *discordgo.User
	if r.Member != nil {
		user = r.Member.User
	}
	msg := bots.Message{
		Key:             bots.ConversationKey{Platform: bots.Discord, Team: r.GuildID, Channel: r.ChannelID},
		ID:              m.ID,
		SettingsChannel: w.channel.settingsChannel(),
		UserID:          r.UserID,
		UserName:        displayName(r.Member, user),
		Text:            cleanText(m, w),
		DM:              r.GuildID == "",
		Time:            a.now(),
	}
	if msg.SettingsChannel == "" {
		msg.SettingsChannel = r.ChannelID
	}
	switch {
	case msg.DM:
	case w.channel.isThread():
		msg.Key.Thread, msg.InThread = r.ChannelID, true
	default:
		msg.Key.Channel, msg.Key.Thread = m.ID, m.ID
		if m.Thread == nil {
			a.pending.m.Put(m.ID, pendingThread{parent: r.ChannelID, message: m.ID, guild: r.GuildID, name: threadName(msg.Text)})
		}
	}
	if err := a.opts.Engine.TranslateMessage(ctx, a, msg, target); err != nil {
		a.log.Error("discord: translation not handled", "message", m.ID, "err", err)
	}
}
