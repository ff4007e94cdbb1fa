package bots

import (
	"context"
	"time"
)

// Admitter is the optional capability of a store that admits a delivered
// message in one atomic write: its dedupe claims, the asker's rate token
// and its reply journal entry (issue 12: a reply waits for at most one
// store round trip before its first platform call; a separate journal
// write was a second). The Engine consumes it (bots/engine/dispatch.go)
// and falls back to Claimer and JournalStore calls for a store without
// it; every store of bots/store implements it (bbolt: one transaction,
// Redis: one script, memory: one lock).
type Admitter interface {
	// Admit claims every key of a that is free for a.TTL and leaves the
	// others as they are (like MultiClaimer.ClaimAll). Only when all of
	// them were free (the delivery is won) does it take one event of
	// a.Rate, when set (like Claimer.Take), and then, unless the rate
	// refused it, store a.Entry, when set (like JournalStore.Journal). It
	// is atomic: of two racing deliveries of one message exactly one wins,
	// and the entry is stored exactly when a delivery won and its rate
	// allowed it. A duplicate therefore never takes a rate token. An empty
	// key, a bad rate or an entry without id is an error and nothing is
	// written; a backend error may leave the write done or not (wrapping
	// ErrStoreUnavailable when the backend is lost).
	Admit(ctx context.Context, a Admission) (Admitted, error)
}

// Admission is what Admit writes for one delivery.
type Admission struct {
	// Keys are the delivery's dedupe keys (its event id, its message id);
	// none means nothing to deduplicate (always won).
	Keys []string
	// TTL is how long the claims hold.
	TTL time.Duration
	// Rate is the asker's rate window; nil means no rate limit.
	Rate *RateTake
	// Entry is the reply's journal entry; nil means not journaled (the
	// journal is paused after a store error).
	Entry *JournalEntry
}

// RateTake names one event of a fixed rate window (see Claimer.Take).
type RateTake struct {
	Key    string
	Limit  int
	Window time.Duration
	Now    time.Time
}

// Admitted is what Admit decided.
type Admitted struct {
	// Won: every key was free; false is a duplicate delivery.
	Won bool
	// Limited: won, but the rate refused the event (Reset is when its
	// window ends); the entry was not stored.
	Limited bool
	Reset   time.Time
}
