package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"mistralbot/bots"
)

// Hash fields of a settings hash and a usage hash.
const (
	fieldLanguage         = "language"
	fieldSystemPrompt     = "system_prompt"
	fieldModel            = "model"
	fieldDigest           = "digest"
	fieldEnabled          = "enabled"
	fieldRequests         = "requests"
	fieldPromptTokens     = "prompt_tokens"
	fieldCompletionTokens = "completion_tokens"
	fieldCostUSD          = "cost_usd"
)

// Settings returns the stored overrides of channel (one HGETALL).
func (r *Redis) Settings(ctx context.Context, channel string) (bots.ChannelSettings, error) {
	h, err := r.client.HGetAll(ctx, r.key("settings", channel)).Result()
	if err != nil {
		return bots.ChannelSettings{}, fmt.Errorf("redis store: settings of %s: %w", channel, r.wrap(ctx, err))
	}
	var s bots.ChannelSettings
	for f, v := range h {
		switch f {
		case fieldLanguage:
			s.Language = &v
		case fieldSystemPrompt:
			s.SystemPrompt = &v
		case fieldModel:
			s.Model = &v
		case fieldDigest:
			s.Digest = &v
		case fieldEnabled:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bots.ChannelSettings{}, fmt.Errorf("redis store: settings of %s: field enabled %q: %w", channel, v, err)
			}
			s.Enabled = &b
		}
	}
	return mergeSettings(s, bots.ChannelSettings{}), nil
}

// UpdateSettings merges s over the stored overrides of channel: set fields
// are written and cleared ones deleted in one MULTI/EXEC, so concurrent
// updates of different fields never undo each other.
func (r *Redis) UpdateSettings(ctx context.Context, channel string, s bots.ChannelSettings) error {
	set := map[string]any{}
	var del []string
	str := func(field string, p *string) {
		switch {
		case p == nil:
		case *p == "":
			del = append(del, field)
		default:
			set[field] = *p
		}
	}
	str(fieldLanguage, s.Language)
	str(fieldSystemPrompt, s.SystemPrompt)
	str(fieldModel, s.Model)
	str(fieldDigest, s.Digest)
	if s.Enabled != nil {
		set[fieldEnabled] = strconv.FormatBool(*s.Enabled)
	}
	if len(set) == 0 && len(del) == 0 {
		return nil
	}
	key := r.key("settings", channel)
	_, err := r.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		if len(set) > 0 {
			p.HSet(ctx, key, set)
		}
		if len(del) > 0 {
			p.HDel(ctx, key, del...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis store: update settings of %s: %w", channel, r.wrap(ctx, err))
	}
	return nil
}

// AddUsage adds r to the day and month hashes of its channel, user and the
// whole bot and refreshes their expiry, in one MULTI/EXEC round trip.
func (r *Redis) AddUsage(ctx context.Context, rec bots.UsageRecord) error {
	targets := usageTargets(rec, r.now())
	_, err := r.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, t := range targets {
			key := r.usageKey(t)
			p.HIncrBy(ctx, key, fieldRequests, 1)
			if rec.PromptTokens != 0 {
				p.HIncrBy(ctx, key, fieldPromptTokens, rec.PromptTokens)
			}
			if rec.CompletionTokens != 0 {
				p.HIncrBy(ctx, key, fieldCompletionTokens, rec.CompletionTokens)
			}
			if rec.CostUSD != 0 {
				p.HIncrByFloat(ctx, key, fieldCostUSD, rec.CostUSD)
			}
			ttl := dayRetention
			if len(t.period) == len("2006-01") {
				ttl = monthRetention
			}
			p.Expire(ctx, key, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis store: add usage: %w", r.wrap(ctx, err))
	}
	return nil
}

// Usage returns the totals of a scope for a period (one HGETALL).
func (r *Redis) Usage(ctx context.Context, scope bots.UsageScope, id string, p bots.Period) (bots.UsageTotals, error) {
	t, err := checkUsageQuery(scope, id, p)
	if err != nil {
		return bots.UsageTotals{}, fmt.Errorf("redis store: usage: %w", err)
	}
	h, err := r.client.HGetAll(ctx, r.usageKey(t)).Result()
	if err != nil {
		return bots.UsageTotals{}, fmt.Errorf("redis store: usage of %s in %s: %w", t.name(), p, r.wrap(ctx, err))
	}
	var u bots.UsageTotals
	for f, v := range h {
		var err error
		switch f {
		case fieldRequests:
			u.Requests, err = strconv.ParseInt(v, 10, 64)
		case fieldPromptTokens:
			u.PromptTokens, err = strconv.ParseInt(v, 10, 64)
		case fieldCompletionTokens:
			u.CompletionTokens, err = strconv.ParseInt(v, 10, 64)
		case fieldCostUSD:
			u.CostUSD, err = strconv.ParseFloat(v, 64)
		}
		if err != nil {
			return bots.UsageTotals{}, fmt.Errorf("redis store: usage of %s in %s: field %s: %w", t.name(), p, f, err)
		}
	}
	return u, nil
}

// Claim is SET key NX PX ttl: only the first caller on any replica gets
// true until the key expires.
func (r *Redis) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := checkClaim(key, ttl); err != nil {
		return false, fmt.Errorf("redis store: claim: %w", err)
	}
	ttl = max(ttl, time.Millisecond)
	ok, err := r.client.SetNX(ctx, r.key("claim", key), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis store: claim %s: %w", key, r.wrap(ctx, err))
	}
	return ok, nil
}

var _ bots.MultiClaimer = (*Redis)(nil)

// claimAllScript sets every free key with its expiry and returns how many
// were taken already: one round trip, atomic (a script runs alone on the
// server), so two replicas claiming one message's keys (its event id, its
// message id) cannot each win half and both refuse it. The keys are
// listed in KEYS, so a Redis Cluster would need them in one hash slot
// (not supported: see docs/STATUS.md).
var claimAllScript = goredis.NewScript(`
local taken = 0
for _, k in ipairs(KEYS) do
  if not redis.call('SET', k, '1', 'NX', 'PX', ARGV[1]) then taken = taken + 1 end
end
return taken`)

// ClaimAll implements bots.MultiClaimer with one script call.
func (r *Redis) ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error) {
	rk := make([]string, len(keys))
	for i, k := range keys {
		if err := checkClaim(k, ttl); err != nil {
			return false, fmt.Errorf("redis store: claim: %w", err)
		}
		rk[i] = r.key("claim", k)
	}
	ttl = max(ttl, time.Millisecond)
	taken, err := claimAllScript.Run(ctx, r.client, rk, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redis store: claim %s: %w", strings.Join(keys, ", "), r.wrap(ctx, err))
	}
	return taken == 0, nil
}

