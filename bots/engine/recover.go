package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"mistralbot/bots"
	"slices"
	"strings"
	"time"
)

// recoverClaimTTL bounds the claim that keeps two replicas from
// recovering one entry; the recovered entry is rewritten with a new
// incarnation, so a later recovery of it needs a new claim.
const recoverClaimTTL = 10 * time.Minute

// Recover finishes the replies that dead processes left in the journal:
// those of this replica's previous life (same ReplicaID, another
// incarnation) and those of replicas whose heartbeat stopped. Each is
// queued like a new question: the answer is regenerated into the messages
// already posted (through the adapter's Reopener), or posted as a new
// answer when nothing was posted or the messages cannot be reopened; one
// whose regeneration fails, or older than RecoverMaxAge, ends with the
// localized "interrupted" notice. A store claim keeps two replicas from
// recovering the same entry. convs gives the adapter of each platform
// (entries of other platforms are left). Call it once Run is running and
// the adapters can post; while Run runs, the pass then repeats every
// RecoverInterval for replicas that die later. It returns how many
// replies it queued.
func (e *Engine) Recover(ctx context.Context, convs map[bots.Platform]bots.Conversations) (int, error) {
	convs = maps.Clone(convs)
	e.jr.mu.Lock()
	e.jr.convs = convs
	e.jr.mu.Unlock()
	return e.recoverPass(ctx, convs)
}

func (jr *journal) recoverFrom() map[bots.Platform]bots.Conversations {
	jr.mu.Lock()
	defer jr.mu.Unlock()
	return jr.convs
}

// recoverPass is one look through the journal.
func (e *Engine) recoverPass(ctx context.Context, convs map[bots.Platform]bots.Conversations) (int, error) {
	e.jr.pass.Lock()
	defer e.jr.pass.Unlock()
	if e.stopped.Load() {
		return 0, bots.ErrStopped
	}
	// Entries re-owned below are protected by this Engine's heartbeat: it
	// must be there before them.
	if err := e.beat(ctx); err != nil {
		return 0, fmt.Errorf("engine: recover: heartbeat: %w", err)
	}
	entries, err := e.opts.Store.Journaled(ctx)
	if err != nil {
		return 0, fmt.Errorf("engine: recover: list journal: %w", err)
	}
	now := e.now()
	beats := map[string]bots.JournalEntry{}
	for _, en := range entries {
		if en.State == JournalAlive {
			beats[en.Owner] = en
		}
	}
	twin := false
	if b, ok := beats[e.owner()]; ok && b.Incarnation != e.jr.incarnation {
		// Another process beat under our replica id right after us.
		twin = true
		e.log.ErrorContext(ctx, "another running process uses this replica id; its replies are left alone (set a distinct replica id per replica)",
			"replica", e.owner())
	}
	slices.SortFunc(entries, func(a, b bots.JournalEntry) int { return a.Started.Compare(b.Started) })
	n := 0
	for _, en := range entries {
		if en.State == JournalAlive {
			e.sweepBeat(ctx, en, now)
			continue
		}
		if !e.orphan(en, beats, now, twin) {
			continue
		}
		conv := convs[en.Key.Platform]
		if conv == nil {
			e.log.WarnContext(ctx, "journaled reply of a platform not running here; left", "journal_id", en.ID, "platform", en.Key.Platform)
			continue
		}
		ok, err := e.opts.Store.Claim(ctx, "recover:"+en.ID+":"+en.Incarnation, recoverClaimTTL)
		if err != nil {
			return n, fmt.Errorf("engine: recover %s: claim: %w", en.ID, err)
		}
		if !ok {
			continue // another replica has it
		}
		j, err := e.recoveredJob(ctx, en, conv, now)
		if err != nil {
			e.log.ErrorContext(ctx, "journaled reply cannot be recovered; dropped", "journal_id", en.ID, "err", err)
			if err := e.unjournal(ctx, en.ID); err != nil {
				e.log.WarnContext(ctx, "journal entry not removed", "journal_id", en.ID, "err", err)
			}
			continue
		}
		// Ours from now on: if this process dies too, the next one
		// recovers it again.
		j.jr.entry.Owner, j.jr.entry.Incarnation = e.owner(), e.jr.incarnation
		e.jr.track(en.ID)
		e.journalWrite(ctx, j)
		if err := e.pool.push(j); err != nil {
			e.jr.untrack(en.ID)
			return n, err
		}
		n++
		e.log.InfoContext(ctx, "recovering an unfinished reply", "platform", en.Key.Platform, "channel", en.Key.Channel,
			"thread", en.Key.Thread, "message", en.Message.ID, "journal_id", en.ID, "state", en.State,
			"messages", len(en.Placeholder), "previous_owner", en.Owner, "age", now.Sub(en.Started).Round(time.Second))
	}
	return n, nil
}

