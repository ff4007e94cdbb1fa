package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// conversation is one question and the reply the fake model gives it.
type conversation struct {
	id       int
	platform string
	channel  string // Slack channel id, or Discord parent channel id
	user     int
	marker   string   // unique to the question and the reply: "LT000042"
	tokens   []string // the reply, as the fake model streams it
	reply    string   // the tokens joined

	// Set while driving.
	thread  string    // Slack thread ts (the mention's ts) or Discord thread id (the mention's id)
	eventAt time.Time // the event left the fake platform
}

// words are what replies are made of: short, plain (no Markdown, nothing a
// renderer changes), so that a reply of 300 tokens stays in one message
// and a longer one splits only at spaces.
var words = strings.Fields("go the a slice map of to in is value for we it func loop and key type len use this can new var")

var markerRe = regexp.MustCompile(`LT\d{6}`)

// findMarker returns the conversation marker in text, "" if none.
func findMarker(text string) string { return markerRe.FindString(text) }

// newConversations spreads n conversations over the platforms (in turn),
// their channels and users.
func newConversations(o options) []*conversation {
	convs := make([]*conversation, o.Conversations)
	for i := range convs {
		c := &conversation{id: i, platform: o.Platforms[i%len(o.Platforms)], user: i % o.Users,
			marker: fmt.Sprintf("LT%06d", i)}
		ch := (i / len(o.Platforms)) % o.Channels
		if c.platform == "slack" {
			c.channel = slackChannel(ch)
		} else {
			c.channel = discordChannel(ch)
		}
		c.tokens = make([]string, o.ReplyTokens)
		c.tokens[0] = c.marker
		// Drawn at random (seeded by the conversation): no stretch of one
		// reply is in another, so that the parts of a long reply posted
		// in a shared channel can be told apart (thread.go).
		rng := rand.New(rand.NewPCG(uint64(i), 0x10ad))
		for t := 1; t < o.ReplyTokens; t++ {
			c.tokens[t] = " " + words[rng.IntN(len(words))]
		}
		c.reply = strings.Join(c.tokens, "")
		convs[i] = c
	}
	return convs
}

// question is what the person writes (after the mention).
func (c *conversation) question() string {
	return c.marker + " how do I reverse a slice in Go without allocating?"
}

func slackChannel(i int) string   { return fmt.Sprintf("C0LOAD%05d", i) }
func discordChannel(i int) string { return strconv.Itoa(1200000000000000000 + i) }
func userID(i int) string         { return fmt.Sprintf("U0LOAD%04d", i) }
func discordUser(i int) string    { return strconv.Itoa(1210000000000000000 + i) }

// newDiscord starts the fake Discord with Discord's real budgets: 5
// message writes per 5 s per channel (a thread is a channel) and the
// global limit of -discord-global requests per second.
func newDiscord(o options) *discordtest.Server {
	// A token of Discord's shape: the bot's config validation checks it.
	return discordtest.New(discordtest.Options{GlobalLimit: o.DiscordGlobal, Token: "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.bG9hZHRlc3QtaG1hYy1wYXJ0LTAwMDAwMA"})
}

// traceLog keeps the fake model's trace per conversation.
type traceLog struct {
	mu sync.Mutex
	// per conversation: first request, first token and last token of the
	// request that streamed the reply, and how many requests were made.
	req, first, last []time.Time
	requests         []int
}

func newTraceLog(n int) *traceLog {
	return &traceLog{req: make([]time.Time, n), first: make([]time.Time, n), last: make([]time.Time, n), requests: make([]int, n)}
}

func (l *traceLog) add(id int, tr llmtest.Trace) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch tr.Event {
	case llmtest.TraceRequest:
		if l.req[id].IsZero() {
			l.req[id] = tr.At
		}
		l.requests[id]++
	case llmtest.TraceFirstToken:
		l.first[id] = tr.At
	case llmtest.TraceLastToken:
		l.last[id] = tr.At
	}
}

func (l *traceLog) get(id int) (req, first, last time.Time, requests int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.req[id], l.first[id], l.last[id], l.requests[id]
}
