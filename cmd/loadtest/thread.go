package main

import (
	"net/http"
	"strings"
	"time"
	"unicode"
)

// A reply longer than one platform message arrives as several messages
// in the thread, and the tool must recognise it as the bot writes it. The
// bot (bots/stream SplitMarkdown, used by the Streamer and, past its
// message, the Slack native-stream Appender's overflow) cuts an answer at
// paragraph, line or word boundaries, drops only the whitespace at each
// cut (a hard cut, inside one over-long word, drops nothing), and adds
// fence lines only around code fences, which the tool's replies never hold
// (conversation.go: plain words). So the parts, trimmed and laid end to
// end with the reply's own whitespace between them, must spell the reply.
//
// The limits that make the bot split: Discord's content "up to 2000
// characters" (Create Message,
// https://discord.com/developers/docs/resources/channel#create-message,
// bots/discord maxContent); Slack's chat.postMessage/chat.update text,
// which Slack asks to keep to 4,000 characters and truncates past 40,000
// (https://api.slack.com/changelog/2018-04-truncating-really-long-messages,
// bots/slack updateLimit), and chat.startStream/appendStream's
// markdown_text, "Limit this field to 12,000 characters"
// (https://docs.slack.dev/reference/methods/chat.startStream/, bots/slack
// markdownLimit). A token of the tool's replies is about 4 characters: a
// 300-token reply fits in one message everywhere, -tokens 900 (about
// 3,600 characters) takes two on Discord, and past about 3,000 tokens a
// Slack stream overflows into post+update parts.

// threadReply is what a thread's bot messages hold of one reply.
type threadReply struct {
	// parts are the messages of the first complete copy of the reply, in
	// order and trimmed; nil when no copy is complete.
	parts []string
	// complete counts the complete copies.
	complete int
	// starts counts the reply's marker in the messages: more than one is
	// a reply started twice.
	starts int
	// strays counts the messages holding some of the reply's text but not
	// in a copy where they belong: a part posted twice, or a stale one.
	strays int
}

// readThread reads the bot's messages of c's thread, oldest first. A copy
// of the reply is a run of messages whose first starts the reply and
// whose parts follow each other in the reply up to its end; a message
// that holds none of the reply's text (a notice) is not part of it and
// does not break a run.
func readThread(texts []string, c *conversation) threadReply {
	r := threadReply{starts: countStarts(texts, c)}
	var run []string
	pos := -1 // where the copy being read has got to in c.reply; -1: none
	for _, text := range texts {
		t := strings.TrimSpace(text)
		switch {
		case t == "":
			continue
		case pos >= 0 && strings.HasPrefix(c.reply[pos:], t):
			run = append(run, t)
			pos = skipSpace(c.reply, pos+len(t))
		case strings.HasPrefix(c.reply, t):
			// The reply starts (again): a copy not finished is given up,
			// its parts counted by starts.
			run = append(run[:0:0], t)
			pos = skipSpace(c.reply, len(t))
		case strings.Contains(c.reply, t):
			r.strays++
			continue
		default:
			continue
		}
		if pos == len(c.reply) {
			r.complete++
			if r.parts == nil {
				r.parts = run
			}
			run, pos = nil, -1
		}
	}
	return r
}

// lost reports whether no complete copy of the reply is in the thread.
func (r threadReply) lost() bool { return r.complete == 0 }

// duplicated reports whether the thread shows some of the reply twice: a
// second start, a second copy, or a part outside its place.
func (r threadReply) duplicated() bool { return r.starts > 1 || r.complete > 1 || r.strays > 0 }

// skipSpace returns the index of the first non-space byte of s at or
// after i: the whitespace the bot drops at a cut.
func skipSpace(s string, i int) int {
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	return i
}

// finalAt is when the platform first held every part's final text: the
// latest, over the parts, of the first successful call that carried the
// part's text. Zero when some part's text was never carried by a call of
// calls (or there are no parts).
func finalAt(calls []platformCall, parts []string) time.Time {
	var final time.Time
	for _, part := range parts {
		var at time.Time
		for _, pc := range calls {
			if pc.status == http.StatusOK && strings.TrimSpace(pc.text) == part && (at.IsZero() || pc.at.Before(at)) {
				at = pc.at
			}
		}
		if at.IsZero() {
			return time.Time{}
		}
		if at.After(final) {
			final = at
		}
	}
	return final
}

// countStarts counts the messages that start a reply (hold its marker):
// more than one is a duplicated reply.
func countStarts(texts []string, c *conversation) int {
	n := 0
	for _, t := range texts {
		n += strings.Count(t, c.marker)
	}
	return n
}

// reply reads what the platform holds of c's reply, and the texts of the
// bot's messages it read (for a lost reply's example).
//
// On Discord, when no thread could be started the answer goes to the
// channel, its first message a reply to the mention (bots/discord
// startThread) and the next parts plain messages of the channel, which
// other answers share: there, the messages after the mention's reply are
// read too, and those of other answers (none of this reply's text, as no
// stretch of a reply is in another) are passed over, never taken for
// strays.
func (w *world) reply(c *conversation) (threadReply, []string) {
	switch c.platform {
	case "slack":
		var texts []string
		for _, m := range w.slack.BotReplies(c.channel, c.thread) {
			texts = append(texts, m.Body())
		}
		return readThread(texts, c), texts
	case "discord":
		bot := w.discord.Bot().ID
		var own, channel []string
		for _, m := range w.discord.Messages(c.thread) {
			if m.Author != nil && m.Author.ID == bot {
				own = append(own, m.Content)
			}
		}
		for _, m := range w.discord.Messages(c.channel) {
			switch {
			case m.Author == nil || m.Author.ID != bot:
			case m.MessageReference != nil && m.MessageReference.MessageID == c.thread:
				channel = append(channel, m.Content)
			case m.MessageReference == nil && len(channel) > 0:
				channel = append(channel, m.Content)
			}
		}
		r := readThread(own, c)
		if len(channel) > 0 {
			r.starts += countStarts(channel, c)
			if parts := readShared(channel, c); parts != nil {
				r.complete++
				if r.parts == nil {
					r.parts = parts
				}
			}
		}
		return r, append(own, channel...)
	}
	return threadReply{}, nil
}

// readShared finds the reply in messages of a channel that other answers
// share: the parts of some run of texts, in order, that spell the reply;
// nil when none do. Another answer's message that happens to match where
// the reply has got to (its short last part, say) is one way among
// others: every way is followed.
func readShared(texts []string, c *conversation) []string {
	// ways maps where in c.reply a run has got to to its parts.
	ways := map[int][]string{}
	for _, text := range texts {
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		next := map[int][]string{}
		if strings.HasPrefix(c.reply, t) {
			next[skipSpace(c.reply, len(t))] = []string{t}
		}
		for pos, parts := range ways {
			if strings.HasPrefix(c.reply[pos:], t) {
				end := skipSpace(c.reply, pos+len(t))
				if _, ok := next[end]; !ok {
					next[end] = append(parts[:len(parts):len(parts)], t)
				}
			}
		}
		for end, parts := range next {
			if end == len(c.reply) {
				return parts
			}
			if _, ok := ways[end]; !ok {
				ways[end] = parts
			}
		}
	}
	return nil
}
