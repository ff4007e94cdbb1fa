package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
)

// The tool loop (issue 16): model -> tool calls -> results -> model, until
// the model answers without calling, bounded by ToolOptions.MaxRounds, the
// tools' time Budget and the reply's token and USD limits. It lives behind
// the model port: generate reads one TokenStream whose text is every
// round's, and whose Result adds up every round's usage. A call that needs
// a person's approval waits for it (approval.go); a call is run at most
// once per idempotency key (tools.CallKey of the journal's reply id, the
// round and the model's call id).

// toolTurn is one answer's side of the loop: who asked where, what the
// rounds left for the final text (notes, sources).
type toolTurn struct {
	e        *Engine
	channel  string // settingsID: the Toolbox's allow-list key
	msg      bots.Message
	answerID string
	lang     string
	// reply is the opened reply without the journal's wrapper (progress,
	// approval prompts); set once it is open, before the first Next.
	reply     bots.Reply
	recovered bool
	started   time.Time
	// origin goes in the context of every call (tools.WithOrigin): the
	// tools that read the conversation read this one only.
	origin tools.Origin

	// Written by the loop (the reply's goroutine), read after generate.
	notes   []string
	sources []string
}

// toolTurn returns the tool side of j's answer, nil when no tools are
// configured.
func (e *Engine) toolTurn(j *job, lang string) *toolTurn {
	if e.opts.Tools.Runner == nil && !e.opts.Tools.WebSearch {
		return nil
	}
	id := ""
	if j.jr != nil {
		id = j.jr.entry.ID
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = "unjournaled:" + hex.EncodeToString(b[:])
	}
	return &toolTurn{e: e, channel: j.msg.SettingsID(), msg: j.msg, answerID: id, lang: lang,
		recovered: j.recovered(), started: time.Now(), origin: tools.OriginOf(j.msg, e.spanReader(j))}
}

// spanReader is the reader of the platform j's question came through: its
// adapter, or (a command's Ask, which comes without one) the adapter
// Recover was given for the platform; nil when it reads no spans.
func (e *Engine) spanReader(j *job) bots.SpanReader {
	conv := j.conv
	if conv == nil {
		conv = e.recovery.from()[j.msg.Key.Platform]
	}
	if r, ok := conv.(bots.SpanReader); ok {
		return r
	}
	return nil
}

// note adds a notice for the final text, once.
func (t *toolTurn) note(n string) {
	if !slices.Contains(t.notes, n) {
		t.notes = append(t.notes, n)
	}
}

// source adds a source (URL, file name) for the final text, once.
func (t *toolTurn) source(s string) {
	s = strings.TrimSpace(s)
	if s != "" && !slices.Contains(t.sources, s) {
		t.sources = append(t.sources, s)
	}
}

// maxSources bounds the sources listed under an answer.
const maxSources = 10

// finalNotes are the loop's notices and the list of sources, for the end
// of the final text (one paragraph each: StripNotices takes them out of
// the history the model sees later).
func (t *toolTurn) finalNotes() []string {
	if t == nil {
		return nil
	}
	out := slices.Clone(t.notes)
	if len(t.sources) > 0 {
		src := t.sources
		if len(src) > maxSources {
			src = src[:maxSources]
		}
		out = append(out, t.e.tr(t.lang, i18n.ToolSources, strings.Join(src, " · ")))
	}
	return out
}

