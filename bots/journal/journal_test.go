package journal_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
)

func newJournal(t *testing.T, st bots.Store, replica string) *journal.Journal {
	t.Helper()
	j, err := journal.New(journal.Options{Store: st, Claims: st, ReplicaID: replica, HeartbeatInterval: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func entry(id, owner, inc string, started time.Time) bots.JournalEntry {
	return bots.JournalEntry{ID: id, State: journal.Queued, Owner: owner, Incarnation: inc, Started: started}
}

func beat(owner, inc string, at time.Time) bots.JournalEntry {
	return bots.JournalEntry{ID: "replica:" + owner, State: journal.Alive, Owner: owner, Incarnation: inc, Started: at}
}

// TestSurveyTellsOrphansByHeartbeat: the orphan rules, oldest first.
func TestSurveyTellsOrphansByHeartbeat(t *testing.T) {
	st := store.NewMemory(store.MemoryOptions{})
	j := newJournal(t, st, "me")
	now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	dead := now.Add(-2 * time.Minute) // beyond 6 intervals of 10 s
	entries := []bots.JournalEntry{
		beat("live", "l1", now.Add(-5*time.Second)),
		beat("stale", "s1", dead),
		beat("restarted", "r2", now),
		entry("mine-now", "me", j.Incarnation(), dead),           // this process: never
		entry("mine-before", "me", "old", now.Add(-time.Second)), // our previous life
		entry("of-live", "live", "l1", dead),                     // a live owner's: never
		entry("of-stale", "stale", "s1", dead.Add(time.Second)),  // stale heartbeat
		entry("of-restarted", "restarted", "r1", now),            // another incarnation beats
		entry("no-beat-old", "gone", "g1", dead.Add(-time.Second)),
		entry("no-beat-new", "starting", "n1", now.Add(-10*time.Second)), // may not have beaten yet
	}
	s := j.Survey(context.Background(), entries, now)
	var got []string
	for _, en := range s.Orphans {
		got = append(got, en.ID)
	}
	want := []string{"no-beat-old", "of-stale", "mine-before", "of-restarted"}
	if len(got) != len(want) {
		t.Fatalf("orphans %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("orphans %v, want %v (oldest first)", got, want)
		}
	}
	if s.Twin {
		t.Fatal("twin without a heartbeat of ours")
	}
	// Another process beating under our replica id: our previous life's
	// entries are left to it.
	s = j.Survey(context.Background(), append(entries, beat("me", "other", now)), now)
	for _, en := range s.Orphans {
		if en.Owner == "me" {
			t.Fatalf("a twin's entry %s taken", en.ID)
		}
	}
	if !s.Twin {
		t.Fatal("twin not seen")
	}
}

// TestClaimIsOncePerIncarnation: two replicas recovering one entry, one
// wins; the entry rewritten under a new incarnation is claimable again.
func TestClaimIsOncePerIncarnation(t *testing.T) {
	st := store.NewMemory(store.MemoryOptions{})
	a, b := newJournal(t, st, "a"), newJournal(t, st, "b")
	en := entry("reply:x:1", "gone", "g1", time.Now())
	ctx := context.Background()
	if ok, err := a.Claim(ctx, en); !ok || err != nil {
		t.Fatalf("first claim: %v, %v", ok, err)
	}
	if ok, _ := b.Claim(ctx, en); ok {
		t.Fatal("claimed twice")
	}
	b.Adopt(&en)
	if en.Owner != "b" || en.Incarnation != b.Incarnation() {
		t.Fatalf("adopted %+v", en)
	}
	if ok, _ := a.Claim(ctx, en); !ok {
		t.Fatal("the adopted entry is not claimable again")
	}
}

// failing is a journal store whose writes fail while down.
type failing struct {
	*store.Memory
	mu     sync.Mutex
	down   bool
	writes int
}

func (f *failing) Journal(ctx context.Context, e bots.JournalEntry) error {
	f.mu.Lock()
	f.writes++
	down := f.down
	f.mu.Unlock()
	if down {
		return errors.New("store down")
	}
	return f.Memory.Journal(ctx, e)
}

func (f *failing) Unjournal(ctx context.Context, id string) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return errors.New("store down")
	}
	return f.Memory.Unjournal(ctx, id)
}

// TestFailureMakesOneTimeoutNotOnePerMessage: after a failed write the
// journal pauses (no call reaches the store) until a heartbeat gets
// through; a removal that failed is retried by the upkeep.
func TestFailureMakesOneTimeoutNotOnePerMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &failing{Memory: store.NewMemory(store.MemoryOptions{}), down: true}
		j := newJournal(t, st, "me")
		ctx := context.Background()
		en := j.NewEntry(bots.ConversationKey{Platform: bots.Slack, Channel: "C1"}, bots.Message{ID: "1"})
		if err := j.Write(ctx, en); err == nil {
			t.Fatal("write to a store that is down succeeded")
		}
		for range 5 {
			if err := j.Write(ctx, en); !errors.Is(err, journal.ErrPaused) {
				t.Fatalf("write during the pause: %v", err)
			}
		}
		if err := j.End(ctx, en.ID); err == nil {
			t.Fatal("end during the pause succeeded")
		}
		st.mu.Lock()
		writes := st.writes
		st.down = false
		st.mu.Unlock()
		if writes != 1 {
			t.Fatalf("%d calls reached the store, want 1", writes)
		}
		if err := j.Beat(ctx); err != nil {
			t.Fatal(err)
		}
		if j.Paused() {
			t.Fatal("still paused after a heartbeat got through")
		}
		if err := st.Memory.Journal(ctx, en); err != nil {
			t.Fatal(err)
		}
		j.RetryLeftovers(ctx)
		left, _ := st.Journaled(ctx)
		for _, e := range left {
			if e.ID == en.ID {
				t.Fatal("the leftover entry was not removed")
			}
		}
	})
}

