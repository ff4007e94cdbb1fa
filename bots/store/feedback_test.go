package store

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"mistralbot/bots"
)

func votes(t *testing.T, s bots.Store) bots.FeedbackStore {
	t.Helper()
	fs, ok := s.(bots.FeedbackStore)
	if !ok {
		t.Fatalf("%T is not a bots.FeedbackStore", s)
	}
	return fs
}

func wantCounts(t *testing.T, fs bots.FeedbackStore, channel string, want []bots.FeedbackCount) {
	t.Helper()
	got, err := fs.FeedbackCounts(context.Background(), channel)
	if err != nil {
		t.Fatalf("FeedbackCounts(%q): %v", channel, err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FeedbackCounts(%q) =\n %+v\nwant\n %+v", channel, got, want)
	}
}

func contractFeedback(t *testing.T, s bots.Store) {
	ctx := context.Background()
	fs := votes(t, s)
	wantCounts(t, fs, "", nil)
	up := bots.Feedback{Reply: "r1", User: "slack:U1", Channel: "slack:C1", Model: "m", Language: "fr", Up: true}
	changed, err := fs.Vote(ctx, up)
	if err != nil || !changed {
		t.Fatalf("first vote = %v, %v; want changed", changed, err)
	}
	// The same click again: nothing changes.
	if changed, err := fs.Vote(ctx, up); err != nil || changed {
		t.Fatalf("same vote again = %v, %v; want unchanged", changed, err)
	}
	other := bots.Feedback{Reply: "r1", User: "slack:U2", Channel: "slack:C1", Model: "m", Language: "fr"}
	must(t, func() error { _, err := fs.Vote(ctx, other); return err }())
	must(t, func() error {
		_, err := fs.Vote(ctx, bots.Feedback{Reply: "r2", User: "discord:9", Channel: "discord:7", Model: "m", Language: "en", Up: true})
		return err
	}())
	wantCounts(t, fs, "slack:C1", []bots.FeedbackCount{{Channel: "slack:C1", Model: "m", Language: "fr", Up: 1, Down: 1}})
	// A changed mind replaces the vote.
	flipped := up
	flipped.Up = false
	if changed, err := fs.Vote(ctx, flipped); err != nil || !changed {
		t.Fatalf("changed vote = %v, %v; want changed", changed, err)
	}
	wantCounts(t, fs, "", []bots.FeedbackCount{
		{Channel: "discord:7", Model: "m", Language: "en", Up: 1},
		{Channel: "slack:C1", Model: "m", Language: "fr", Down: 2},
	})
	if _, err := fs.Vote(ctx, bots.Feedback{User: "u", Channel: "c"}); err == nil {
		t.Error("a vote without a reply id is accepted")
	}

	// Concurrent deliveries of one click: exactly one changes anything.
	click := bots.Feedback{Reply: "r3", User: "slack:U3", Channel: "slack:C1", Model: "m", Language: "fr", Up: true}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			changed, err := fs.Vote(ctx, click)
			if err != nil {
				t.Error(err)
			}
			if changed {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 8 concurrent identical votes changed the counts; want 1", wins)
	}
	contractReasons(t, fs)
}

func TestBoltFeedbackSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mistralbot.db")
	b, err := OpenBolt(ctx, BoltOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	v := bots.Feedback{Reply: "r1", User: "slack:U1", Channel: "slack:C1", Model: "m", Language: "de", Up: true}
	must(t, func() error { _, err := b.Vote(ctx, v); return err }())
	must(t, b.Close())

	b, err = OpenBolt(ctx, BoltOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	wantCounts(t, b, "slack:C1", []bots.FeedbackCount{{Channel: "slack:C1", Model: "m", Language: "de", Up: 1}})
	if changed, err := b.Vote(ctx, v); err != nil || changed {
		t.Errorf("the same vote after the restart = %v, %v; want unchanged", changed, err)
	}
}
