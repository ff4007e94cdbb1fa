package bots

import (
	"context"
	"errors"
	"time"
)

// ChannelSettings are the per-channel overrides kept in the store. A nil
// field is unset and falls through to the config file, then to bot.*
// defaults.
type ChannelSettings struct {
	Language     *string `json:"language,omitempty"`
	SystemPrompt *string `json:"system_prompt,omitempty"`
	Model        *string `json:"model,omitempty"`
	Enabled      *bool   `json:"enabled,omitempty"`
	// Digest is the channel's digest schedule ("daily 09:00 Europe/Paris",
	// or "off" to turn a configured one off).
	Digest *string `json:"digest,omitempty"`
}

// Merge returns s with every field set in over replacing s's.
func (s ChannelSettings) Merge(over ChannelSettings) ChannelSettings {
	if over.Language != nil {
		s.Language = over.Language
	}
	if over.SystemPrompt != nil {
		s.SystemPrompt = over.SystemPrompt
	}
	if over.Model != nil {
		s.Model = over.Model
	}
	if over.Enabled != nil {
		s.Enabled = over.Enabled
	}
	if over.Digest != nil {
		s.Digest = over.Digest
	}
	return s
}

// UsageRecord is what one reply consumed.
type UsageRecord struct {
	// Channel is the settings channel id ("slack:C1"), User the user id
	// ("slack:U1").
	Channel          string
	User             string
	PromptTokens     int64
	CompletionTokens int64
	CostUSD          float64
	Time             time.Time
}

// UsageTotals is a sum of usage records.
type UsageTotals struct {
	Requests         int64
	PromptTokens     int64
	CompletionTokens int64
	CostUSD          float64
}

// Tokens returns prompt plus completion tokens.
func (t UsageTotals) Tokens() int64 { return t.PromptTokens + t.CompletionTokens }

// UsageScope selects whose usage to read.
type UsageScope int

// Usage scopes.
const (
	ScopeChannel UsageScope = iota // ID is a channel id
	ScopeUser                      // ID is a user id
	ScopeGlobal                    // the whole bot; ID is ignored
)

// Period selects a UTC day ("2026-11-25") or month ("2026-11").
type Period string

// Day returns the UTC day period of t.
func Day(t time.Time) Period { return Period(t.UTC().Format("2006-01-02")) }

// Month returns the UTC month period of t.
func Month(t time.Time) Period { return Period(t.UTC().Format("2006-01")) }

// JournalEntry records a reply in flight so that a restart can finish it
// (see Engine.Recover). The same record, with State JournalAlive, is a
// replica's heartbeat.
type JournalEntry struct {
	// ID is unique per reply.
	ID      string          `json:"id"`
	Key     ConversationKey `json:"key"`
	Message Message         `json:"message"`
	// Placeholder holds the platform ids of the messages posted so far.
	Placeholder []string `json:"placeholder,omitempty"`
	// State is JournalQueued, JournalOpen or JournalAlive.
	State string `json:"state"`
	// Owner is the replica id of the Engine answering (its random
	// incarnation id when no replica id is configured), Incarnation the id
	// of that Engine's process life.
	Owner       string `json:"owner"`
	Incarnation string `json:"incarnation,omitempty"`
	// Started is when the question reached the Engine (for a heartbeat:
	// when it was written).
	Started time.Time `json:"started"`
	// Kind says what to regenerate: "" a chat message, "ask" a command
	// (Command holds it, its Msg in Message), "translate" a translation
	// into Target.
	Kind    string   `json:"kind,omitempty"`
	Command *Command `json:"command,omitempty"`
	Target  string   `json:"target,omitempty"`
}

// ErrStoreUnavailable is wrapped by store errors caused by a lost backend
// (Redis down); callers degrade instead of failing the reply.
var ErrStoreUnavailable = errors.New("store unavailable")

