package store

import (
	"context"
	"testing"
	"time"

	"mistralbot/bots"
)

// TestBoltPeekAdmit: the forecast of Admit from the committed state. A
// fresh delivery is foreseen won; once admitted, a delivery sharing one
// of its keys is foreseen a duplicate; the asker's rate is foreseen
// Limited once its window holds the limit; and a peek writes nothing
// (the delivery it foresaw is still won by Admit, the rate's count
// unchanged).
func TestBoltPeekAdmit(t *testing.T) {
	b := openTestBolt(t, BoltOptions{CleanupInterval: -1})
	ctx := context.Background()
	now := time.Now()
	rate := func() *bots.RateTake {
		return &bots.RateTake{Key: "rate:slack:U1", Limit: 2, Window: time.Minute, Now: now}
	}
	ad := func(keys ...string) bots.Admission {
		return bots.Admission{Keys: keys, TTL: time.Hour, Rate: rate(),
			Entry: &bots.JournalEntry{ID: keys[0], State: "queued", Started: now}}
	}
	peek := func(a bots.Admission) bots.Admitted {
		t.Helper()
		res, err := b.PeekAdmit(ctx, a)
		must(t, err)
		return res
	}
	admit := func(a bots.Admission) bots.Admitted {
		t.Helper()
		res, err := b.Admit(ctx, a)
		must(t, err)
		return res
	}
	for range 3 {
		if got := peek(ad("ev:1", "msg:1")); !got.Won || got.Limited {
			t.Fatalf("fresh delivery foreseen %+v, want won", got)
		}
	}
	if es, err := b.Journaled(ctx); err != nil || len(es) != 0 {
		t.Fatalf("after peeks: %d entries, %v; want none written", len(es), err)
	}
	if got := admit(ad("ev:1", "msg:1")); !got.Won || got.Limited {
		t.Fatalf("Admit after peeks = %+v, want won (a peek claims nothing)", got)
	}
	if got := peek(ad("ev:2", "msg:1")); got.Won {
		t.Errorf("delivery of an admitted message foreseen %+v, want a duplicate", got)
	}
	if got := peek(ad("ev:3", "msg:3")); !got.Won || got.Limited {
		t.Errorf("second question of the window foreseen %+v, want won within the rate", got)
	}
	if got := admit(ad("ev:3", "msg:3")); !got.Won || got.Limited {
		t.Fatalf("second question = %+v, want won within the rate (peeks took no token)", got)
	}
	got := peek(ad("ev:4", "msg:4"))
	if !got.Won || !got.Limited || !got.Reset.Equal(now.Truncate(time.Minute).Add(time.Minute)) {
		t.Errorf("third question of the window foreseen %+v, want Limited until the window's end", got)
	}
	if _, err := b.PeekAdmit(ctx, bots.Admission{Keys: []string{""}, TTL: time.Hour}); err == nil {
		t.Error("an empty key was foreseen, want an error")
	}
}
