package slack

import (
	"strings"
	"testing"
	"testing/synctest"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"
)

// A digest posted keyed and posted again with the same key (the replica
// that took over after its poster died before finishing) is in the
// channel once, found by its metadata among later messages; another key
// is a new digest.
func TestDigestPostOnceFindsTheEarlierPost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		key := bots.ConversationKey{Platform: bots.Slack, Channel: "C0GENERAL"}
		text := "**Digest of 2026-12-01**\n\n" + strings.Repeat("Alice shipped it. ", 400) // three parts
		own := func() []fakeslack.Message {
			var out []fakeslack.Message
			for _, m := range d.fake.Messages("C0GENERAL") {
				if m.User == fakeslack.DefaultBotUserID {
					out = append(out, m)
				}
			}
			return out
		}
		first, err := d.a.PostOnce(t.Context(), key, "digest:slack:C0GENERAL:2026-12-01", text)
		if err != nil {
			t.Fatal(err)
		}
		posts := own()
		if len(posts) != 3 || posts[0].TS != first {
			t.Fatalf("%d posts (first %q), want 3 starting with the returned %q", len(posts), posts[0].TS, first)
		}
		for n, p := range posts {
			if p.Metadata["event_type"] != digestEvent {
				t.Fatalf("part %d metadata %v, want event_type %s", n, p.Metadata, digestEvent)
			}
		}
		d.fake.PostUserMessage("C0GENERAL", "", "U0ALICE", "thanks for the digest")

		again, err := d.a.PostOnce(t.Context(), key, "digest:slack:C0GENERAL:2026-12-01", text)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(own()); n != 3 || again != first {
			t.Fatalf("after the same key again: %d posts, first %q; want 3 and %q", n, again, first)
		}
		if _, err := d.a.PostOnce(t.Context(), key, "digest:slack:C0GENERAL:2026-12-02", "**Digest of 2026-12-02**"); err != nil {
			t.Fatal(err)
		}
		if n := len(own()); n != 4 {
			t.Fatalf("another key: %d posts, want 4", n)
		}
	})
}