// stream starts the answer's model request: with the channel's tools, the
// tool loop's stream; without, the plain request (model, in overflow.go).
func (a *answerPlan) stream(ctx context.Context, req bots.ModelRequest) (bots.TokenStream, error) {
	t := a.tools
	if t == nil {
		return a.model(ctx, req)
	}
	e := a.e
	req.Tools = e.toolSpecs(t.channel, req.Model)
	req.WebSearch = e.opts.Tools.WebSearch
	if len(req.Tools) == 0 && !req.WebSearch {
		return a.model(ctx, req)
	}
	s := &toolStream{a: a, t: t, ctx: ctx}
	if s.resumable(ctx) {
		s.req = req
		return s, nil
	}
	st, err := a.model(ctx, req)
	if bots.CodeOf(err) == bots.CodeToolsUnsupported && len(req.Tools) > 0 {
		// The model (or its server) takes no tools: answer without them,
		// and say so (the client remembers it for the next questions).
		e.log.WarnContext(ctx, "the model refused tools; answering without them", "model", req.Model)
		t.note(e.tr(t.lang, i18n.ToolsUnsupported))
		req.Tools = nil
		st, err = a.model(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	req.Messages, req.MaxTokens = a.p.messages, a.p.maxTokens // after an overflow retry: what was sent
	s.req, s.cur = req, st
	return s, nil
}

// toolStream is the answer across rounds, as one TokenStream.
type toolStream struct {
	a   *answerPlan
	t   *toolTurn
	ctx context.Context
	req bots.ModelRequest // the next round's request: messages grow
	cur bots.TokenStream  // the round being read; nil once over
	// round counts the rounds that asked for tools.
	round int
	// held is an error that came with text, returned by the next call.
	held      error
	roundText strings.Builder
	wrote     bool // some round's text was returned
	sep       bool // the next text starts a new round's: a blank line first
	usage     bots.Usage
	res       bots.ModelResult
	citations []bots.Citation
	// spent is the tools' time so far (waiting for a person excluded).
	spent time.Duration
	// rounds are the messages the loop added (every finished round);
	// current the round being answered: what an approval records to be
	// resumed from (approval.go).
	rounds, current []bots.ModelMessage
	// resumeFrom, when set, is the approval a recovered answer resumes
	// at its first Next, once the reply is open.
	resumeFrom *bots.Approval
}

var _ bots.TokenStream = (*toolStream)(nil)

// Next implements bots.TokenStream: the rounds' text, io.EOF once the
// model answered without calling tools.
func (s *toolStream) Next() (string, error) {
	if s.resumeFrom != nil {
		more, err := s.resumeRound()
		if err != nil || !more {
			if err == nil {
				err = io.EOF
			}
			return "", err
		}
	}
	for {
		if s.cur == nil {
			return "", io.EOF
		}
		var d string
		err := s.held
		if err != nil {
			s.held = nil
		} else {
			d, err = s.cur.Next()
		}
		if d != "" {
			s.roundText.WriteString(d)
			if s.sep {
				d, s.sep = "\n\n"+d, false
			}
			s.wrote = true
			s.held = err
			return d, nil
		}
		switch {
		case err == nil:
			continue
		case !errors.Is(err, io.EOF):
			s.res = s.cur.Result()
			return "", err
		}
		more, err := s.endRound()
		if err != nil || !more {
			if err == nil {
				err = io.EOF
			}
			return "", err
		}
	}
}

// Result implements bots.TokenStream: the last round's, with every
// round's usage added up and every round's citations.
func (s *toolStream) Result() bots.ModelResult {
	r := s.res
	if s.cur != nil {
		r = s.cur.Result()
	}
	if s.round > 0 {
		// The rounds answered so far, and the one being read (none when
		// the next round failed to start: nothing was consumed).
		r.Usage = s.usage
		if s.cur != nil {
			r.Usage = addUsage(s.usage, s.roundUsage(r))
		}
	}
	r.ToolCalls = nil
	r.Citations = append(slices.Clone(s.citations), r.Citations...)
	return r
}

// Close implements bots.TokenStream.
func (s *toolStream) Close() error {
	if s.cur == nil {
		return nil
	}
	return s.cur.Close()
}

// endRound handles a round that ended: without tool calls the answer is
// complete; with them the calls are answered and the next round starts.
func (s *toolStream) endRound() (bool, error) {
	r := s.cur.Result()
	s.cur.Close()
	for _, c := range r.Citations {
		s.t.source(c.URL)
	}
	calls := r.ToolCalls
	if len(calls) == 0 || s.req.NoToolCalls {
		s.res = r
		return false, nil
	}
	text := s.roundText.String()
	s.roundText.Reset()
	s.usage = addUsage(s.usage, s.roundUsage(r))
	s.citations = append(s.citations, r.Citations...)
	s.round++
	// Counted in s.usage: should the next round fail to start, its
	// result is this one's without its usage.
	s.res = bots.ModelResult{Model: r.Model, FirstToken: r.FirstToken, ContextTokens: r.ContextTokens}
	s.current = []bots.ModelMessage{{Role: bots.RoleAssistant, Content: text, ToolCalls: calls}}
	return s.answerRound(calls, s.limit())
}

// answerRound answers the calls of the round in s.current (its assistant
// message and the results given so far) and starts the next round.
func (s *toolStream) answerRound(calls []bots.ToolCall, limit string) (bool, error) {
	e := s.a.e
	for _, c := range calls {
		s.current = append(s.current, bots.ModelMessage{Role: bots.RoleTool, ToolCallID: c.ID, Name: c.Name, Content: s.answerCall(c, limit)})
	}
	if limit == "" && s.spent >= e.opts.Tools.Budget {
		limit = "budget" // the calls used it up: the next round answers
	}
	s.rounds = append(s.rounds, s.current...)
	s.req.Messages = append(s.req.Messages, s.current...)
	s.current = nil
	if limit != "" {
		e.log.InfoContext(s.ctx, "tool loop ended by a limit", "limit", limit, "rounds", s.round)
		s.t.note(e.tr(s.t.lang, i18n.ToolLimit))
		s.req.NoToolCalls = true
	}
	if dropped := s.trim(); dropped > 0 {
		e.log.InfoContext(s.ctx, "tool round trimmed to the context window", "dropped_messages", dropped)
	}
	s.t.progress(s.ctx, "")
	if err := s.ctx.Err(); err != nil {
		// Stopped, timed out or shut down while the tools ran: no next
		// round (generate tells a Stop by the context's cause).
		s.cur = nil
		return false, err
	}
	st, err := e.opts.LLM.Stream(s.ctx, s.req)
	if err != nil {
		s.cur = nil
		return false, err
	}
	s.cur, s.sep = st, s.wrote
	return true, nil
}

// roundUsage is a round's usage, estimated when the provider sent none.
func (s *toolStream) roundUsage(r bots.ModelResult) bots.Usage {
	u := r.Usage
	if u.Total() > 0 {
		return u
	}
	e := s.a.e
	prompt := 0
	for _, m := range s.req.Messages {
		prompt += e.tokens.EstimateTokens(m.Content) + e.tokens.MessageOverhead()
		for _, c := range m.ToolCalls {
			prompt += e.tokens.EstimateTokens(c.Name + c.Arguments)
		}
	}
	out := e.tokens.EstimateTokens(s.roundText.String())
	for _, c := range r.ToolCalls {
		out += e.tokens.EstimateTokens(c.Name + c.Arguments)
	}
	return bots.Usage{PromptTokens: prompt, CompletionTokens: out, Estimated: true}
}

func addUsage(a, b bots.Usage) bots.Usage {
	return bots.Usage{PromptTokens: a.PromptTokens + b.PromptTokens, CompletionTokens: a.CompletionTokens + b.CompletionTokens,
		CostUSD: a.CostUSD + b.CostUSD, CostFromProvider: a.CostFromProvider || b.CostFromProvider,
		Estimated: a.Estimated || b.Estimated}
}

// limit names the limit that forbids another tool round, "" when none:
// the rounds, the tools' time, the reply's tokens (max_tokens across
// rounds), the channel's daily tokens and the bot's daily USD counted
// with what this answer spent so far.
func (s *toolStream) limit() string {
	e := s.a.e
	o := e.opts.Tools
	switch {
	case s.round > o.MaxRounds:
		return "max_rounds"
	case s.spent >= o.Budget:
		return "budget"
	case s.req.MaxTokens > 0 && s.usage.CompletionTokens >= s.req.MaxTokens:
		return "reply_tokens"
	}
	now := e.now()
	if e.opts.DailyUSDCap > 0 {
		if t, err := e.stores.usage.Usage(s.ctx, bots.ScopeGlobal, "", bots.Day(now)); err == nil && t.CostUSD+s.usage.CostUSD >= e.opts.DailyUSDCap {
			return "daily_usd"
		}
	}
	if e.opts.DailyTokensPerChannel > 0 {
		if t, err := e.stores.usage.Usage(s.ctx, bots.ScopeChannel, s.t.channel, bots.Day(now)); err == nil && t.Tokens()+int64(s.usage.Total()) >= e.opts.DailyTokensPerChannel {
			return "daily_tokens"
		}
	}
	return ""
}
