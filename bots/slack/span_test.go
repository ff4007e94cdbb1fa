package slack

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"
)

var spanStart = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// A span of 10, 500 and 5,000 messages, a thread or a channel, under the
// standard and the non-Marketplace limits, is read whole, in order, with
// permalinks as chat.getPermalink gives them, and without a single 429.
func TestReadSpanPaginatesWithinTheLimits(t *testing.T) {
	for _, tc := range []struct {
		n       int
		thread  bool
		reduced bool
	}{
		{10, true, false}, {500, true, false}, {5000, true, false},
		{10, false, false}, {500, false, false}, {5000, false, false},
		{300, true, true}, {300, false, true},
	} {
		name := fmt.Sprintf("%d/thread=%v/non-marketplace=%v", tc.n, tc.thread, tc.reduced)
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDirect(t, false, fakeslack.Options{NonMarketplace: tc.reduced})
				d.a.opts.ReducedReads = tc.reduced
				d.a.teams.Clear() // budgets follow the option set above
				var g fakeslack.Generated
				key := bots.ConversationKey{Platform: bots.Slack, Team: fakeslack.DefaultTeamID, Channel: "C0GENERAL"}
				if tc.thread {
					g = d.fake.GenerateThread("C0GENERAL", tc.n, spanStart, time.Minute)
					key.Thread = g.ThreadTS
				} else {
					g = d.fake.GenerateChannel("C0GENERAL", tc.n, spanStart, time.Minute)
				}
				t0 := time.Now()
				span, err := d.a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 10000})
				if err != nil {
					t.Fatal(err)
				}
				if len(span.Messages) != tc.n {
					t.Fatalf("%d messages read, want %d", len(span.Messages), tc.n)
				}
				for i, m := range span.Messages {
					if m.ID != g.TS[i] {
						t.Fatalf("message %d is %s, want %s", i, m.ID, g.TS[i])
					}
					if want := d.fake.Permalink("C0GENERAL", g.TS[i], g.ThreadTS); m.Link != want {
						t.Fatalf("message %d link %q, want %q", i, m.Link, want)
					}
					if m.Author == "" || m.Text == "" {
						t.Fatalf("message %d without author or text: %+v", i, m)
					}
				}
				page := 200
				if tc.reduced {
					page = 15
				}
				if want := (tc.n + page - 1) / page; span.Calls != want && span.Calls != want+1 {
					t.Errorf("%d calls, want %d", span.Calls, want)
				}
				if got := d.fake.RateLimited(); got != 0 || span.RateLimited != 0 {
					t.Errorf("%d 429s from the fake, %d counted; want 0", got, span.RateLimited)
				}
				t.Logf("%s: %d calls, %v waiting on the read budget (virtual time %v)", name, span.Calls, span.Waited, time.Since(t0))
			})
		})
	}
}

// The links built from the workspace URL are the ones chat.getPermalink
// returns, for a parent and for a reply.
func TestPermalinkMatchesChatGetPermalink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		g := d.fake.GenerateThread("C0GENERAL", 3, spanStart, time.Minute)
		for _, ts := range g.TS {
			want, err := d.a.api.GetPermalinkContext(t.Context(), &slackgo.PermalinkParameters{Channel: "C0GENERAL", Ts: ts})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.a.permalink("C0GENERAL", ts, g.ThreadTS); got != want {
				t.Errorf("permalink(%s) = %q, chat.getPermalink says %q", ts, got, want)
			}
		}
	})
}

// A 429 is waited out as Slack asks (Retry-After), counted, and the span
// still read whole.
func TestReadSpanWaitsOutA429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		g := d.fake.GenerateThread("C0GENERAL", 450, spanStart, time.Minute)
		d.fake.Force429("conversations.replies", 2, 30*time.Second)
		key := bots.ConversationKey{Platform: bots.Slack, Team: fakeslack.DefaultTeamID, Channel: "C0GENERAL", Thread: g.ThreadTS}
		span, err := d.a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if len(span.Messages) != 450 || span.RateLimited != 2 || span.Waited < 60*time.Second {
			t.Fatalf("%d messages, %d 429s, waited %v; want 450, 2, >= 60s", len(span.Messages), span.RateLimited, span.Waited)
		}
	})
}

// Limit keeps the newest messages; Since drops older ones.
func TestReadSpanLimitAndSince(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		g := d.fake.GenerateChannel("C0GENERAL", 300, spanStart, time.Minute)
		key := bots.ConversationKey{Platform: bots.Slack, Team: fakeslack.DefaultTeamID, Channel: "C0GENERAL"}
		span, err := d.a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 50})
		if err != nil || len(span.Messages) != 50 || span.Messages[49].ID != g.TS[299] || !span.Truncated {
			t.Fatalf("limit: %d messages (last %v), truncated %v, err %v", len(span.Messages), span.Messages, span.Truncated, err)
		}
		since := spanStart.Add(280 * time.Minute)
		span, err = d.a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 1000, Since: since})
		if err != nil || len(span.Messages) != 20 || span.Messages[0].ID != g.TS[280] {
			t.Fatalf("since: %d messages, err %v", len(span.Messages), err)
		}
	})
}
