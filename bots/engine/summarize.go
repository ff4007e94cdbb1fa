package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/summary"
	"mistralbot/internal/cache"
)

// SummaryOptions configure /summarize, "catch me up" and digests
// (bot.summary_* in config).
type SummaryOptions struct {
	// InPerMTok and OutPerMTok are the model's USD prices per million
	// tokens (config's llm.price_*, else the llm catalogue), for the
	// estimate shown before a summary starts.
	InPerMTok, OutPerMTok float64
	// ConfirmUSD: a summary estimated above it waits for the asker's
	// confirm button (bot.summary_confirm_usd); 0 = never ask. Without
	// prices (a local model) the estimate is $0 and nothing is asked.
	ConfirmUSD float64
	// MaxMessages bounds the messages one summary reads
	// (bot.summary_max_messages; default 5000).
	MaxMessages int
	// ChannelSince is the span of a channel summary asked without a
	// duration or count (default 24h); a thread is read whole.
	ChannelSince time.Duration
	// ReplyTokens is the reply budget of each summary call (default the
	// Engine's MaxTokens).
	ReplyTokens int
	// Parallel bounds the chunk summaries requested at once (default 2).
	Parallel int
}

// confirmTTL is how long a confirm button stays valid.
const confirmTTL = 15 * time.Minute

// summaries is the Engine's summary state: jobs waiting for their
// confirm button, by token.
type summaries struct {
	pending *cache.Cache[string, bots.SummaryJob]
}

