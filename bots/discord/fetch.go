package discord

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	discordgo "github.com/bwmarrin/discordgo"
)

// getMessage reads one message (GET /channels/{id}/messages/{id}) through
// the session, so that it shares the transport, budgets and error mapping
// of every REST call, and decodes it leniently (events.go): a 200 whose
// message has a field of an unexpected type is the message, not an error.
func (a *Adapter) getMessage(ctx context.Context, channel, id string) (*discordgo.Message, error) {
	body, err := a.s.RequestWithBucketID("GET", discordgo.EndpointChannelMessage(channel, id), nil,
		discordgo.EndpointChannelMessage(channel, ""), discordgo.WithContext(ctx))
	if err != nil {
		return nil, wrapErr("get message "+id+" in "+channel, err)
	}
	m, err := decodeMessage(body)
	if err != nil {
		return nil, fmt.Errorf("discord: decode message %s in %s: %w", id, channel, err)
	}
	return m, nil
}

// getMessages reads a page of up to limit messages older than before
// (newest first, as Discord returns them). Elements that are not message
// objects are skipped and logged; n is the page's length including them
// and last the id of the oldest element, for the next page.
func (a *Adapter) getMessages(ctx context.Context, channel string, limit int, before string) (msgs []*discordgo.Message, n int, last string, err error) {
	v := url.Values{}
	v.Set("limit", strconv.Itoa(limit))
	if before != "" {
		v.Set("before", before)
	}
	body, err := a.s.RequestWithBucketID("GET", discordgo.EndpointChannelMessages(channel)+"?"+v.Encode(), nil,
		discordgo.EndpointChannelMessages(channel), discordgo.WithContext(ctx))
	if err != nil {
		return nil, 0, "", wrapErr("read history of "+channel, err)
	}
	msgs, n, last, err = decodeMessages(body)
	if err != nil {
		return nil, 0, "", fmt.Errorf("discord: decode history of %s: %w", channel, err)
	}
	if skipped := n - len(msgs); skipped > 0 {
		a.log.Warn("discord: history elements that are not messages were skipped", "channel", channel, "skipped", skipped)
	}
	return msgs, n, last, nil
}

// errNoID is a 2xx whose object has no id.
var errNoID = errors.New("no id")

// getChannel reads a channel (GET /channels/{id}), decoded leniently: a
// thread whose object carries a field of an unexpected type is still known
// as a thread, and its follow-ups are answered.
func (a *Adapter) getChannel(ctx context.Context, id string) (*discordgo.Channel, error) {
	body, err := a.s.RequestWithBucketID("GET", discordgo.EndpointChannel(id), nil, discordgo.EndpointChannel(id),
		discordgo.WithContext(ctx))
	if err != nil {
		return nil, wrapErr("get channel "+id, err)
	}
	var w wireChannel
	if err := decodeLenient(body, &w); err != nil || w.ID == "" {
		return nil, fmt.Errorf("discord: decode channel %s: %w", id, errors.Join(err, errNoID))
	}
	return w.channel(), nil
}

// getMemberRoles reads the roles of a guild member (GET
// /guilds/{id}/members/{user}), decoded leniently.
func (a *Adapter) getMemberRoles(ctx context.Context, guild, user string) ([]string, error) {
	body, err := a.s.RequestWithBucketID("GET", discordgo.EndpointGuildMember(guild, user), nil,
		discordgo.EndpointGuildMember(guild, ""), discordgo.WithContext(ctx))
	if err != nil {
		return nil, wrapErr("get member", err)
	}
	var w wireRoles
	if err := decodeLenient(body, &w); err != nil {
		return nil, fmt.Errorf("discord: decode member %s of %s: %w", user, guild, err)
	}
	return w.ids(), nil
}