// MultiClaimer is implemented by stores that can claim several keys in one
// write (bbolt: one transaction, one fsync instead of one per key). The
// Engine uses it when a message has more than one dedupe key.
type MultiClaimer interface {
	// ClaimAll records every key that is free for ttl and reports whether
	// all of them were; keys claimed already are left as they are.
	ClaimAll(ctx context.Context, keys []string, ttl time.Duration) (bool, error)
}

// The store behind the Engine is declared by role, so that each part of
// the Engine (and a test's fake) names only what it uses. Every method
// may block on I/O and returns wrapped errors naming the operation;
// ErrStoreUnavailable is wrapped when the backend is lost.

// SettingsStore keeps channel settings overrides (/lang, /prompt, ...).
type SettingsStore interface {
	// Settings returns the stored overrides of a channel (zero if none).
	Settings(ctx context.Context, channel string) (ChannelSettings, error)
	// UpdateSettings merges s over the stored overrides of channel. To clear
	// a string field, set it to a pointer to "". Enabled, when set, is stored
	// as given (false disables the channel).
	UpdateSettings(ctx context.Context, channel string, s ChannelSettings) error
}

// UsageStore keeps the usage counters limits and /usage read.
type UsageStore interface {
	// AddUsage adds one request and its tokens and cost to the day and month
	// counters of the channel, the user and the whole bot, atomically, in
	// one round trip.
	AddUsage(ctx context.Context, r UsageRecord) error
	// Usage returns the totals of a scope for a Day or Month period.
	Usage(ctx context.Context, scope UsageScope, id string, p Period) (UsageTotals, error)
}

// Claimer keeps short-lived atomic counters: delivery dedupe claims and
// rate windows, shared by the replicas.
type Claimer interface {
	// Claim atomically records key and returns true for the first caller;
	// later callers get false until ttl has passed.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Take counts one event against a fixed window of length window starting
	// at now truncated to window, allowing limit events per window. It
	// returns whether this event is allowed and when the window resets.
	Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Time, error)
}

// Leaser keeps leases on one-time jobs shared by the replicas (a
// channel's digest of a day): at least one holder runs the job (a lease
// whose holder died expires and is taken again), and Finish closes it
// for good. The job itself must be idempotent (a keyed post), since a
// holder can die after the work and before Finish.
type Leaser interface {
	// Lease takes key for owner for ttl and reports whether it did: true
	// when key is free, its lease expired, or owner holds it already (the
	// lease is then renewed for ttl); false when another owner holds it or
	// key is finished. An empty key or owner or a ttl <= 0 is an error.
	Lease(ctx context.Context, key, owner string, ttl time.Duration) (bool, error)
	// Finish marks key done forever: no later Lease of it succeeds, by
	// any owner. Whoever calls it has done the job (owner is recorded but
	// not checked: the job is idempotent, so done is true whoever says
	// it). Finishing a finished key is no error.
	Finish(ctx context.Context, key, owner string) error
}

// JournalStore keeps the reply journal and the replicas' heartbeats.
type JournalStore interface {
	// Journal stores or replaces a journal entry.
	Journal(ctx context.Context, e JournalEntry) error
	// Unjournal removes a journal entry; removing a missing one is no error.
	Unjournal(ctx context.Context, id string) error
	// Journaled lists every journal entry.
	Journaled(ctx context.Context) ([]JournalEntry, error)
}

// SettingsLister is the optional capability of a store that lists the
// channels with stored overrides: the digest scheduler finds there the
// digests set from the chat, after a restart too. Every store implements
// it.
type SettingsLister interface {
	// SettingsChannels returns the ids of the channels with stored
	// overrides, in no particular order.
	SettingsChannels(ctx context.Context) ([]string, error)
}

// Store is every role in one backend: what cmd/mistralbot opens and the
// Engine is given. Implementations: store.Memory, store.Bolt,
// store.Redis, all run through one contract suite (bots/store).
type Store interface {
	SettingsStore
	UsageStore
	Claimer
	Leaser
	JournalStore
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}