// TestHeartbeatIsNotHeldByUpkeep: an upkeep that takes minutes (a long
// recovery pass) does not delay the heartbeat.
func TestHeartbeatIsNotHeldByUpkeep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &failing{Memory: store.NewMemory(store.MemoryOptions{})}
		j := newJournal(t, st, "me")
		ctx := context.Background()
		stop := j.Heartbeat(ctx, func(ctx context.Context) {
			select {
			case <-time.After(5 * time.Minute):
			case <-ctx.Done():
			}
		})
		st.mu.Lock()
		before := st.writes
		st.mu.Unlock()
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		st.mu.Lock()
		beats := st.writes - before
		st.mu.Unlock()
		stop()
		if beats < 17 {
			t.Errorf("%d heartbeats in 3 minutes of upkeep, want one every 10 s", beats)
		}
		entries, _ := st.Journaled(ctx)
		if len(entries) != 0 {
			t.Errorf("stop left %d entries (the heartbeat must go)", len(entries))
		}
	})
}

// slowBeat is a store whose heartbeat writes wait for release and whose
// reply writes fail: a heartbeat in flight while a reply write fails.
type slowBeat struct {
	*store.Memory
	sent    chan struct{}
	release chan struct{}
}

func (s *slowBeat) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.State != journal.Alive {
		return errors.New("store down")
	}
	s.sent <- struct{}{}
	<-s.release
	return s.Memory.Journal(ctx, e)
}

// TestBeatSentBeforeAFailureKeepsThePause: a heartbeat that was sent
// before a reply write failed says nothing about the store after the
// failure, so it does not end the pause (otherwise every message of one
// outage may wait out its own timeout).
func TestBeatSentBeforeAFailureKeepsThePause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &slowBeat{Memory: store.NewMemory(store.MemoryOptions{}), sent: make(chan struct{}), release: make(chan struct{})}
		j := newJournal(t, st, "me")
		ctx := context.Background()
		done := make(chan error)
		go func() { done <- j.Beat(ctx) }()
		<-st.sent
		time.Sleep(time.Second)
		en := j.NewEntry(bots.ConversationKey{Platform: bots.Slack, Channel: "C1"}, bots.Message{ID: "1"})
		if err := j.Write(ctx, en); err == nil {
			t.Fatal("write to a store that is down succeeded")
		}
		close(st.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !j.Paused() {
			t.Fatal("a heartbeat sent before the failure ended the pause")
		}
		// A heartbeat sent after the failure does end it.
		go func() { <-st.sent }()
		if err := j.Beat(ctx); err != nil {
			t.Fatal(err)
		}
		if j.Paused() {
			t.Fatal("still paused after a later heartbeat got through")
		}
	})
}

// TestFailedPausesLikeAFailedWrite: a write the caller made itself with
// other records (the Engine's admission of a message, bots.Admitter)
// that failed pauses journaling as a failed Write does: no call reaches
// the store until a heartbeat gets through, then writes go again.
func TestFailedPausesLikeAFailedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &failing{Memory: store.NewMemory(store.MemoryOptions{})}
		j := newJournal(t, st, "me")
		ctx := context.Background()
		en := j.NewEntry(bots.ConversationKey{Platform: bots.Slack, Channel: "C1"}, bots.Message{ID: "1"})
		if j.Paused() {
			t.Fatal("paused before any failure")
		}
		j.Failed()
		if !j.Paused() {
			t.Fatal("not paused after Failed")
		}
		if err := j.Write(ctx, en); !errors.Is(err, journal.ErrPaused) {
			t.Fatalf("write after Failed: %v, want ErrPaused", err)
		}
		st.mu.Lock()
		writes := st.writes
		st.mu.Unlock()
		if writes != 0 {
			t.Fatalf("%d writes reached the store during the pause, want 0", writes)
		}
		if err := j.Beat(ctx); err != nil {
			t.Fatal(err)
		}
		if err := j.Write(ctx, en); err != nil {
			t.Fatalf("write after a heartbeat got through: %v", err)
		}
	})
}
