package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/enginetest"
	"mistralbot/bots/store"
)

// digestConv is a channel with messages at given times that records the
// digests posted in it.
type digestConv struct {
	*fakeConv
	mu      sync.Mutex
	msgs    []bots.SpanMessage
	posts   []digestPost
	queries []bots.SpanQuery
}

type digestPost struct {
	at   time.Time
	text string
}

var (
	_ bots.SpanReader    = (*digestConv)(nil)
	_ bots.ChannelPoster = (*digestConv)(nil)
)

func (c *digestConv) ReadSpan(_ context.Context, q bots.SpanQuery) (bots.Span, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, q)
	var out []bots.SpanMessage
	for _, m := range c.msgs {
		if !m.Time.Before(q.Since) && !m.Time.After(q.Until) {
			out = append(out, m)
		}
	}
	return bots.Span{Messages: out, Calls: 1}, nil
}

func (c *digestConv) PostToChannel(_ context.Context, key bots.ConversationKey, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key.Channel != "C1" {
		panic("digest posted in " + key.Channel)
	}
	c.posts = append(c.posts, digestPost{at: time.Now(), text: text})
	return nil
}

func (c *digestConv) snapshot() []digestPost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]digestPost(nil), c.posts...)
}

// replica is one process running the digest scheduler on the shared
// store; stop ends it and waits.
func replica(t *testing.T, st bots.Store, conv bots.Conversations, llm *memLLM) (stop func()) {
	t.Helper()
	e, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: llm, Store: st, Logger: testLogger(),
		Channels: map[string]bots.ChannelSettings{"slack:C1": {Digest: ptr("daily 09:00 Europe/Paris"), Language: ptr("fr")}}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.RunDigests(ctx, map[bots.Platform]bots.Conversations{bots.Slack: conv})
	}()
	return func() { cancel(); <-done }
}

// Daily digests at 09:00 Paris time across midnight, the spring DST
// change and a quiet day, with two replicas on one store (one post per
// day), then a restart over the due time (the missed digest posted late,
// once, and not again by the next restart).
func TestDigestsOncePerDayAcrossDSTReplicasAndRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		at := func(s string) time.Time {
			v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		// The bubble starts at 2000-01-01 UTC; move to the 27th of March.
		time.Sleep(time.Until(at("2026-03-27 12:00")))
		conv := &digestConv{fakeConv: newFakeConv()}
		// A message every two hours (midnights included), but none from
		// the 29th 09:00 to the 30th 09:00: that day is quiet.
		for ts := at("2026-03-27 00:30"); ts.Before(at("2026-04-01 12:00")); ts = ts.Add(2 * time.Hour) {
			if !ts.Before(at("2026-03-29 09:00")) && ts.Before(at("2026-03-30 09:00")) {
				continue
			}
			conv.msgs = append(conv.msgs, bots.SpanMessage{ID: ts.Format(time.RFC3339), Author: "Alice", Text: "news at " + ts.Format("15:04"), Time: ts})
		}
		st := store.NewMemory(store.MemoryOptions{})
		llm := newMemLLM()
		stopA := replica(t, st, conv, llm)
		stopB := replica(t, st, conv, llm)
		time.Sleep(time.Until(at("2026-03-31 08:00")))
		stopA()
		stopB()
		// Down over 09:00 on the 31st; back at 11:00, twice.
		time.Sleep(time.Until(at("2026-03-31 11:00")))
		stopC := replica(t, st, conv, llm)
		time.Sleep(10 * time.Minute)
		stopC()
		stopD := replica(t, st, conv, llm)
		time.Sleep(2 * time.Hour)
		stopD()

		posts := conv.snapshot()
		want := []struct{ at, date string }{
			{"2026-03-27 12:00", "2026-03-27"}, // due at 09:00, the process started at 12:00: late, once
			{"2026-03-28 09:00", "2026-03-28"}, // covers the 27th 09:00 to the 28th 09:00, across midnight
			{"2026-03-29 09:00", "2026-03-29"}, // 23 hours: the clocks moved at 02:00
			// the 30th: nothing happened, no digest
			{"2026-03-31 11:00", "2026-03-31"}, // missed while down: posted at the restart, once
		}
		if len(posts) != len(want) {
			for _, p := range posts {
				t.Logf("posted %s: %.60q", p.at.In(paris).Format("2006-01-02 15:04"), p.text)
			}
			t.Fatalf("%d digests, want %d", len(posts), len(want))
		}
		for i, w := range want {
			got := posts[i].at.In(paris)
			if got.Before(at(w.at)) || got.Sub(at(w.at)) > time.Minute {
				t.Errorf("digest %d posted at %s, want %s (within a minute)", i, got.Format("2006-01-02 15:04"), w.at)
			}
			if !strings.Contains(posts[i].text, w.date) {
				t.Errorf("digest %d header: %.80q, want the date %s", i, posts[i].text, w.date)
			}
		}
		// The DST day's period: the 28th 09:00 CET to the 29th 09:00 CEST.
		found := false
		for _, q := range conv.queries {
			if q.Since.Equal(at("2026-03-28 09:00")) {
				found = true
				if h := q.Until.Sub(q.Since).Hours(); h > 23 || h < 22.99 {
					t.Errorf("the DST day's span is %vh, want 23h", h)
				}
			}
		}
		if !found {
			t.Error("no read of the DST day's period")
		}
		if n := len(llm.requests()); n != len(want) {
			t.Errorf("%d model calls, want %d (none for the quiet day)", n, len(want))
		}
	})
}

// /digest sets, shows and turns off a digest (admins only); a digest set
// at 10:00 for 09:00 waits for tomorrow.
func TestDigestCommand(t *testing.T) {
	h := newMemHarness(t, newMemLLM(), nil)
	ctx := context.Background()
	cmd := func(text string, admin bool) string {
		m := mention("d", text)
		m.Admin = admin
		return h.eng.Command(ctx, h.conv, bots.Command{Name: "digest", Text: text, Msg: m, Options: map[string]string{"prefix": "/"}}).Text
	}
	if got := cmd("", false); !strings.Contains(got, "No digest") {
		t.Fatalf("show: %q", got)
	}
	if got := cmd("daily 09:00 Europe/Paris", false); !strings.Contains(strings.ToLower(got), "admin") {
		t.Fatalf("non-admin set: %q", got)
	}
	if got := cmd("daily 9h", true); !strings.Contains(got, "/digest daily") {
		t.Fatalf("bad schedule: %q", got)
	}
	if got := cmd("daily 09:00 Europe/Paris", true); !strings.Contains(got, "09:00") || !strings.Contains(got, "Europe/Paris") {
		t.Fatalf("set: %q", got)
	}
	if got := cmd("", false); !strings.Contains(got, "09:00") {
		t.Fatalf("show after set: %q", got)
	}
	if got := cmd("off", true); !strings.Contains(got, "off") {
		t.Fatalf("off: %q", got)
	}
	if got := cmd("", false); !strings.Contains(got, "No digest") {
		t.Fatalf("show after off: %q", got)
	}
}

// A bad channels.<id>.digest is a start-up error naming the key.
func TestDigestConfigIsChecked(t *testing.T) {
	_, err := engine.New(enginetest.WithConfigDefaults(t, engine.Options{LLM: newMemLLM(), Store: store.NewMemory(store.MemoryOptions{}),
		Channels: map[string]bots.ChannelSettings{"slack:C9": {Digest: ptr("weekly 09:00")}}}))
	if err == nil || !strings.Contains(err.Error(), "channels.slack:C9.digest") {
		t.Fatalf("err = %v", err)
	}
}
