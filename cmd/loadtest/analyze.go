package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// platformCall is one request the bot made to a fake platform.
type platformCall struct {
	at     time.Time
	status int
	text   string // message text it carried, if any
}

// timeline is what happened to one conversation.
type timeline struct {
	event, firstCall, firstPlatform, firstText, final time.Time
	llmRequest, firstToken, lastToken                 time.Time
	llmRequests                                       int
	calls                                             int
}

// analyze attributes every recorded platform call to its conversation and
// computes the figures; it also returns the conversations' timelines.
// slackBase and discordBase skip the calls made before the load (the
// bot's start).
func analyze(o options, w *world, convs []*conversation, slackBase, discordBase int) (*results, []timeline) {
	calls := make([][]platformCall, len(convs))
	res := &results{Options: o, Conversations: len(convs), RateLimitedBy: map[string]int{}}
	if w.slack != nil {
		res.PlatformCalls += slackCalls(w, convs, slackBase, calls, res.RateLimitedBy)
	}
	if w.discord != nil {
		res.PlatformCalls += discordCalls(w, convs, discordBase, calls, res.RateLimitedBy)
	}
	res.RateLimited = w.rateLimited()
	if w.faults != nil {
		res.Injected429s, res.Injected502s = int(w.faults.tooMany.Load()), int(w.faults.badGateway.Load())
	}
	w.delivered.mu.Lock()
	res.DeliveryFailures = append([]string(nil), w.delivered.failures...)
	w.delivered.mu.Unlock()

	lines := make([]timeline, len(convs))
	for i, c := range convs {
		tl := &lines[i]
		tl.event = c.eventAt
		tl.llmRequest, tl.firstToken, tl.lastToken, tl.llmRequests = w.traces.get(i)
		tl.calls = len(calls[i])
		for _, pc := range calls[i] {
			if tl.firstPlatform.IsZero() {
				tl.firstPlatform = pc.at
			}
			if pc.status != http.StatusOK {
				continue
			}
			if tl.firstText.IsZero() && strings.Contains(pc.text, c.marker) {
				tl.firstText = pc.at
			}
		}
		tl.firstCall = earliest(tl.firstPlatform, tl.llmRequest)
		// A long reply is several messages (thread.go): it is final when
		// the last of them got its final text.
		thread, texts := w.reply(c)
		tl.final = finalAt(calls[i], thread.parts)
		switch {
		case thread.lost():
			res.Lost++
			if len(res.LostExamples) < 5 {
				res.LostExamples = append(res.LostExamples, c.platform+" "+c.marker+": "+summarize(texts))
			}
		case thread.duplicated():
			res.Duplicated++
		default:
			res.Completed++
		}
	}
	res.figures(convs, lines)
	return res, lines
}

// slackCalls attributes fake Slack's calls to conversations by channel and
// thread (or the ts of a message of the bot in the thread).
func slackCalls(w *world, convs []*conversation, base int, out [][]platformCall, out429 map[string]int) int {
	type key struct{ channel, ts string }
	owner := map[key]int{}
	for i, c := range convs {
		if c.platform != "slack" {
			continue
		}
		owner[key{c.channel, c.thread}] = i
		for _, m := range w.slack.BotReplies(c.channel, c.thread) {
			owner[key{c.channel, m.TS}] = i
		}
	}
	streamed := map[int]string{}
	all := w.slack.Calls()
	if base > len(all) {
		base = len(all)
	}
	for _, call := range all[base:] {
		if call.Status == http.StatusTooManyRequests {
			out429["slack "+call.Method]++
		}
		ch := call.Params.Get("channel")
		if ch == "" {
			ch = call.Params.Get("channel_id")
		}
		i, ok := owner[key{ch, call.Params.Get("thread_ts")}]
		if !ok {
			i, ok = owner[key{ch, call.Params.Get("ts")}]
		}
		if !ok {
			continue
		}
		text := call.Params.Get("text")
		switch call.Method {
		case "chat.startStream", "chat.appendStream", "chat.stopStream":
			// Native streaming sends the new text only: what the
			// reader sees is what was appended so far.
			if call.Status == http.StatusOK {
				streamed[i] += call.Params.Get("markdown_text")
			}
			text = streamed[i]
		}
		out[i] = append(out[i], platformCall{at: call.At, status: call.Status, text: text})
	}
	return len(all) - base
}

// discordCalls attributes fake Discord's requests to conversations: the
// thread started from the mention has the mention's id.
func discordCalls(w *world, convs []*conversation, base int, out [][]platformCall, out429 map[string]int) int {
	owner := map[string]int{}
	for i, c := range convs {
		if c.platform == "discord" && c.thread != "" {
			owner[c.thread] = i
		}
	}
	fallback := newChannelAnswers(convs)
	all := w.discord.Requests()
	if base > len(all) {
		base = len(all)
	}
	for _, r := range all[base:] {
		parts := strings.Split(strings.Trim(r.Path, "/"), "/")
		if r.Status == http.StatusTooManyRequests {
			out429["discord "+r.Method+" "+template(parts)]++
		}
		if len(parts) < 2 || parts[0] != "channels" {
			continue
		}
		i, ok := owner[parts[1]]
		if !ok && len(parts) >= 5 && parts[4] == "threads" {
			i, ok = owner[parts[3]]
		}
		if !ok && len(parts) >= 3 && parts[2] == "messages" && r.Method != "GET" {
			i, ok = fallback.owner(parts[1], r.Body) // an answer in the channel (fallback.go)
		}
		if !ok {
			continue
		}
		var body struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(r.Body, &body)
		out[i] = append(out[i], platformCall{at: r.At, status: r.Status, text: body.Content})
	}
	return len(all) - base
}

func earliest(ts ...time.Time) time.Time {
	var e time.Time
	for _, t := range ts {
		if !t.IsZero() && (e.IsZero() || t.Before(e)) {
			e = t
		}
	}
	return e
}

// summarize shortens what the bot wrote in a lost conversation.
func summarize(texts []string) string {
	if len(texts) == 0 {
		return "no message from the bot"
	}
	s := strings.Join(texts, " | ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// peakInFlight is the largest number of conversations between their
// question and their final text at one time.
func peakInFlight(lines []timeline, end time.Time) int {
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, tl := range lines {
		if tl.event.IsZero() {
			continue
		}
		stop := tl.final
		if stop.IsZero() {
			stop = end
		}
		edges = append(edges, edge{tl.event, 1}, edge{stop, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d // ends before starts at the same instant
	})
	cur, peak := 0, 0
	for _, e := range edges {
		cur += e.d
		peak = max(peak, cur)
	}
	return peak
}

// template replaces the ids of a Discord path: "channels/{id}/messages".
func template(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if p != "" && p[0] >= '0' && p[0] <= '9' {
			p = "{id}"
		}
		out[i] = p
	}
	return strings.Join(out, "/")
}
