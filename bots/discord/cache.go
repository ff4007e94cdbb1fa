package discord

import (
	"context"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/internal/cache"
)

// channelCache resolves channel ids to channelInfo: discordgo's state
// first (filled by GUILD_CREATE and THREAD_CREATE with the Guilds intent),
// then GET /channels/{id}, cached for an hour.
type channelCache struct {
	m *cache.Cache[string, channelInfo]
}

func newChannelCache(now func() time.Time) *channelCache {
	return &channelCache{m: cache.New[string, channelInfo](4096, time.Hour, now)}
}

func (c *channelCache) forget(id string) {
	if id != "" {
		c.m.Remove(id)
	}
}

func infoOf(ch *discordgo.Channel) channelInfo {
	return channelInfo{id: ch.ID, kind: ch.Type, guild: ch.GuildID, parent: ch.ParentID, ownerID: ch.OwnerID, resolved: true}
}

// channel resolves id; on failure it returns an unresolved info (a plain
// channel) and the error.
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	if info, ok := a.channels.m.Get(id); ok {
		return info, nil
	}
	if a.s.State != nil {
		if ch, err := a.s.State.Channel(id); err == nil && ch != nil {
			info := infoOf(ch)
			a.channels.m.Put(id, info)
			return info, nil
		}
	}
	ch, err := a.getChannel(ctx, id)
	if err != nil {
		return channelInfo{id: id}, err
	}
	info := infoOf(ch)
	a.channels.m.Put(id, info)
	return info, nil
}

// roleCache keeps the bot's roles per guild, so role mentions of the bot
// are recognized.
type roleCache struct {
	m *cache.Cache[string, []string]
}

func newRoleCache(now func() time.Time) *roleCache {
	return &roleCache{m: cache.New[string, []string](1024, 10*time.Minute, now)}
}

// botRoles returns the bot's roles in guild: from the state (GUILD_CREATE
// lists the bot's member), else GET /guilds/{id}/members/{bot}.
func (a *Adapter) botRoles(ctx context.Context, guild, botID string) []string {
	if guild == "" || botID == "" {
		return nil
	}
	if r, ok := a.roles.m.Get(guild); ok {
		return r
	}
	if a.s.State != nil {
		if m, err := a.s.State.Member(guild, botID); err == nil && m != nil {
			a.roles.m.Put(guild, m.Roles)
			return m.Roles
		}
	}
	roles, err := a.getMemberRoles(ctx, guild, botID)
	if err != nil {
		// Not cached: the next role mention asks again, so one failed call
		// does not deafen the bot to role mentions for the cache's lifetime.
		a.log.Warn("discord: cannot read the bot's roles; this role mention is not recognized", "guild", guild, "err", err)
		return nil
	}
	a.roles.m.Put(guild, roles)
	return roles
}

// pendingThread is a mention waiting for its thread: the thread is created
// when the Engine opens the reply (after it claimed the message), so a
// refused or duplicate message never creates one.
type pendingThread struct {
	parent  string
	message string
	guild   string
	name    string
	// ref is the message the mention replied to, for History.
	ref *discordgo.Message
	// question is the message itself, for History.
	question *discordgo.Message
}

type pendingThreads struct {
	m *cache.Cache[string, pendingThread]
}

func newPendingThreads(now func() time.Time) *pendingThreads {
	return &pendingThreads{m: cache.New[string, pendingThread](4096, 30*time.Minute, now)}
}
