package discord

import (
	"context"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
)

// ttlMap is a small map with per-entry expiry and a size bound (the oldest
// entries go first when full).
type ttlMap[V any] struct {
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
	ttl time.Duration
	max int
	now func() time.Time
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLMap[V any](ttl time.Duration, max int, now func() time.Time) *ttlMap[V] {
	return &ttlMap[V]{m: map[string]ttlEntry[V]{}, ttl: ttl, max: max, now: now}
}

func (t *ttlMap[V]) get(k string) (V, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[k]
	if !ok || t.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (t *ttlMap[V]) put(k string, v V) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.m) >= t.max {
		var oldest string
		var at time.Time
		for k, e := range t.m {
			if now.After(e.expires) {
				delete(t.m, k)
				continue
			}
			if oldest == "" || e.expires.Before(at) {
				oldest, at = k, e.expires
			}
		}
		if len(t.m) >= t.max {
			delete(t.m, oldest)
		}
	}
	t.m[k] = ttlEntry[V]{v: v, expires: now.Add(t.ttl)}
}

// take returns and removes an entry.
func (t *ttlMap[V]) take(k string) (V, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[k]
	delete(t.m, k)
	if !ok || t.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (t *ttlMap[V]) remove(k string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, k)
}

// channelCache resolves channel ids to channelInfo: discordgo's state
// first (filled by GUILD_CREATE and THREAD_CREATE with the Guilds intent),
// then GET /channels/{id}, cached for an hour.
type channelCache struct{ m *ttlMap[channelInfo] }

func newChannelCache(now func() time.Time) *channelCache {
	return &channelCache{m: newTTLMap[channelInfo](time.Hour, 4096, now)}
}

func (c *channelCache) forget(id string) {
	if id != "" {
		c.m.remove(id)
	}
}

func infoOf(ch *discordgo.Channel) channelInfo {
	return channelInfo{id: ch.ID, kind: ch.Type, guild: ch.GuildID, parent: ch.ParentID, ownerID: ch.OwnerID, resolved: true}
}

// channel resolves id; on failure it returns an unresolved info (a plain
// channel) and the error.
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	if info, ok := a.channels.m.get(id); ok {
		return info, nil
	}
	if a.s.State != nil {
		if ch, err := a.s.State.Channel(id); err == nil && ch != nil {
			info := infoOf(ch)
			a.channels.m.put(id, info)
			return info, nil
		}
	}
	ch, err := a.getChannel(ctx, id)
	if err != nil {
		return channelInfo{id: id}, err
	}
	info := infoOf(ch)
	a.channels.m.put(id, info)
	return info, nil
}

// roleCache keeps the bot's roles per guild, so role mentions of the bot
// are recognized.
type roleCache struct{ m *ttlMap[[]string] }

func newRoleCache(now func() time.Time) *roleCache {
	return &roleCache{m: newTTLMap[[]string](10*time.Minute, 1024, now)}
}

// botRoles returns the bot's roles in guild: from the state (GUILD_CREATE
// lists the bot's member), else GET /guilds/{id}/members/{bot}.
func (a *Adapter) botRoles(ctx context.Context, guild, botID string) []string {
	if guild == "" || botID == "" {
		return nil
	}
	if r, ok := a.roles.m.get(guild); ok {
		return r
	}
	if a.s.State != nil {
		if m, err := a.s.State.Member(guild, botID); err == nil && m != nil {
			a.roles.m.put(guild, m.Roles)
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
	a.roles.m.put(guild, roles)
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

type pendingThreads struct{ m *ttlMap[pendingThread] }

func newPendingThreads(now func() time.Time) *pendingThreads {
	return &pendingThreads{m: newTTLMap[pendingThread](30*time.Minute, 4096, now)}
}
