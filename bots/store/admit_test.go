package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

// contractAdmit: every store admits a delivery in one atomic write. The
// winner's entry is stored and its rate token taken; a duplicate stores
// nothing and takes no token (issue 12); a delivery over its rate is won
// but not journaled; bad arguments write nothing. Racing deliveries of one
// message: exactly one wins, and the journal holds exactly the winner's
// entry.
func contractAdmit(t *testing.T, s bots.Store) {
	ad, ok := s.(bots.Admitter)
	if !ok {
		t.Fatalf("%T does not admit a delivery in one write", s)
	}
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC)
	reset := time.Date(2026, 11, 25, 12, 1, 0, 0, time.UTC)
	rate := &bots.RateTake{Key: "rate:slack:U1", Limit: 2, Window: time.Minute, Now: now}
	key := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1700.1"}
	entry := func(id string) *bots.JournalEntry {
		return &bots.JournalEntry{ID: id, Key: key, Message: bots.Message{Key: key, ID: id, Text: "héllo"},
			State: "queued", Owner: "r1", Started: now}
	}
	journaled := func() []string {
		t.Helper()
		es, err := s.Journaled(ctx)
		must(t, err)
		var ids []string
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		slices.Sort(ids)
		return ids
	}
	admit := func(a bots.Admission) bots.Admitted {
		t.Helper()
		a.TTL = time.Hour
		got, err := ad.Admit(ctx, a)
		must(t, err)
		return got
	}

	got := admit(bots.Admission{Keys: []string{"ev:1", "msg:1"}, Rate: rate, Entry: entry("e1")})
	if !got.Won || got.Limited || !got.Reset.Equal(reset) {
		t.Fatalf("fresh delivery = %+v; want won, not limited, reset %s", got, reset)
	}
	if ids := journaled(); !slices.Equal(ids, []string{"e1"}) {
		t.Fatalf("journal after a won delivery = %v; want [e1]", ids)
	}
	if e, _ := s.Journaled(ctx); e[0].Message.Text != "héllo" || e[0].Key != key || !e[0].Started.Equal(now) {
		t.Fatalf("entry read back as %+v", e[0])
	}
	// The same message as another event: a duplicate, which claims its
	// own event key (like ClaimAll) and writes nothing else.
	for range 3 {
		if got := admit(bots.Admission{Keys: []string{"ev:2", "msg:1"}, Rate: rate, Entry: entry("e2")}); got.Won {
			t.Fatalf("duplicate delivery = %+v; want lost", got)
		}
	}
	if won, _ := s.Claim(ctx, "ev:2", time.Hour); won {
		t.Error("ev:2 was not claimed by the Admit that found msg:1 taken")
	}
	if ids := journaled(); !slices.Equal(ids, []string{"e1"}) {
		t.Fatalf("journal after duplicates = %v; want only e1", ids)
	}
	// The duplicates took no token: the second message of the minute is
	// within the limit of 2, the third is not (won, not journaled).
	if got := admit(bots.Admission{Keys: []string{"msg:2"}, Rate: rate, Entry: entry("e3")}); !got.Won || got.Limited {
		t.Fatalf("second message of the minute after 3 duplicates = %+v; want won within the rate", got)
	}
	got = admit(bots.Admission{Keys: []string{"msg:3"}, Rate: rate, Entry: entry("e4")})
	if !got.Won || !got.Limited || !got.Reset.Equal(reset) {
		t.Fatalf("third message of the minute = %+v; want won, limited, reset %s", got, reset)
	}
	if won, _ := s.Claim(ctx, "msg:3", time.Hour); won {
		t.Error("the limited delivery's key was not claimed (a redelivery would be answered)")
	}
	if ids := journaled(); !slices.Equal(ids, []string{"e1", "e3"}) {
		t.Fatalf("journal = %v; want e1, e3 (the limited e4 not stored)", ids)
	}
	// Neither rate nor entry: a claim alone.
	if got := admit(bots.Admission{Keys: []string{"msg:4"}}); !got.Won || got.Limited {
		t.Fatalf("claim-only admission = %+v", got)
	}
	for _, bad := range []bots.Admission{
		{Keys: []string{"ev:5", ""}, Entry: entry("e5")},
		{Keys: []string{"ev:5"}, Entry: &bots.JournalEntry{}},
		{Keys: []string{"ev:5"}, Rate: &bots.RateTake{Key: "", Limit: 1, Window: time.Minute, Now: now}, Entry: entry("e5")},
		{Keys: []string{"ev:5"}, Rate: &bots.RateTake{Key: "r", Limit: 0, Window: time.Minute, Now: now}, Entry: entry("e5")},
	} {
		bad.TTL = time.Hour
		if _, err := ad.Admit(ctx, bad); err == nil {
			t.Errorf("Admit(%+v) succeeded; want an error", bad)
		}
	}
	if _, err := ad.Admit(ctx, bots.Admission{Keys: []string{"ev:5"}}); err == nil {
		t.Error("Admit without a TTL succeeded; want an error")
	}
	if won, _ := s.Claim(ctx, "ev:5", time.Hour); !won {
		t.Error("a refused Admit claimed ev:5")
	}
	if ids := journaled(); !slices.Equal(ids, []string{"e1", "e3"}) {
		t.Fatalf("journal after refused admissions = %v", ids)
	}

	// Racing deliveries: a Slack mention as app_mention and as message,
	// and a retry of the first, to two replicas at once.
	race := &bots.RateTake{Key: "rate:slack:U2", Limit: 1000, Window: time.Minute, Now: now}
	const rounds = 20
	for round := range rounds {
		msg := fmt.Sprintf("msg:race%d", round)
		sets := [][]string{{"ev:a" + msg, msg}, {"ev:b" + msg, msg}, {"ev:a" + msg, msg}}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		for i, keys := range sets {
			id := fmt.Sprintf("race%d-%d", round, i)
			wg.Go(func() {
				got, err := ad.Admit(ctx, bots.Admission{Keys: keys, TTL: time.Hour, Rate: race, Entry: entry(id)})
				if err != nil {
					t.Error(err)
				}
				if got.Won {
					mu.Lock()
					winners = append(winners, id)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("round %d: winners %v, want exactly one", round, winners)
		}
		var raced []string
		for _, id := range journaled() {
			if id != "e1" && id != "e3" && !slices.Contains(raced, id) {
				raced = append(raced, id)
			}
		}
		if want := winners[0]; !slices.Contains(raced, want) {
			t.Fatalf("round %d: journal %v lacks the winner %s", round, raced, want)
		}
		for i := range sets {
			id := fmt.Sprintf("race%d-%d", round, i)
			if id != winners[0] && slices.Contains(raced, id) {
				t.Fatalf("round %d: the losing delivery %s is journaled", round, id)
			}
		}
	}
	// One token per round: the losers took none. With a limit of
	// rounds+1, one more event is allowed and the next is not.
	for i, want := range []bool{true, false} {
		ok, _, err := s.Take(ctx, race.Key, rounds+1, time.Minute, now)
		must(t, err)
		if ok != want {
			t.Fatalf("Take #%d after %d rounds of 3 racing deliveries = %v, want %v (one token per won delivery)", i+1, rounds, ok, want)
		}
	}
}
