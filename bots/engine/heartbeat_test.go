package engine_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/journal"
	"mistralbot/bots/store"
)

// slowJournal is a store whose journal listing (what a recovery pass
// reads) takes a long time once slow is set, as a big journal on a
// loaded Redis does; it counts the heartbeats written.
type slowJournal struct {
	*store.Memory
	delay time.Duration

	mu    sync.Mutex
	slow  bool
	beats []time.Time
}

func (s *slowJournal) Journal(ctx context.Context, e bots.JournalEntry) error {
	if e.State == journal.Alive {
		s.mu.Lock()
		s.beats = append(s.beats, time.Now())
		s.mu.Unlock()
	}
	return s.Memory.Journal(ctx, e)
}

func (s *slowJournal) Journaled(ctx context.Context) ([]bots.JournalEntry, error) {
	s.mu.Lock()
	slow := s.slow
	s.mu.Unlock()
	if slow {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Memory.Journaled(ctx)
}

func (s *slowJournal) beatsBetween(from, to time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.beats {
		if !b.Before(from) && b.Before(to) {
			n++
		}
	}
	return n
}

// TestHeartbeatKeepsBeatingDuringASlowRecoveryPass: a recovery pass that
// takes 4 minutes (longer than the 6 intervals, 60 s, after which other
// replicas take this one for dead) does not hold the heartbeat: it is
// written every interval meanwhile.
func TestHeartbeatKeepsBeatingDuringASlowRecoveryPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &slowJournal{Memory: store.NewMemory(store.MemoryOptions{}), delay: 4 * time.Minute}
		eng, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: newMemLLM(), Store: st, Logger: testLogger(), ReplicaID: "r1",
			HeartbeatInterval: 10 * time.Second, RecoverInterval: time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- eng.Run(ctx) }()
		synctest.Wait()
		// The first pass (Recover's own) is quick; the ones the
		// heartbeat's upkeep repeats from then on are slow.
		if _, err := eng.Recover(ctx, map[bots.Platform]bots.Conversations{bots.Slack: newFakeConv()}); err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		st.slow = true
		st.mu.Unlock()
		// Past RecoverInterval the upkeep starts a pass, which then
		// waits 4 minutes on the journal.
		time.Sleep(70 * time.Second)
		from := time.Now()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if n := st.beatsBetween(from, time.Now()); n < 11 {
			t.Errorf("%d heartbeats in the 2 minutes of a slow recovery pass, want one every 10 s", n)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}