// Take is INCR and PEXPIRE on a key of the window now falls in, in one
// MULTI/EXEC round trip.
func (r *Redis) Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error) {
	start, reset, err := rateWindow(key, limit, window, now)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("redis store: take: %w", err)
	}
	k := r.key("rate", key, strconv.FormatInt(start.UnixMilli(), 10))
	var incr *goredis.IntCmd
	_, err = r.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.PExpire(ctx, k, max(window, time.Millisecond))
		return nil
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("redis store: take %s: %w", key, r.wrap(ctx, err))
	}
	return incr.Val() <= int64(limit), reset, nil
}

// Journal stores or replaces e in the journal hash.
func (r *Redis) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.ID == "" {
		return errors.New("redis store: journal: empty id")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redis store: journal %s: %w", e.ID, err)
	}
	if err := r.client.HSet(ctx, r.key("journal"), e.ID, b).Err(); err != nil {
		return fmt.Errorf("redis store: journal %s: %w", e.ID, r.wrap(ctx, err))
	}
	return nil
}

// Unjournal removes the entry id, if any.
func (r *Redis) Unjournal(ctx context.Context, id string) error {
	if err := r.client.HDel(ctx, r.key("journal"), id).Err(); err != nil {
		return fmt.Errorf("redis store: unjournal %s: %w", id, r.wrap(ctx, err))
	}
	return nil
}

// Journaled lists every journal entry, oldest first.
func (r *Redis) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	h, err := r.client.HGetAll(ctx, r.key("journal")).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: journaled: %w", r.wrap(ctx, err))
	}
	out := make([]bots.JournalEntry, 0, len(h))
	for id, v := range h {
		var e bots.JournalEntry
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			return nil, fmt.Errorf("redis store: journaled: entry %s: %w", id, err)
		}
		out = append(out, e)
	}
	sortJournal(out)
	return out, nil
}

// usageKey is the hash of one usage target.
func (r *Redis) usageKey(t usageTarget) string {
	return r.key("usage", string(t.period), t.name())
}
