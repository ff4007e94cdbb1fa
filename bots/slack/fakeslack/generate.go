package fakeslack

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Generated authors: the fake's Alice and Bob, and two more.
var genAuthors = []User{
	{ID: "U0ALICE"}, {ID: "U0BOB"},
	{ID: "U0CHIARA", Name: "chiara", RealName: "Chiara Rossi", DisplayName: "Chiara", Locale: "it-IT"},
	{ID: "U0DIETER", Name: "dieter", RealName: "Dieter Braun", DisplayName: "Dieter", Locale: "de-DE"},
}

// Generated is a generated conversation: the messages' ts, oldest first.
type Generated struct {
	Channel string
	// ThreadTS is the parent's ts for a thread, "" for a channel.
	ThreadTS string
	TS       []string
}

// GenerateThread posts a thread of n messages (the parent and n-1
// replies) in channel, one every `every` from start, by four authors,
// with code blocks and links as people write them. Later posts get later
// timestamps.
func (s *Server) GenerateThread(channel string, n int, start time.Time, every time.Duration) Generated {
	return s.generate(channel, n, start, every, true)
}

// GenerateChannel posts n top-level messages in channel, as
// GenerateThread does.
func (s *Server) GenerateChannel(channel string, n int, start time.Time, every time.Duration) Generated {
	return s.generate(channel, n, start, every, false)
}

func (s *Server) generate(channel string, n int, start time.Time, every time.Duration, thread bool) Generated {
	for _, u := range genAuthors[2:] {
		s.AddUser(u)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := Generated{Channel: channel}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * every)
		us := at.UnixMicro() + int64(i%1000) // distinct even when every < 1µs
		ts := fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
		m := &Message{Channel: channel, TS: ts, User: genAuthors[i%len(genAuthors)].ID, Text: genText(i)}
		if thread {
			if i == 0 {
				g.ThreadTS = ts
			} else {
				m.ThreadTS = g.ThreadTS
			}
		}
		s.insert(m)
		g.TS = append(g.TS, ts)
	}
	// Keep nextTS after the generated messages so later posts sort last.
	if last := start.Add(time.Duration(n) * every); last.UnixMicro() > s.seq {
		s.seq = last.UnixMicro()
	}
	return g
}

// genText is message i's text in Slack's markup: prose, a code block
// every fifth message, a link every third.
func genText(i int) string {
	var b strings.Builder
	topics := []string{"the deploy of the billing service", "the flaky integration test", "the database migration",
		"the on-call rota", "the release notes"}
	fmt.Fprintf(&b, "Message %d: about %s, I think we should look at it again tomorrow.", i, topics[i%len(topics)])
	if i%5 == 1 {
		b.WriteString("\n```\nfunc retry(n int) error {\n\treturn nil\n}\n```")
	}
	if i%3 == 2 {
		b.WriteString(" See <https://example.com/issues/" + strconv.Itoa(i) + "|issue " + strconv.Itoa(i) + ">.")
	}
	if i%7 == 3 {
		b.WriteString(" Decision: we ship on Friday.")
	}
	return b.String()
}

// Permalink is the link Slack gives a message: the workspace URL, the
// channel, "p" and the ts without its dot, and for a reply its thread and
// channel ("https://ghostbusters.slack.com/archives/C1H9RESGL/p135854651700023?thread_ts=1358546515.000008&cid=C1H9RESGL",
// https://api.slack.com/methods/chat.getPermalink).
func (s *Server) Permalink(channel, ts, threadTS string) string {
	link := "https://fake.slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
	if threadTS != "" && threadTS != ts {
		link += "?thread_ts=" + threadTS + "&cid=" + channel
	}
	return link
}

func (s *Server) chatGetPermalink(p url.Values) apiResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ts := p.Get("channel"), p.Get("message_ts")
	c := s.channels[ch]
	if c == nil {
		return fail("channel_not_found")
	}
	m := c.find(ts)
	if m == nil {
		return fail("message_not_found")
	}
	return ok(map[string]any{"channel": ch, "permalink": s.Permalink(ch, m.TS, m.ThreadTS)})
}
