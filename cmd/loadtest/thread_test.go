package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/stream"
)

func TestReadThread(t *testing.T) {
	c := &conversation{marker: "LT000003", reply: "LT000003 go the slice map\n\nof to in is value"}
	p1, p2, p3 := "LT000003 go the", "slice map", "of to in is value"
	cases := []struct {
		name                 string
		texts                []string
		lost, dup            bool
		parts                []string
		complete, strays, st int
	}{
		{name: "one message", texts: []string{c.reply + "\n"}, parts: []string{c.reply}, complete: 1, st: 1},
		{name: "three parts, space and paragraph dropped at the cuts", texts: []string{p1, p2, p3},
			parts: []string{p1, p2, p3}, complete: 1, st: 1},
		{name: "a hard cut drops nothing", texts: []string{"LT000003 go the sl", "ice map", p3},
			parts: []string{"LT000003 go the sl", "ice map", p3}, complete: 1, st: 1},
		{name: "a notice between the parts is not the reply's", texts: []string{p1, "⚠️ still working", p2, p3},
			parts: []string{p1, p2, p3}, complete: 1, st: 1},
		{name: "still streaming: the last part not complete", texts: []string{p1, p2, "of to in"}, lost: true, st: 1},
		{name: "a part missing (the next one does not follow)", texts: []string{p1, p3}, lost: true, dup: true, strays: 1, st: 1},
		{name: "parts out of order", texts: []string{p1, p3, p2}, lost: true, dup: true, strays: 1, st: 1},
		{name: "a part posted twice", texts: []string{p1, p2, p2, p3}, dup: true,
			parts: []string{p1, p2, p3}, complete: 1, strays: 1, st: 1},
		{name: "a stale copy of a part", texts: []string{p1, p2, p3, "slice"}, dup: true,
			parts: []string{p1, p2, p3}, complete: 1, strays: 1, st: 1},
		{name: "the first part posted twice", texts: []string{p1, p1, p2, p3}, dup: true,
			parts: []string{p1, p2, p3}, complete: 1, st: 2},
		{name: "the whole reply twice", texts: []string{p1, p2, p3, c.reply}, dup: true,
			parts: []string{p1, p2, p3}, complete: 2, st: 2},
		{name: "nothing", lost: true},
	}
	for _, tc := range cases {
		r := readThread(tc.texts, c)
		if r.lost() != tc.lost || r.duplicated() != tc.dup || r.complete != tc.complete || r.strays != tc.strays || r.starts != tc.st {
			t.Errorf("%s: %+v: lost %v duplicated %v, want lost %v duplicated %v, %d complete, %d strays, %d starts",
				tc.name, r, r.lost(), r.duplicated(), tc.lost, tc.dup, tc.complete, tc.strays, tc.st)
		}
		if strings.Join(r.parts, "|") != strings.Join(tc.parts, "|") {
			t.Errorf("%s: parts %q, want %q", tc.name, r.parts, tc.parts)
		}
	}
}

// TestReadThreadOfTheBotsSplit: whatever the limit, the parts the bot's
// splitter makes of the tool's replies read back as one complete reply,
// and with one part left out as lost.
func TestReadThreadOfTheBotsSplit(t *testing.T) {
	o := options{Conversations: 3, Platforms: []string{"discord"}, Channels: 1, Users: 1, ReplyTokens: 2500}
	for _, c := range newConversations(o) {
		for _, limit := range []int{2000, 4000, 12000, 997, 10} {
			parts := stream.SplitMarkdown(c.reply, limit, nil)
			r := readThread(parts, c)
			if r.lost() || r.duplicated() || len(r.parts) != len(parts) {
				t.Fatalf("%s split at %d into %d parts: %+v (%d parts read)", c.marker, limit, len(parts), r, len(r.parts))
			}
			if limit == 2000 && len(parts) < 5 {
				t.Fatalf("%d characters in %d parts of 2,000: the test does not split", len(c.reply), len(parts))
			}
			if len(parts) > 2 {
				without := append(append([]string(nil), parts[:1]...), parts[2:]...)
				if r := readThread(without, c); !r.lost() {
					t.Fatalf("%s at %d: part 2 left out, read as %+v", c.marker, limit, r)
				}
			}
		}
	}
}