// orphan reports whether en belongs to a process that is gone.
func (e *Engine) orphan(en bots.JournalEntry, beats map[string]bots.JournalEntry, now time.Time, twin bool) bool {
	if en.Incarnation == e.jr.incarnation {
		// Ours: in flight, or finished since the journal was listed (no
		// longer tracked, yet still in the list: answering it again would
		// be a duplicate). Only a shutdown leaves ours behind, and a
		// stopped Engine runs no pass.
		return false
	}
	if en.Owner == e.owner() {
		return !twin // our previous life
	}
	dead := time.Duration(heartbeatMisses) * e.opts.HeartbeatInterval
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
func (e *Engine) sweepBeat(ctx context.Context, b bots.JournalEntry, now time.Time) {
	if b.Owner == e.owner() || now.Sub(b.Started) < 10*time.Duration(heartbeatMisses)*e.opts.HeartbeatInterval {
		return
	}
	if err := e.unjournal(ctx, b.ID); err != nil {
		e.log.DebugContext(ctx, "stale heartbeat not removed", "replica", b.Owner, "err", err)
	}
}

// recoveredJob rebuilds the job of a journal entry.
func (e *Engine) recoveredJob(ctx context.Context, en bots.JournalEntry, conv bots.Conversations, now time.Time) (*job, error) {
	j := &job{kind: jobMessage, key: en.Key, conv: conv, msg: en.Message, queued: time.Now(),
		jr: &jobJournal{entry: en, written: en.Placeholder, recovered: true, reopen: en.Placeholder,
			expired: now.Sub(en.Started) > e.opts.RecoverMaxAge}}
	switch en.Kind {
	case "":
	case kindTranslate:
		if en.Target == "" {
			return nil, errors.New("translation without a target language")
		}
		j.kind, j.target = jobTranslate, en.Target
	case kindAsk:
		if en.Command == nil {
			return nil, errors.New("command entry without its command")
		}
		cmd := *en.Command
		cmd.Msg = en.Message
		lang := e.uiLanguage(e.Settings(ctx, settingsID(cmd.Msg)), cmd.Msg)
		name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cmd.Name), "/"))
		ask, refusal := e.prepare(name, cmd, lang)
		if ask == nil {
			return nil, fmt.Errorf("command %q no longer valid: %s", name, refusal)
		}
		j.kind, j.ask = jobAsk, ask
	default:
		return nil, fmt.Errorf("unknown kind %q", en.Kind)
	}
	return j, nil
}

// openReply opens the reply of j: a recovered one goes back into the
// messages its previous attempt posted when the adapter can reopen them;
// a regenerated one into the old answer's messages, and when they cannot
// be reached (deleted) nothing is posted: the click changes nothing.
func (e *Engine) openReply(ctx context.Context, j *job) (bots.Reply, error) {
	if j.regenerating {
		ro, ok := j.conv.(bots.Reopener)
		switch {
		case !ok:
			return nil, errors.New("engine: regenerate: the adapter cannot reopen replies")
		case len(j.regen) == 0:
			return nil, errors.New("engine: regenerate: the old answer never reached the platform")
		}
		return ro.Reopen(ctx, j.key, j.msg, j.regen)
	}
	if j.recovered() {
		if ro, ok := j.conv.(bots.Reopener); ok {
			r, err := ro.Reopen(ctx, j.key, j.msg, j.jr.reopen)
			if err == nil {
				return r, nil
			}
			e.log.WarnContext(ctx, "cannot reopen the interrupted reply; answering anew", "key", j.key.String(),
				"messages", len(j.jr.reopen), "err", err)
		}
	}
	return j.conv.OpenReply(ctx, j.key, j.msg)
}

// withoutMessages drops the turns of the given message ids (a recovered
// reply's own partial answer is not history).
func withoutMessages(turns []bots.Turn, ids []string) []bots.Turn {
	if len(ids) == 0 {
		return turns
	}
	return slices.DeleteFunc(turns, func(t bots.Turn) bool { return t.ID != "" && slices.Contains(ids, t.ID) })
}
