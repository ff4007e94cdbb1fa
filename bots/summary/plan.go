package summary

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of planning.
var (
	// ErrEmpty: the span holds no message worth summarizing.
	ErrEmpty = errors.New("summary: nothing to summarize")
	// ErrWindowTooSmall: the model's window minus the reply budget cannot
	// hold two partial summaries, so combining them could never converge.
	ErrWindowTooSmall = errors.New("summary: context window too small for a summary")
)

// Options configure a summary.
type Options struct {
	// Window is the model's context window in tokens; ReplyTokens the
	// budget of each reply (max_tokens). Every call's prompt fits in
	// Window-ReplyTokens.
	Window      int
	ReplyTokens int
	// Tokens estimates the tokens of a text (the Engine passes the llm
	// client's calibrated estimator); nil uses three bytes per token.
	Tokens func(string) int
	// Language is the English name of the summary's language ("French").
	Language string
	// Location renders the messages' times; nil is UTC.
	Location *time.Location
	// Parallel bounds the chunk summaries requested at once (default 2:
	// a big summary must not take every model slot of the bot).
	Parallel int
	// Progress, when set, is told after every model call how many of the
	// planned calls are done.
	Progress func(done, total int)
}

// promptMargin covers what the prompt adds around the texts we count:
// the chat template's markers of two messages (llm.MessageOverhead each)
// and the part header.
const promptMargin = 48

// Chunk is one slice of the span summarized in one model call.
type Chunk struct {
	// First and End delimit the messages of the chunk: msgs[First:End].
	First, End int
	// Text is the chunk as the model reads it, one line per message.
	Text string
	// Tokens is Text's estimate.
	Tokens int
}

// Plan is a summary cut into chunks that each fit the window. Build it
// with NewPlan, show its Estimate, then Run it.
type Plan struct {
	opts   Options
	msgs   []Message
	chunks []Chunk
	// budget is the tokens the user message of one call may hold.
	budget int
	sys    int // tokens of the longest system prompt
}

// NewPlan splits msgs (oldest first) into chunks: every message lands in
// exactly one chunk, in order, and no chunk's prompt plus the reply
// budget exceeds the window. A message too long for a chunk by itself is
// cut (its reference kept) rather than dropped.
func NewPlan(msgs []Message, o Options) (*Plan, error) {
	if o.Tokens == nil {
		o.Tokens = func(s string) int { return (len(s) + 2) / 3 }
	}
	if o.Language == "" {
		o.Language = "English"
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	p := &Plan{opts: o, msgs: msgs}
	for _, s := range []string{finalSystem(o.Language, false), notesSystem(o.Language, o.ReplyTokens), combineSystem(o.Language, o.ReplyTokens, true)} {
		p.sys = max(p.sys, o.Tokens(s))
	}
	p.budget = o.Window - o.ReplyTokens - p.sys - promptMargin
	// Combining needs room for at least two partial summaries of up to
	// ReplyTokens each, so every round at least halves their number.
	if o.ReplyTokens <= 0 || p.budget < 2*(o.ReplyTokens+promptMargin) {
		return nil, fmt.Errorf("%w: window %d, reply budget %d", ErrWindowTooSmall, o.Window, o.ReplyTokens)
	}
	if len(msgs) == 0 {
		return nil, ErrEmpty
	}
	p.chunk()
	return p, nil
}

// chunk fills p.chunks greedily, a date line opening each chunk and
// each new day so the model knows when things were said.
func (p *Plan) chunk() {
	var b strings.Builder
	cur, day, n := Chunk{}, "", 0
	flush := func(end int) {
		cur.End, cur.Text = end, b.String()
		cur.Tokens = p.opts.Tokens(cur.Text)
		p.chunks = append(p.chunks, cur)
		b.Reset()
		cur, day, n = Chunk{First: end}, "", 0
	}
	for i, m := range p.msgs {
		line := p.line(i, m, &day)
		// Per-line estimates add up to at least the whole text's (each is
		// rounded up), so summing them keeps the bound and avoids
		// re-estimating the chunk on every message.
		t := p.opts.Tokens(line)
		if b.Len() > 0 && n+t > p.budget {
			flush(i)
			line = p.line(i, m, &day)
			t = p.opts.Tokens(line)
		}
		if b.Len() == 0 && t > p.budget {
			line = p.cut(line)
			t = p.opts.Tokens(line)
		}
		b.WriteString(line)
		n += t
	}
	flush(len(p.msgs))
}

// line renders message i as the model reads it: "[m12] 10:02 Alice: text",
// preceded by a date line when the day changes.
func (p *Plan) line(i int, m Message, day *string) string {
	var b strings.Builder
	t := m.Time.In(p.opts.Location)
	if d := t.Format("2006-01-02 (Monday)"); !m.Time.IsZero() && d != *day {
		*day = d
		b.WriteString("--- " + d + " ---\n")
	}
	b.WriteString("[" + Ref(i) + "] ")
	if !m.Time.IsZero() {
		b.WriteString(t.Format("15:04") + " ")
	}
	author := strings.TrimSpace(m.Author)
	if author == "" {
		author = "(unknown)"
	}
	b.WriteString(author + ": " + strings.TrimSpace(m.Text) + "\n")
	return b.String()
}

// cut shortens a line that cannot fit a chunk on its own to the largest
// prefix that does, by bisection on its runes.
func (p *Plan) cut(line string) string {
	const mark = " […]\n"
	runes := []rune(line)
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.opts.Tokens(string(runes[:mid])+mark) <= p.budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(runes[:lo]) + mark
}

// Ref is the reference the model is given for message i: "m1" for the
// first. Summaries cite messages by it; Link turns it into a link.
func Ref(i int) string { return "m" + strconv.Itoa(i+1) }

// Chunks returns the plan's chunks.
func (p *Plan) Chunks() []Chunk { return p.chunks }

// Messages returns the span being summarized.
func (p *Plan) Messages() []Message { return p.msgs }

// Budget is the tokens one call's user message may hold.
func (p *Plan) Budget() int { return p.budget }

// fit cuts text to at most n tokens, for a partial summary longer than
// its share of a combining call (a model that overran max_tokens).
func fit(text string, n int, tokens func(string) int) string {
	if tokens(text) <= n {
		return text
	}
	for tokens(text) > n && len(text) > 0 {
		cut := len(text) * 9 / 10
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return text + " […]"
}