func TestFinalAt(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	calls := []platformCall{
		{at: at(1), status: http.StatusOK, text: "LT000001 go"},
		{at: at(2), status: http.StatusOK, text: "LT000001 go the"},
		{at: at(3), status: http.StatusTooManyRequests, text: "slice"}, // refused: not shown
		{at: at(5), status: http.StatusOK, text: "slice "},
		{at: at(4), status: http.StatusOK, text: "LT000001 go the"}, // the same text again, recorded out of order
		{at: at(9), status: http.StatusOK, text: "slice"},           // an edit that changed only the buttons
	}
	if got := finalAt(calls, []string{"LT000001 go the", "slice"}); !got.Equal(at(5)) {
		t.Errorf("final at %v, want +5ms", got.Sub(t0))
	}
	if got := finalAt(calls, []string{"LT000001 go the"}); !got.Equal(at(2)) {
		t.Errorf("one part: final at %v, want +2ms", got.Sub(t0))
	}
	if got := finalAt(calls, []string{"LT000001 go the", "map"}); !got.IsZero() {
		t.Errorf("a part never sent: final at %v, want none", got.Sub(t0))
	}
	if got := finalAt(calls, nil); !got.IsZero() {
		t.Errorf("no parts: final at %v, want none", got.Sub(t0))
	}
}

// TestReplyInASharedChannel: when Discord could not start the threads,
// two answers arrive in the channel, their parts interleaved, each
// answer's first message a reply to its mention. Each reads as complete,
// though a part of the other answer matches where it has got to, and
// neither takes the other's parts for its own strays.
func TestReplyInASharedChannel(t *testing.T) {
	d := discordtest.New(discordtest.Options{})
	defer d.Close()
	const ch = "1200000000000000000"
	d.AddChannel(discordtest.Channel{ID: ch, Type: discordtest.GuildText, GuildID: d.Options().GuildID, Name: "load-0"})
	w := &world{discord: d}
	asker := discordtest.User{ID: discordUser(0), Username: "user0", Discriminator: "0"}
	a := &conversation{platform: "discord", channel: ch, marker: "LT000001", reply: "LT000001 go the slice map of"}
	b := &conversation{platform: "discord", channel: ch, marker: "LT000002", reply: "LT000002 key type slice"}
	a.thread = d.Post(ch, discordtest.Post{Author: asker, Content: a.marker + " how?"}).ID
	b.thread = d.Post(ch, discordtest.Post{Author: asker, Content: b.marker + " how?"}).ID
	bot := d.Bot()
	for _, m := range []discordtest.Post{
		{Content: "LT000001 go the", ReplyTo: a.thread},
		{Content: "LT000002 key type", ReplyTo: b.thread},
		{Content: "slice"}, // b's last part: also where a has got to
		{Content: "slice map of"},
	} {
		m.Author = bot
		d.Post(ch, m)
	}
	for _, c := range []*conversation{a, b} {
		r, texts := w.reply(c)
		if r.lost() || r.duplicated() {
			t.Errorf("%s: %+v from %q: lost %v, duplicated %v", c.marker, r, texts, r.lost(), r.duplicated())
		}
	}
	if r, _ := w.reply(a); strings.Join(r.parts, "|") != "LT000001 go the|slice map of" {
		t.Errorf("a's parts: %q", r.parts)
	}
	// The answer posted in the channel twice: a second start.
	d.Post(ch, discordtest.Post{Author: bot, Content: a.reply, ReplyTo: a.thread})
	if r, _ := w.reply(a); !r.duplicated() {
		t.Errorf("a posted twice: %+v, not duplicated", r)
	}
}
