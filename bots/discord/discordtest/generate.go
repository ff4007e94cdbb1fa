package discordtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GenAuthors are the authors of generated conversations.
var GenAuthors = []User{
	{ID: "1100000000000000005", Username: "alice", GlobalName: strptr("Alice"), Discriminator: "0"},
	{ID: "1100000000000000006", Username: "bruno", GlobalName: strptr("Bruno"), Discriminator: "0"},
	{ID: "1100000000000000007", Username: "chiara", GlobalName: strptr("Chiara"), Discriminator: "0"},
	{ID: "1100000000000000008", Username: "dieter", GlobalName: strptr("Dieter"), Discriminator: "0"},
}

// GenerateChannel stores n messages in channelID, one every `every` from
// start, by four authors, with code blocks and links, without
// dispatching them (history, not live traffic). It returns them oldest
// first.
func (s *Server) GenerateChannel(channelID string, n int, start time.Time, every time.Duration) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	guild := ""
	if c := s.channels[channelID]; c != nil {
		guild = c.GuildID
	}
	out := make([]Message, 0, n)
	for i := 0; i < n; i++ {
		author := GenAuthors[i%len(GenAuthors)]
		m := &Message{ID: s.ids.id(), ChannelID: channelID, GuildID: guild, Content: genContent(i), Author: &author,
			Attachments: []Attachment{}, Embeds: []json.RawMessage{}, Mentions: []User{}, MentionRoles: []string{},
			Timestamp: timestamp(start.Add(time.Duration(i) * every))}
		if guild != "" {
			m.Member = &Member{Roles: []string{}, JoinedAt: timestamp(start)}
		}
		s.storeMessage(m)
		out = append(out, *m)
	}
	return out
}

// GenerateThread creates a public thread under parentID holding n
// generated messages, as GenerateChannel; it returns the thread.
func (s *Server) GenerateThread(parentID string, n int, start time.Time, every time.Duration) (Channel, []Message) {
	s.mu.Lock()
	parent := s.channels[parentID]
	th := Channel{ID: s.ids.id(), Type: PublicThread, ParentID: parentID, Name: "generated thread"}
	if parent != nil {
		th.GuildID = parent.GuildID
	}
	s.mu.Unlock()
	s.AddChannel(th)
	return th, s.GenerateChannel(th.ID, n, start, every)
}

// genContent is message i's content: prose, a code block every fifth
// message, a link every third.
func genContent(i int) string {
	var b strings.Builder
	topics := []string{"the deploy of the billing service", "the flaky integration test", "the database migration",
		"the on-call rota", "the release notes"}
	fmt.Fprintf(&b, "Message %d: about %s, I think we should look at it again tomorrow.", i, topics[i%len(topics)])
	if i%5 == 1 {
		b.WriteString("\n```go\nfunc retry(n int) error {\n\treturn nil\n}\n```")
	}
	if i%3 == 2 {
		b.WriteString(" See https://example.com/issues/" + strconv.Itoa(i) + ".")
	}
	if i%7 == 3 {
		b.WriteString(" Decision: we ship on Friday.")
	}
	return b.String()
}

// MessageLink is the link Discord's "Copy Message Link" gives:
// https://discord.com/channels/<guild or @me>/<channel>/<message>.
func MessageLink(guildID, channelID, messageID string) string {
	if guildID == "" {
		guildID = "@me"
	}
	return "https://discord.com/channels/" + guildID + "/" + channelID + "/" + messageID
}
