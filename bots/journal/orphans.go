package journal

import (
	"context"
	"slices"
	"time"

	"mistralbot/bots"
)

// Survey is what one look through the journal found.
type Survey struct {
	// Orphans are the reply entries of processes that are gone, oldest
	// first: this replica's previous life, replicas whose heartbeat is
	// stale or missing, owners that restarted.
	Orphans []bots.JournalEntry
	// Twin is true when another running process beats under this
	// replica id: its entries (and our previous life's) are left alone.
	Twin bool
}

// Survey sorts entries (as List returned them) at now. A live owner's
// entries are never orphans, however long its queue; neither is any
// entry of this incarnation (in flight, or finished since the list was
// read: answering it again would be a duplicate). Heartbeats of replicas
// long gone are removed on the way.
func (j *Journal) Survey(ctx context.Context, entries []bots.JournalEntry, now time.Time) Survey {
	beats := map[string]bots.JournalEntry{}
	for _, en := range entries {
		if en.State == Alive {
			beats[en.Owner] = en
		}
	}
	var s Survey
	if b, ok := beats[j.Owner()]; ok && b.Incarnation != j.incarnation {
		// Another process beat under our replica id right after us.
		s.Twin = true
	}
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b bots.JournalEntry) int { return a.Started.Compare(b.Started) })
	for _, en := range entries {
		if en.State == Alive {
			j.sweepBeat(ctx, en, now)
			continue
		}
		if j.orphan(en, beats, now, s.Twin) {
			s.Orphans = append(s.Orphans, en)
		}
	}
	return s
}

// orphan reports whether en belongs to a process that is gone.
func (j *Journal) orphan(en bots.JournalEntry, beats map[string]bots.JournalEntry, now time.Time, twin bool) bool {
	if en.Incarnation == j.incarnation {
		return false // ours: only a shutdown leaves ours behind, and it runs no pass
	}
	if en.Owner == j.Owner() {
		return !twin // our previous life
	}
	dead := time.Duration(heartbeatMisses) * j.opts.HeartbeatInterval
	b, ok := beats[en.Owner]
	switch {
	case ok && b.Incarnation != en.Incarnation:
		return true // the owner restarted
	case ok:
		return now.Sub(b.Started) > dead
	default:
		// No heartbeat: the owner ended, or has not beaten yet.
		return now.Sub(en.Started) > dead
	}
}

// sweepBeat removes the heartbeat of a replica long gone.
func (j *Journal) sweepBeat(ctx context.Context, b bots.JournalEntry, now time.Time) {
	if b.Owner == j.Owner() || now.Sub(b.Started) < 10*time.Duration(heartbeatMisses)*j.opts.HeartbeatInterval {
		return
	}
	if err := j.Remove(ctx, b.ID); err != nil {
		j.opts.Logger.DebugContext(ctx, "stale heartbeat not removed", "replica", b.Owner, "err", err)
	}
}
