package summary

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Result is a finished summary and what it cost.
type Result struct {
	// Text is the summary in Markdown, citations turned into links.
	Text string
	// Calls is the number of model calls; Rounds the combining rounds
	// after the chunk notes (0 when the span fit one call).
	Calls  int
	Chunks int
	Rounds int
	// PromptTokens and CompletionTokens add up every call; CostUSD too.
	PromptTokens     int
	CompletionTokens int
	CostUSD          float64
}

// runner carries one Run's accounting.
type runner struct {
	p     *Plan
	c     Completer
	mu    sync.Mutex
	res   Result
	total int // calls planned, for Progress
}

// Run makes the summary: one call when the span fits one chunk, else
// notes per chunk (at most Options.Parallel at once) combined in rounds
// until one call can read them all. It returns the first model error,
// wrapped; what was spent until then is in the Result.
func (p *Plan) Run(ctx context.Context, c Completer) (Result, error) {
	r := &runner{p: p, c: c, total: p.plannedCalls()}
	r.res.Chunks = len(p.chunks)
	if len(p.chunks) == 1 {
		text, err := r.call(ctx, Request{System: finalSystem(p.opts.Language, false), User: p.chunks[0].Text})
		r.res.Text = Link(text, p.msgs)
		return r.res, err
	}
	parts, err := r.notes(ctx)
	if err != nil {
		return r.res, err
	}
	for {
		groups := p.group(parts)
		if len(groups) == 1 {
			r.res.Rounds++
			text, err := r.call(ctx, Request{System: combineSystem(p.opts.Language, p.opts.ReplyTokens, true), User: joinParts(groups[0])})
			r.res.Text = Link(text, p.msgs)
			return r.res, err
		}
		r.res.Rounds++
		if parts, err = r.combine(ctx, groups); err != nil {
			return r.res, err
		}
	}
}

// notes summarizes every chunk into a part.
func (r *runner) notes(ctx context.Context) ([]part, error) {
	chunks := r.p.chunks
	parts := make([]part, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.p.opts.Parallel)
	for i, c := range chunks {
		g.Go(func() error {
			text, err := r.call(gctx, Request{System: notesSystem(r.p.opts.Language, r.p.opts.ReplyTokens), User: notesUser(c, i, len(chunks))})
			parts[i] = part{first: c.First, end: c.End, text: text}
			return err
		})
	}
	return parts, g.Wait()
}

// combine merges each group of parts into one shorter part.
func (r *runner) combine(ctx context.Context, groups [][]part) ([]part, error) {
	out := make([]part, len(groups))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.p.opts.Parallel)
	for i, ps := range groups {
		g.Go(func() error {
			text, err := r.call(gctx, Request{System: combineSystem(r.p.opts.Language, r.p.opts.ReplyTokens, false), User: joinParts(ps)})
			out[i] = part{first: ps[0].first, end: ps[len(ps)-1].end, text: text}
			return err
		})
	}
	return out, g.Wait()
}

// group packs consecutive parts into groups whose rendering fits one
// call. A part longer than half the budget is cut to it first, so any
// two parts fit together and every round at least halves their number.
func (p *Plan) group(parts []part) [][]part {
	half := p.budget/2 - promptMargin - 8 // 8: the " […]" fit may add
	var groups [][]part
	var cur []part
	n := 0
	for _, pt := range parts {
		pt.text = fit(pt.text, half, p.opts.Tokens)
		t := p.opts.Tokens(pt.text) + promptMargin
		if len(cur) > 0 && n+t > p.budget {
			groups = append(groups, cur)
			cur, n = nil, 0
		}
		cur = append(cur, pt)
		n += t
	}
	return append(groups, cur)
}

// call runs one request and accounts for it.
func (r *runner) call(ctx context.Context, req Request) (string, error) {
	req.MaxTokens = r.p.opts.ReplyTokens
	rep, err := r.c.Complete(ctx, req)
	r.mu.Lock()
	r.res.Calls++
	r.res.PromptTokens += rep.PromptTokens
	r.res.CompletionTokens += rep.CompletionTokens
	r.res.CostUSD += rep.CostUSD
	done := r.res.Calls
	r.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("summary: model call %d: %w", done, err)
	}
	if r.p.opts.Progress != nil {
		r.p.opts.Progress(done, max(r.total, done))
	}
	return rep.Text, nil
}
