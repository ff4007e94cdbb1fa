package main

import (
	"strings"
	"sync"
	"sync/atomic"
)

// delivery counts the questions sent and the deliveries that failed.
type delivery struct {
	n        atomic.Int64
	mu       sync.Mutex
	failures []string
}

func (w *world) sentOne() { w.delivered.n.Add(1) }

func (w *world) deliveryFailed(msg string) {
	w.delivered.mu.Lock()
	w.delivered.failures = append(w.delivered.failures, msg)
	w.delivered.mu.Unlock()
}

// rateLimited is the number of 429s the fake platforms answered so far.
func (w *world) rateLimited() int {
	n := 0
	if w.slack != nil {
		n += w.slack.RateLimited()
	}
	if w.discord != nil {
		n += w.discord.Count429()
	}
	return n
}

// tracker follows which conversations hold their whole reply.
type tracker struct {
	w        *world
	convs    []*conversation
	complete []bool
	done     int
}

func newTracker(convs []*conversation, w *world) *tracker {
	return &tracker{w: w, convs: convs, complete: make([]bool, len(convs))}
}

// sent is how many questions were sent so far.
func (t *tracker) sent() int { return int(t.w.delivered.n.Load()) }

// poll checks the conversations sent and not yet complete; it returns how
// many are complete.
func (t *tracker) poll() int {
	sent := t.sent() // the conversations before it are fully set up
	for i := range sent {
		if t.complete[i] {
			continue
		}
		if texts := t.w.botTexts(t.convs[i]); countReply(texts, t.convs[i]) > 0 {
			t.complete[i] = true
			t.done++
		}
	}
	return t.done
}

// botTexts returns the texts of the bot's messages in the conversation's
// thread, oldest first.
func (w *world) botTexts(c *conversation) []string {
	var out []string
	switch c.platform {
	case "slack":
		for _, m := range w.slack.BotReplies(c.channel, c.thread) {
			out = append(out, m.Body())
		}
	case "discord":
		bot := w.discord.Bot().ID
		for _, m := range w.discord.Messages(c.thread) {
			if m.Author != nil && m.Author.ID == bot {
				out = append(out, m.Content)
			}
		}
		// When the thread could not be started, the answer goes to the
		// channel as a reply to the mention (whose id the thread would
		// have had).
		for _, m := range w.discord.Messages(c.channel) {
			if m.Author != nil && m.Author.ID == bot && m.MessageReference != nil && m.MessageReference.MessageID == c.thread {
				out = append(out, m.Content)
			}
		}
	}
	return out
}

// countReply counts the messages holding the whole reply.
func countReply(texts []string, c *conversation) int {
	n := 0
	for _, t := range texts {
		if strings.TrimSpace(t) == c.reply {
			n++
		}
	}
	return n
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
