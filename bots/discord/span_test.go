package discord

import (
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
)

var spanStart = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// spanAdapter is an adapter that talks to dc in memory (call it inside
// the bubble; dc is created outside it, so its listener is not part of
// the bubble).
func spanAdapter(t *testing.T, dc *discordtest.Server) *Adapter {
	t.Helper()
	tr := &http.Transport{DialContext: dc.DialContext}
	t.Cleanup(tr.CloseIdleConnections) // the pipes' goroutines end with the bubble
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	a, err := New(Options{Token: dc.Options().Token, ApplicationID: dc.Options().AppID, APIURL: dc.URL(),
		Engine: &idleEngine{}, Logger: quietLogger(), HTTPClient: client,
		ShardCount: 1, AttachmentMaxBytes: 1, GlobalPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Channels and threads of 10, 500 and 5,000 messages are read whole, in
// order, 100 a request, with message links, within a read bucket of 5
// requests per 5 s and without a 429.
func TestReadSpanPaginatesWithinTheBucket(t *testing.T) {
	for _, n := range []int{10, 500, 5000} {
		for _, thread := range []bool{false, true} {
			name := fmt.Sprintf("%d/thread=%v", n, thread)
			t.Run(name, func(t *testing.T) {
				dc := discordtest.New(discordtest.Options{ReadLimit: 5, ReadWindow: 5 * time.Second})
				t.Cleanup(dc.Close)
				synctest.Test(t, func(t *testing.T) {
					a := spanAdapter(t, dc)
					guild := dc.Options().GuildID
					key := bots.ConversationKey{Platform: bots.Discord, Team: guild, Channel: dc.Options().GeneralID}
					var msgs []discordtest.Message
					if thread {
						var th discordtest.Channel
						th, msgs = dc.GenerateThread(dc.Options().GeneralID, n, spanStart, time.Minute)
						key.Channel, key.Thread = th.ID, th.ID
					} else {
						msgs = dc.GenerateChannel(key.Channel, n, spanStart, time.Minute)
					}
					t0 := time.Now()
					span, err := a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 10000})
					if err != nil {
						t.Fatal(err)
					}
					if len(span.Messages) != n {
						t.Fatalf("%d messages read, want %d", len(span.Messages), n)
					}
					for i, m := range span.Messages {
						if m.ID != msgs[i].ID || m.Author == "" || m.Text == "" {
							t.Fatalf("message %d: %+v, want id %s", i, m, msgs[i].ID)
						}
						if want := "https://discord.com/channels/" + guild + "/" + key.Channel + "/" + msgs[i].ID; m.Link != want {
							t.Fatalf("message %d link %q, want %q", i, m.Link, want)
						}
					}
					if want := n/100 + 1; span.Calls < want || span.Calls > want+2 {
						t.Errorf("%d calls, want about %d", span.Calls, want)
					}
					if b, g := dc.RateLimited(); b+g != 0 || span.RateLimited != 0 {
						t.Errorf("429s: %d bucket, %d global, %d counted; want 0", b, g, span.RateLimited)
					}
					t.Logf("%s: %d calls, %v waiting (virtual %v)", name, span.Calls, span.Waited, time.Since(t0))
				})
			})
		}
	}
}

// A global 429 is waited out for its retry_after and counted.
func TestReadSpanWaitsOutA429(t *testing.T) {
	dc := discordtest.New(discordtest.Options{})
	t.Cleanup(dc.Close)
	synctest.Test(t, func(t *testing.T) {
		a := spanAdapter(t, dc)
		key := bots.ConversationKey{Platform: bots.Discord, Team: dc.Options().GuildID, Channel: dc.Options().GeneralID}
		dc.GenerateChannel(key.Channel, 250, spanStart, time.Minute)
		dc.ForceGlobal429(20 * time.Second)
		span, err := a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if len(span.Messages) != 250 || span.RateLimited < 1 || span.Waited < 20*time.Second {
			t.Fatalf("%d messages, %d 429s, waited %v; want 250, >= 1, >= 20s", len(span.Messages), span.RateLimited, span.Waited)
		}
	})
}

// Since stops the read at the first older message; Limit keeps the
// newest.
func TestReadSpanSinceAndLimit(t *testing.T) {
	dc := discordtest.New(discordtest.Options{})
	t.Cleanup(dc.Close)
	synctest.Test(t, func(t *testing.T) {
		a := spanAdapter(t, dc)
		key := bots.ConversationKey{Platform: bots.Discord, Team: dc.Options().GuildID, Channel: dc.Options().GeneralID}
		msgs := dc.GenerateChannel(key.Channel, 300, spanStart, time.Minute)
		span, err := a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 1000, Since: spanStart.Add(250 * time.Minute)})
		if err != nil || len(span.Messages) != 50 || span.Messages[0].ID != msgs[250].ID || span.Calls != 1 {
			t.Fatalf("since: %d messages, %d calls, err %v", len(span.Messages), span.Calls, err)
		}
		span, err = a.ReadSpan(t.Context(), bots.SpanQuery{Key: key, Limit: 120})
		if err != nil || len(span.Messages) != 120 || span.Messages[119].ID != msgs[299].ID || !span.Truncated {
			t.Fatalf("limit: %d messages, truncated %v, err %v", len(span.Messages), span.Truncated, err)
		}
	})
}