func (o *SummaryOptions) fill(maxTokens int) {
	if o.MaxMessages <= 0 {
		o.MaxMessages = 5000
	}
	if o.ReplyTokens <= 0 {
		o.ReplyTokens = maxTokens
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	setDefault(&o.ChannelSince, 24*time.Hour)
}

// CatchUp reports whether a mention asks for a summary ("@mistralbot
// catch me up 24h", in any of the catalog languages) and returns the
// summarize command for it; the adapter then runs it like /summarize.
func (e *Engine) CatchUp(msg bots.Message) (bots.Command, bool) {
	if !msg.Mentioned {
		return bots.Command{}, false
	}
	c, ok := summary.DetectCatchUp(msg.Text)
	if !ok {
		return bots.Command{}, false
	}
	return bots.Command{Name: "summarize", Text: c.Args, Msg: msg,
		Options: map[string]string{"asker_language": c.Language}}, true
}

// summarizeCommand checks a summary request and returns its job, or the
// refusal.
func (e *Engine) summarizeCommand(conv bots.Conversations, cmd bots.Command, set bots.Settings, lang string) bots.Response {
	msg := cmd.Msg
	if tok := cmd.Options["confirm"]; tok != "" {
		job, ok := e.sum.pending.Get(tok)
		switch {
		case !ok:
			return bots.Response{Text: e.tr(lang, i18n.SummaryExpired)}
		case job.Cmd.Msg.UserID != msg.UserID || job.Cmd.Msg.Key.Platform != msg.Key.Platform:
			return bots.Response{Text: e.tr(lang, i18n.SummaryNotYours)}
		}
		if _, taken := e.sum.pending.Take(tok); !taken {
			return bots.Response{Text: e.tr(lang, i18n.SummaryExpired)} // a double click
		}
		job.Confirmed = true
		return bots.Response{Summary: &job}
	}
	if _, ok := conv.(bots.SpanReader); !ok {
		return bots.Response{Text: e.tr(lang, i18n.SummaryUnavailable)}
	}
	span, err := summary.ParseSpan(cmd.Text, summaryLanguage)
	if err != nil {
		var se *summary.SpanError
		arg := cmd.Text
		if errors.As(err, &se) {
			arg = se.Arg
		}
		return bots.Response{Text: e.tr(lang, i18n.SummaryUsage, e.commandPrefix(cmd), arg)}
	}
	o := e.opts.Summary
	// The span is always the conversation the request came from: a
	// summary holds only messages the asker can read there, and is never
	// posted anywhere else.
	q := bots.SpanQuery{Key: msg.Key, Limit: o.MaxMessages}
	if span.Count > 0 {
		q.Limit = min(span.Count, o.MaxMessages)
	}
	switch {
	case span.Since > 0:
		q.Since = e.now().Add(-span.Since)
	case msg.Key.Thread == "" && span.Count == 0:
		q.Since = e.now().Add(-o.ChannelSince)
	}
	return bots.Response{Summary: &bots.SummaryJob{Cmd: cmd, Query: q, UILang: lang, Share: span.Share,
		Language: e.summaryLanguage(span.Language, set, msg, cmd.Options["asker_language"])}}
}

// summaryLanguage is the language a summary is written in: the one asked
// for, else the channel's, else (auto) the asker's: the language of a
// catch-up phrase, their locale, or English.
func (e *Engine) summaryLanguage(asked string, set bots.Settings, msg bots.Message, phrase string) string {
	switch {
	case asked != "":
		return asked
	case set.Language != "" && set.Language != bots.LanguageAuto:
		return set.Language
	case phrase != "":
		return phrase
	}
	if code, ok := normalizeLanguage(msg.Locale); ok && code != bots.LanguageAuto {
		return code
	}
	return "en"
}

// summaryLanguage accepts a language code for /summarize ("fr"), not
// "auto" nor a word that is only a name.
func summaryLanguage(w string) (string, bool) {
	code, ok := normalizeLanguage(w)
	if !ok || code == bots.LanguageAuto || len(w) > 3 {
		return "", false
	}
	return code, true
}

// Summarize runs a summary job: it reads the span (unless a confirmed
// job already did), estimates the cost, asks for confirmation above
// bot.summary_confirm_usd, then summarizes within the model's window and
// sends the result to out, privately unless the job is shared. Usage is
// recorded. It blocks for the whole summary; the returned error is the
// platform's or the model's, after the asker was told.
func (e *Engine) Summarize(ctx context.Context, conv bots.Conversations, job *bots.SummaryJob, out bots.SummaryOutput) error {
	msg, lang := job.Cmd.Msg, job.UILang
	if job.Span == nil {
		r, ok := conv.(bots.SpanReader)
		if !ok {
			return out.Private(ctx, e.tr(lang, i18n.SummaryUnavailable))
		}
		sp, err := r.ReadSpan(ctx, job.Query)
		if err != nil && len(sp.Messages) == 0 {
			e.log.WarnContext(ctx, "summary: span not read", "key", job.Query.Key.String(), "err", err)
			text := e.tr(lang, i18n.SummaryFailed, e.tr(lang, i18n.ErrInternal))
			if errors.Is(err, bots.ErrNoAccess) {
				text = e.tr(lang, i18n.NotInChannel)
			}
			return errors.Join(err, out.Private(ctx, text))
		}
		job.Span = &sp
	}
	msgs := summaryMessages(job.Span.Messages)
	if len(msgs) == 0 {
		return out.Private(ctx, e.tr(lang, i18n.SummaryEmpty))
	}
	plan, err := summary.NewPlan(msgs, summary.Options{Window: e.opts.ContextTokens, ReplyTokens: e.opts.Summary.ReplyTokens,
		Tokens: e.summaryTokens, Language: i18n.EnglishName(job.Language), Parallel: e.opts.Summary.Parallel})
	if err != nil {
		return errors.Join(err, out.Private(ctx, e.tr(lang, i18n.SummaryFailed, e.tr(lang, i18n.ErrInvalid))))
	}
	est := plan.Estimate(summary.Prices{InPerMTok: e.opts.Summary.InPerMTok, OutPerMTok: e.opts.Summary.OutPerMTok})
	figures := []any{len(msgs), est.Calls, est.InputTokens + est.OutputTokens, fmt.Sprintf("%.2f", math.Ceil(est.USD*100)/100)}
	if c := e.opts.Summary.ConfirmUSD; c > 0 && est.USD > c && !job.Confirmed {
		job.Token = newToken()
		e.sum.pending.Put(job.Token, *job)
		return out.Confirm(ctx, e.tr(lang, i18n.SummaryConfirm, figures...), e.tr(lang, i18n.SummaryConfirmButton), job.Token)
	}
	if est.Calls > 1 {
		if err := out.Private(ctx, e.tr(lang, i18n.SummaryWorking, figures...)); err != nil {
			e.log.WarnContext(ctx, "summary: progress not shown", "err", err)
		}
	}
	set := e.Settings(ctx, msg.SettingsID())
	res, err := plan.Run(ctx, &summaryCompleter{e: e, model: set.Model, user: bots.UserID(msg.Key.Platform, msg.UserID)})
	e.recordUsage(ctx, msg, bots.Usage{PromptTokens: res.PromptTokens, CompletionTokens: res.CompletionTokens, CostUSD: res.CostUSD})
	e.log.InfoContext(ctx, "summary", "key", job.Query.Key.String(), "messages", len(msgs), "chunks", res.Chunks,
		"rounds", res.Rounds, "calls", res.Calls, "prompt_tokens", res.PromptTokens, "completion_tokens", res.CompletionTokens,
		"platform_calls", job.Span.Calls, "rate_limited", job.Span.RateLimited, "waited", job.Span.Waited, "err", err)
	if err != nil {
		reason, _ := e.failure(ctx, ctx, err, lang, set.Model)
		return errors.Join(err, out.Private(ctx, e.tr(lang, i18n.SummaryFailed, reason)))
	}
	header := job.Header
	if header == "" {
		header = e.tr(lang, i18n.SummaryHeader, len(msgs))
	}
	text := header + "\n\n" + strings.TrimSpace(res.Text)
	if job.Span.Truncated {
		text += "\n\n" + e.tr(lang, i18n.SummaryPartial, len(msgs))
	}
	if job.Share {
		return out.Share(ctx, text)
	}
	return out.Private(ctx, text)
}

// summaryMessages converts a span for the planner.
func summaryMessages(in []bots.SpanMessage) []summary.Message {
	out := make([]summary.Message, 0, len(in))
	for _, m := range in {
		if strings.TrimSpace(m.Text) == "" {
			continue
		}
		out = append(out, summary.Message{ID: m.ID, Author: m.Author, Text: m.Text, Time: m.Time, Link: m.Link})
	}
	return out
}

// summaryTokens estimates text like the prompt trimming does, never
// below the uncalibrated estimate: a chunk must fit even if the
// provider's counts drift up.
func (e *Engine) summaryTokens(s string) int {
	raw := e.tokens.EstimateTokens(s)
	return int(math.Ceil(float64(raw) * max(1, e.tokens.Ratio())))
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// summaryCompleter runs one summary call through the Engine's model
// port, collecting the streamed text.
type summaryCompleter struct {
	e     *Engine
	model string
	user  string
}

var _ summary.Completer = (*summaryCompleter)(nil)

func (c *summaryCompleter) Complete(ctx context.Context, req summary.Request) (summary.Reply, error) {
	temp := c.e.opts.Temperature
	st, err := c.e.opts.LLM.Stream(ctx, bots.ModelRequest{Model: c.model, MaxTokens: req.MaxTokens, Temperature: &temp, User: c.user,
		Messages: []bots.ModelMessage{{Role: bots.RoleSystem, Content: req.System}, {Role: bots.RoleUser, Content: req.User}}})
	if err != nil {
		return summary.Reply{}, err
	}
	defer func() { _ = st.Close() }()
	var b strings.Builder
	for {
		piece, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u := st.Result().Usage
			return summary.Reply{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostUSD: u.CostUSD}, err
		}
		b.WriteString(piece)
	}
	u := st.Result().Usage
	return summary.Reply{Text: b.String(), PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostUSD: u.CostUSD}, nil
}

// commandPrefix is the prefix shown before command names in usage texts:
// the adapter's, else the Engine's.
func (e *Engine) commandPrefix(cmd bots.Command) string {
	if p, ok := cmd.Options["prefix"]; ok {
		return p
	}
	return e.opts.CommandPrefix
}

// isAdmin reports whether the asker may change channel settings (as
// bots/commands decides it): the platform says so or bot.admins lists
// them.
func (e *Engine) isAdmin(msg bots.Message) bool {
	return msg.Admin || slices.Contains(e.opts.Admins, bots.UserID(msg.Key.Platform, msg.UserID))
}
