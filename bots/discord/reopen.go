package discord

import (
	"context"
	"fmt"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

var _ bots.Reopener = (*Adapter)(nil)

// Reopen implements bots.Reopener: the answer to a question a killed
// process was writing is regenerated into the messages it had posted,
// edited as channel messages (an interaction's token does not survive the
// restart; its original response is a channel message the bot may edit).
// Parts beyond them are posted after them; those the new answer does not
// need are deleted. The messages are looked up first, in the conversation's
// channel and, for a mention whose thread could not be started, in the
// parent channel; an error means they are gone. With no ids the reply opens
// as the interrupted one would have: a mention in a channel gets its thread.
func (a *Adapter) Reopen(ctx context.Context, key bots.ConversationKey, to bots.Message, ids []string) (bots.Reply, error) {
	if key.Platform != bots.Discord || key.Channel == "" {
		return nil, fmt.Errorf("discord: reopen reply: not a Discord conversation: %s", key)
	}
	if len(ids) == 0 {
		a.repend(key, to)
		return a.OpenReply(ctx, key, to)
	}
	channel, err := a.locate(ctx, key, to, ids[0])
	if err != nil {
		return nil, err
	}
	sink := a.newChannelSink(channel, key.Team, "")
	out, id := a.controls(sink, to) // a regenerated answer has its controls too
	opts := a.streamOptions(sink)
	opts.Existing = ids
	r := &reply{a: a, channel: channel, to: to, where: noticeTarget{channel: channel}, st: stream.NewStreamer(out, opts), settle: sink.settle,
		replyID: id, ctl: sink.ctl} // the partial answer is there: no typing indicator
	return &reopenedReply{reply: r, sink: sink}, nil
}

// repend registers the thread a mention in a channel was to be answered
// in, so that OpenReply starts it (or finds it, if the dead process had).
func (a *Adapter) repend(key bots.ConversationKey, to bots.Message) {
	if to.DM || to.ID == "" || key.Channel != to.ID || to.SettingsChannel == "" || to.SettingsChannel == key.Channel {
		return
	}
	if _, ok := a.pending.m.Get(key.Channel); ok {
		return
	}
	a.pending.m.Put(key.Channel, pendingThread{parent: to.SettingsChannel, message: to.ID, guild: key.Team,
		name: threadName(to.Text)})
}

// locate returns the channel holding the bot's message id.
func (a *Adapter) locate(ctx context.Context, key bots.ConversationKey, to bots.Message, id string) (string, error) {
	candidates := []string{key.Channel}
	if to.SettingsChannel != "" && to.SettingsChannel != key.Channel {
		candidates = append(candidates, to.SettingsChannel)
	}
	for _, c := range candidates {
		m, err := a.getMessage(ctx, c, id)
		if err != nil {
			switch codeOf(err) {
			case codeUnknownMessage, codeUnknownChannel, codeMissingAccess:
				continue
			}
			return "", fmt.Errorf("discord: reopen reply: %w", err)
		}
		if me := a.me(); me != "" && (m.Author == nil || m.Author.ID != me) {
			return "", fmt.Errorf("discord: reopen reply: message %s in %s is not the bot's", id, c)
		}
		return c, nil
	}
	return "", fmt.Errorf("discord: reopen reply: message %s not found in %v", id, candidates)
}

// reopenedReply is a reply written into earlier messages.
type reopenedReply struct {
	*reply
	sink *channelSink
}

// Finish implements bots.Reply. The Streamer edits every earlier message
// the new answer fills (their old text is unknown to it), so one it did
// not need (Streamer.Unused) is deleted rather than left half written or
// emptied: a regenerated answer then reads as one answer, where the old
// one was, with nothing left of the longer old one.
func (r *reopenedReply) Finish(ctx context.Context, text string) error {
	err := r.reply.Finish(ctx, text)
	if err != nil {
		return err
	}
	for _, id := range r.st.Unused() {
		if werr := r.sink.budget.Wait(ctx); werr != nil {
			return nil
		}
		derr := wrapErr("delete message "+id+" in "+r.channel, r.a.s.ChannelMessageDelete(r.channel, id, discordgo.WithContext(ctx)))
		if derr != nil && codeOf(derr) != codeUnknownMessage {
			r.a.log.Warn("discord: cannot delete a part the recovered answer did not need", "channel", r.channel, "message", id, "err", r.sink.failed(derr))
		}
	}
	return nil
}
