package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/commands"
	"mistralbot/bots/journal"
)

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
	e.recovery.mu.Lock()
	e.recovery.convs = convs
	e.recovery.mu.Unlock()
	return e.recoverPass(ctx, convs)
}

// recovery is what Recover was given, for the passes the upkeep repeats
// and for redeliveries.
type recovery struct {
	mu       sync.Mutex
	convs    map[bots.Platform]bots.Conversations
	lastPass time.Time  // the last pass the upkeep ran (or Run's start)
	pass     sync.Mutex // one recovery pass at a time
}

func (r *recovery) from() map[bots.Platform]bots.Conversations {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.convs
}

// start counts RecoverInterval from now (Run's start).
func (r *recovery) start() {
	r.mu.Lock()
	r.lastPass = time.Now()
	r.mu.Unlock()
}

// due reports whether a repeated pass is due, and if so counts the next
// interval from now.
func (r *recovery) due(interval time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.lastPass) < interval {
		return false
	}
	r.lastPass = time.Now()
	return true
}

// recoverPass is one look through the journal.
func (e *Engine) recoverPass(ctx context.Context, convs map[bots.Platform]bots.Conversations) (int, error) {
	e.recovery.pass.Lock()
	defer e.recovery.pass.Unlock()
	if e.stopped.Load() {
		return 0, bots.ErrStopped
	}
	// Entries re-owned below are protected by this Engine's heartbeat: it
	// must be there before them.
	if err := e.jr.Beat(ctx); err != nil {
		return 0, fmt.Errorf("engine: recover: heartbeat: %w", err)
	}
	entries, err := e.jr.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("engine: recover: list journal: %w", err)
	}
	now := e.now()
	survey := e.jr.Survey(ctx, entries, now)
	if survey.Twin {
		e.log.ErrorContext(ctx, "another running process uses this replica id; its replies are left alone (set a distinct replica id per replica)",
			"replica", e.jr.Owner())
	}
	n := 0
	for _, en := range survey.Orphans {
		conv := convs[en.Key.Platform]
		if conv == nil {
			e.log.WarnContext(ctx, "journaled reply of a platform not running here; left", "journal_id", en.ID, "platform", en.Key.Platform)
			continue
		}
		ok, err := e.jr.Claim(ctx, en)
		if err != nil {
			return n, fmt.Errorf("engine: recover %s: claim: %w", en.ID, err)
		}
		if !ok {
			continue // another replica has it
		}
		j, err := e.recoveredJob(ctx, en, conv, now)
		if err != nil {
			e.log.ErrorContext(ctx, "journaled reply cannot be recovered; dropped", "journal_id", en.ID, "err", err)
			if err := e.jr.Remove(ctx, en.ID); err != nil {
				e.log.WarnContext(ctx, "journal entry not removed", "journal_id", en.ID, "err", err)
			}
			continue
		}
		// Ours from now on: if this process dies too, the next one
		// recovers it again.
		e.jr.Adopt(&j.jr.entry)
		e.journalWrite(ctx, j)
		if err := e.pool.push(j); err != nil {
			e.jr.Untrack(en.ID)
			return n, err
		}
		n++
		e.log.InfoContext(ctx, "recovering an unfinished reply", "platform", en.Key.Platform, "channel", en.Key.Channel,
			"thread", en.Key.Thread, "message", en.Message.ID, "journal_id", en.ID, "state", en.State,
			"messages", len(en.Placeholder), "previous_owner", en.Owner, "age", now.Sub(en.Started).Round(time.Second))
	}
	return n, nil
}

// recoveredJob rebuilds the job of a journal entry.
func (e *Engine) recoveredJob(ctx context.Context, en bots.JournalEntry, conv bots.Conversations, now time.Time) (*job, error) {
	j := &job{kind: jobMessage, key: en.Key, conv: conv, msg: en.Message, queued: time.Now(),
		jr: &jobJournal{entry: en, written: en.Placeholder, recovered: true, reopen: en.Placeholder,
			expired: now.Sub(en.Started) > e.opts.RecoverMaxAge}}
	switch en.Kind {
	case "":
	case journal.KindTranslate:
		if en.Target == "" {
			return nil, errors.New("translation without a target language")
		}
		j.kind, j.target = jobTranslate, en.Target
	case journal.KindAsk:
		if en.Command == nil {
			return nil, errors.New("command entry without its command")
		}
		cmd := *en.Command
		cmd.Msg = en.Message
		lang := e.uiLanguage(e.Settings(ctx, cmd.Msg.SettingsID()), cmd.Msg)
		name := commands.Name(cmd.Name)
		ask, refusal := e.commands.Prepare(name, cmd, lang)
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
		if len(j.regen) == 0 {
			return nil, errors.New("engine: regenerate: the old answer never reached the platform")
		}
		return j.regenFrom.reopener.Reopen(ctx, j.regenFrom.where, j.msg, j.regen)
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
