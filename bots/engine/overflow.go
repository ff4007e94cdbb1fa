package engine

import (
	"context"
	"errors"
	"slices"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// answerPlan is what generate needs beyond the request to recover from a
// context-length refusal, and what runs just before the final text goes
// out. A nil plan is a plain request.
type answerPlan struct {
	e  *Engine
	in promptInput
	// first is the prompt built before any refusal; p the one sent last
	// (written by stream, read after it returned).
	first, p prompt
	// tooLong > 0: the question alone exceeds a window of that many
	// tokens; nothing was answered.
	tooLong int
	// beforeFinish runs with the outcome just before the final text is
	// delivered: usage is recorded by then, so /usage right after an
	// answer counts it.
	beforeFinish func(generated)
	// tools is the answer's tool loop (toolloop.go); nil: no tools.
	tools *toolTurn
}

func (e *Engine) newPlan(in promptInput, p prompt) *answerPlan {
	return &answerPlan{e: e, in: in, first: p, p: p}
}

// model asks the model; when the provider refuses the prompt as longer
// than the context window, it rebuilds the prompt to the window the
// refusal named (the client remembers it for the next prompts too),
// trimming harder by how much the server's count exceeded the estimate,
// and tries once more. A question that does not fit even alone is not
// sent again: tooLong says so.
func (a *answerPlan) model(ctx context.Context, req bots.ModelRequest) (bots.TokenStream, error) {
	e := a.e
	st, err := e.opts.LLM.Stream(ctx, req)
	var le *bots.ModelError
	if err == nil || !errors.As(err, &le) || le.Code != bots.CodeContextLength {
		return st, err
	}
	in := a.in
	in.window = le.ContextTokens
	if in.window <= 0 { // the refusal named no window: half of what was sent
		in.window = int(float64(a.p.tokens)*e.tokens.Ratio())/2 + a.p.maxTokens
	}
	// The server counted le.PromptTokens where we estimated a.p.tokens: a
	// ratio above the calibrated one means the estimate runs low for this
	// text. Aim 10% under the window.
	ratio := e.tokens.Ratio()
	if le.PromptTokens > 0 && a.p.tokens > 0 {
		ratio = max(ratio, float64(le.PromptTokens)/float64(a.p.tokens))
	}
	in.ratio = ratio * 1.1
	p := e.buildPrompt(in)
	e.log.WarnContext(ctx, "the model refused the prompt as longer than its context window; trimming to it",
		"window", p.window, "server_prompt_tokens", le.PromptTokens, "estimated_tokens", a.p.tokens,
		"dropped", p.dropped, "question_too_long", p.tooLong)
	if p.tooLong {
		a.tooLong = p.window
		return nil, err
	}
	a.p = p
	req.Messages, req.MaxTokens = p.messages, p.maxTokens
	return e.opts.LLM.Stream(ctx, req)
}

// notes adds the tool loop's notices and sources, and updates the
// trimming notice when the retry left out more turns.
func (a *answerPlan) notes(lang string, notes []string) []string {
	if a == nil {
		return notes
	}
	notes = append(notes, a.tools.finalNotes()...)
	if a.p.dropped == a.first.dropped {
		return notes
	}
	old := a.e.tr(lang, i18n.HistoryTrimmed, a.first.dropped)
	notes = slices.DeleteFunc(slices.Clone(notes), func(n string) bool { return n == old })
	return append(notes, a.e.tr(lang, i18n.HistoryTrimmed, a.p.dropped))
}
