package fakeslack

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Message is a message as the fake stores it.
type Message struct {
	Channel string
	TS      string
	// ThreadTS is the parent's ts for replies, the message's own ts for a
	// parent with replies, "" otherwise.
	ThreadTS string
	User     string
	BotID    string
	// Text is the text field as posted (Slack mrkdwn, entity-escaped).
	Text string
	// Markdown is the markdown_text accumulated by chat.*Stream.
	Markdown string
	// Streaming is true between chat.startStream and chat.stopStream.
	Streaming bool
	// Chunks are the chunks chat.appendStream received, in order.
	Chunks []Chunk
	// StoppedByUser: the recipient stopped the stream with Slack's own
	// stop control (StopStreamAsUser).
	StoppedByUser bool
	// Metadata is the message metadata posted with it, if any.
	Metadata map[string]any
	// Blocks are the message's blocks as last posted or updated.
	Blocks []map[string]any
	Files  []*File
	// Edits counts chat.update calls and appends counts chat.appendStream.
	Edits      int
	Appends    int
	ReplyCount int
}

// Body returns what a reader sees: Text, or Markdown for streamed messages.
func (m Message) Body() string {
	if m.Markdown != "" {
		return m.Markdown
	}
	return m.Text
}

// User is a workspace member for users.info.
type User struct {
	ID          string
	Name        string
	RealName    string
	DisplayName string
	IsBot       bool
	// IsAdmin: a workspace admin (users.info is_admin).
	IsAdmin bool
	Locale  string
}

// Ephemeral is a recorded chat.postEphemeral.
type Ephemeral struct{ Channel, User, Text, ThreadTS string }

// Response is a recorded POST to a response_url.
type Response struct {
	ID              string
	Text            string
	ResponseType    string
	ReplaceOriginal bool
	// Blocks are the response's blocks (a button to click: pass
	// Message{Channel: ..., Blocks: r.Blocks} to BlockAction).
	Blocks []map[string]any
}

// Status is a recorded assistant.threads.setStatus or setTitle.
type Status struct {
	Channel, ThreadTS, Text string
	// LoadingMessages are setStatus's rotating loading_messages.
	LoadingMessages []string
}

// SuggestedPrompts is a recorded assistant.threads.setSuggestedPrompts.
type SuggestedPrompts struct {
	Channel, ThreadTS, Title string
	Prompts                  []map[string]string
}

// Ping is a mention that would notify people: <!channel>, <!here>,
// <!everyone>, <@U..> or <!subteam^..> unescaped in a message posted by the
// bot.
type Ping struct{ Channel, TS, Token string }

type channel struct {
	msgs []*Message // ordered by ts
}

var pingRe = regexp.MustCompile(`<(!channel|!here|!everyone|!subteam\^[A-Z0-9]+|@[UWB][A-Z0-9]+)(\|[^>]*)?>`)

// AddUser adds or replaces a workspace member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	s.users[u.ID] = u
	s.mu.Unlock()
}

// SetMember sets whether the bot is a member of channel (by default it is
// a member of every channel); methods on a channel it is not in fail with
// not_in_channel.
func (s *Server) SetMember(channelID string, member bool) {
	s.mu.Lock()
	s.notMember[channelID] = !member
	s.mu.Unlock()
}

// nextTS returns a new unique message timestamp. Callers hold s.mu.
func (s *Server) nextTS() string {
	s.seq += 100
	return fmt.Sprintf("%d.%06d", s.seq/1000000, s.seq%1000000)
}

// insert stores m and links it to its thread. Callers hold s.mu.
func (s *Server) insert(m *Message) {
	ch := s.channels[m.Channel]
	if ch == nil {
		ch = &channel{}
		s.channels[m.Channel] = ch
	}
	ch.msgs = append(ch.msgs, m)
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		if p := ch.find(m.ThreadTS); p != nil {
			p.ThreadTS = p.TS
			p.ReplyCount++
		}
	}
	s.scanPings(m)
}

// scanPings records notifying mentions in a bot message. Callers hold s.mu.
func (s *Server) scanPings(m *Message) {
	if m.BotID == "" {
		return
	}
	for _, tok := range pingRe.FindAllString(m.Text+"\n"+m.Markdown, -1) {
		s.pings = append(s.pings, Ping{Channel: m.Channel, TS: m.TS, Token: tok})
	}
}

func (c *channel) find(ts string) *Message {
	for _, m := range c.msgs {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// PostUserMessage stores a message written by a person, as the Slack client
// would, and returns it. threadTS "" posts at the top level.
func (s *Server) PostUserMessage(channelID, threadTS, user, text string, files ...*File) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: channelID, TS: s.nextTS(), ThreadTS: threadTS, User: user, Text: text}
	for _, f := range files {
		s.storeFile(f)
		m.Files = append(m.Files, f)
	}
	s.insert(m)
	return *m
}

// Messages returns copies of every message of a channel, in ts order.
func (s *Server) Messages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil
	}
	out := make([]Message, 0, len(ch.msgs))
	for _, m := range ch.msgs {
		out = append(out, *m)
	}
	return out
}

// Thread returns the parent and replies of a thread, in ts order.
func (s *Server) Thread(channelID, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages(channelID) {
		if m.TS == threadTS || m.ThreadTS == threadTS {
			out = append(out, m)
		}
	}
	return out
}

// BotReplies returns the bot's messages in a thread (or, with threadTS "",
// at the top level of the channel).
func (s *Server) BotReplies(channelID, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages(channelID) {
		if m.BotID == "" {
			continue
		}
		if threadTS == "" && m.ThreadTS == "" || threadTS != "" && m.ThreadTS == threadTS && m.TS != threadTS {
			out = append(out, m)
		}
	}
	return out
}

// Ephemerals returns the recorded ephemeral messages.
func (s *Server) Ephemerals() []Ephemeral { return locked(&s.mu, &s.ephemerals) }

// Responses returns the recorded response_url posts.
func (s *Server) Responses() []Response { return locked(&s.mu, &s.responses) }

// Statuses returns the recorded assistant.threads.setStatus calls.
func (s *Server) Statuses() []Status { return locked(&s.mu, &s.statuses) }

// Titles returns the recorded assistant.threads.setTitle calls.
func (s *Server) Titles() []Status { return locked(&s.mu, &s.titles) }

// Prompts returns the recorded assistant.threads.setSuggestedPrompts calls.
func (s *Server) Prompts() []SuggestedPrompts { return locked(&s.mu, &s.prompts) }

// Pings returns the notifying mentions found in the bot's messages; a bot
// that escapes model output has none.
func (s *Server) Pings() []Ping { return locked(&s.mu, &s.pings) }

// messageJSON renders a stored message as conversations.* return it.
func messageJSON(m *Message, withMetadata bool, base string) map[string]any {
	out := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	if m.Markdown != "" {
		out["text"] = m.Markdown
		out["blocks"] = []any{map[string]any{"type": "markdown", "text": m.Markdown}}
	}
	if m.User != "" {
		out["user"] = m.User
	}
	if m.BotID != "" {
		out["bot_id"] = m.BotID
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.ReplyCount > 0 {
		out["reply_count"] = m.ReplyCount
	}
	if withMetadata && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	if len(m.Files) > 0 {
		var files []any
		for _, f := range m.Files {
			files = append(files, f.json(base))
		}
		out["files"] = files
	}
	return out
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func isDM(channelID string) bool { return strings.HasPrefix(channelID, "D") }

// locked returns a copy of *v taken under mu.
func locked[T any](mu *sync.Mutex, v *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(*v)
}
