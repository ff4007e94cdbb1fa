package slack

import (
	"testing"
	"testing/synctest"

	"mistralbot/bots/slack/fakeslack"
)

// A link in the model's answer (perhaps planted by a prompt injection to
// carry data out in its URL) is not unfurled: every post of an answer
// says unfurl_links=false and unfurl_media=false, unless link previews
// are enabled.
func TestAnswersAreNotUnfurledByDefault(t *testing.T) {
	for _, previews := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			d := newDirect(t, false, fakeslack.Options{})
			d.a.opts.LinkPreviews = previews
			key, to := d.ask()
			reply, err := d.a.OpenReply(t.Context(), key, to)
			if err != nil {
				t.Fatal(err)
			}
			if err := reply.Finish(t.Context(), "See https://attacker.example/?q=secret"); err != nil {
				t.Fatal(err)
			}
			posts := d.fake.CallsTo("chat.postMessage")
			if len(posts) != 1 {
				t.Fatalf("%d posts, want 1", len(posts))
			}
			p := posts[0].Params
			for _, name := range []string{"unfurl_links", "unfurl_media"} {
				got, set := p.Get(name), p.Has(name)
				if !previews && got != "false" || previews && set {
					t.Errorf("link previews %v: %s=%q (set %v)", previews, name, got, set)
				}
			}
		})
	}
}
