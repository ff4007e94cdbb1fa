package llm

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

// Stream is one streamed completion. Not safe for concurrent use; Close it.
type Stream struct {
	client *Client
	ctx    context.Context // the caller's, to tell its cancellation from ours
	body   io.Closer
	idle   *idleTimer
	cancel context.CancelFunc // this attempt's request
	// cancelAll ends the Timeout context of the whole Stream call.
	cancelAll context.CancelFunc
	start     time.Time
	model     string // requested model
	promptRaw int    // uncalibrated prompt estimate of the text
	imageToks int    // the images' tokens by the encoder rule (exact, not calibrated)

	ev    eventReader
	pr    *pacedReader // the body, read in batches from the first text to the tail
	sc    scanner
	ch    chunk
	think thinkFilter
	tools toolAssembler
	// declared are the request's tools, to check the calls against.
	declared []Tool

	res     Result
	usage   bool // the provider sent usage
	cost    float64
	hasCost bool
	// webFee is the request's web search fee (websearch.go), added to a
	// cost computed from prices.
	webFee    float64
	reply     tally // visible text, for estimating completion tokens
	sawText   bool
	finish    bool   // a finish_reason other than "error" arrived
	pending   *Error // error that arrived with text; due after that text
	err       error  // terminal: io.EOF or an *Error
	closeOnce sync.Once
}

// Next returns the next piece of visible reply text (reasoning is hidden).
// It returns io.EOF after a complete stream, and an *Error when the stream
// fails; text returned before the error is the partial reply (Error.Partial
// says whether there was any).
func (s *Stream) Next() (string, error) {
	text, err := s.NextBytes()
	return string(text), err
}

// NextBytes is Next without the string: the text is a view into the
// stream's buffers, valid until the following call, so a caller that
// copies it (appends it to the answer) costs no allocation per token.
func (s *Stream) NextBytes() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	// The idle timer runs only while we wait for the provider: a caller
	// busy between two calls (a rate-limited chat edit) is not a stall.
	s.idle.resume()
	text, err := s.next()
	s.idle.pause()
	return text, err
}

func (s *Stream) next() ([]byte, error) {
	for s.err == nil {
		if s.pending != nil {
			return nil, s.fail(s.pending)
		}
		data, err := s.ev.next()
		if err != nil {
			return s.readFailed(err)
		}
		if string(data) == "[DONE]" {
			return s.done()
		}
		if err := s.ch.decode(&s.sc, data); err != nil {
			return nil, s.fail(&Error{Code: CodeUnavailable, Message: "malformed chunk from provider", Err: err})
		}
		s.note()
		if s.ch.errRaw != nil || string(s.ch.finishReason) == "error" {
			e := streamError(s.ch.errRaw)
			if text := s.visible(); len(text) > 0 {
				s.pending = e
				return text, nil
			}
			return nil, s.fail(e)
		}
		if text := s.visible(); len(text) > 0 {
			return text, nil
		}
	}
	return nil, s.err
}

// note records what the chunk says about the stream.
func (s *Stream) note() {
	ch := &s.ch
	if len(ch.id) > 0 && string(ch.id) != s.res.ID {
		s.res.ID = string(ch.id)
	}
	if len(ch.model) > 0 && string(ch.model) != s.res.Model {
		s.res.Model = string(ch.model)
	}
	if len(ch.finishReason) > 0 && string(ch.finishReason) != s.res.FinishReason {
		s.res.FinishReason = string(ch.finishReason)
		s.finish = s.res.FinishReason != "error"
		// The final chunk: what follows (usage, [DONE], the end of the
		// body) is read as it comes, the reply is not held.
		s.pr.finish()
	}
	for _, d := range ch.tools {
		s.tools.add(d)
	}
	for _, v := range ch.cites {
		s.addCitation(v)
	}
	if ch.hasUsage {
		s.usage = true
		s.res.Usage.PromptTokens = ch.promptTokens
		s.res.Usage.CompletionTokens = ch.completionTokens
		if ch.hasCost {
			s.cost, s.hasCost = ch.cost, true
		}
	}
}

// addCitation keeps a web search source once (the first title wins,
// unless it was empty).
func (s *Stream) addCitation(v citeView) {
	for i := range s.res.Citations {
		if c := &s.res.Citations[i]; c.URL == string(v.url) {
			if c.Title == "" {
				c.Title = string(v.title)
			}
			return
		}
	}
	s.res.Citations = append(s.res.Citations, Citation{URL: string(v.url), Title: string(v.title)})
}

// visible runs the chunk's content through the reasoning filter; the
// result is a view, valid until the next chunk.
func (s *Stream) visible() []byte {
	if len(s.ch.content) == 0 {
		return nil
	}
	text := s.think.push(s.ch.content)
	if len(text) > 0 {
		s.deliver(text)
	}
	return text
}

func (s *Stream) deliver(text []byte) {
	if !s.sawText {
		s.sawText = true
		s.res.FirstToken = s.client.now().Sub(s.start)
		s.pr.start()
	}
	s.reply.addBytes(text)
}

// done ends a complete stream: [DONE], or the end of a body whose last
// chunk had a finish_reason.
func (s *Stream) done() ([]byte, error) {
	tail := s.think.flush()
	if len(tail) > 0 {
		s.deliver(tail)
	}
	s.res.ToolCalls = s.tools.finish(s.declared, s.res.ID)
	s.finalize()
	s.err = io.EOF
	// Drain what little follows [DONE] so the connection can be reused;
	// the idle timer still bounds this. Unpaced: the caller gets the
	// final text only after the drain.
	s.pr.finish()
	_, _ = io.Copy(io.Discard, io.LimitReader(s.ev.r, 64<<10))
	s.release()
	if len(tail) > 0 {
		return tail, nil
	}
	return nil, io.EOF
}

// readFailed handles the end of the body or a read error.
func (s *Stream) readFailed(err error) ([]byte, error) {
	partial := s.sawText
	switch {
	case err == io.EOF && s.finish:
		// The provider closed the stream right after a final chunk without
		// sending [DONE]: the reply is complete.
		return s.done()
	case err == io.EOF:
		return nil, s.fail(&Error{Code: CodeUnavailable, Message: "stream ended before [DONE]", Partial: partial})
	case errors.Is(err, errEventTooLong):
		return nil, s.fail(&Error{Code: CodeUnavailable, Message: "oversized event from provider", Partial: partial, Err: err})
	}
	e := s.client.transportError(s.ctx, s.idle, s.model, err)
	if e.Code == CodeTimeout && s.idle.fired.Load() {
		e.Message = "stream stalled: no data for " + s.idle.limit().String()
	}
	e.Partial = partial
	return nil, s.fail(e)
}

// fail ends the stream with e.
func (s *Stream) fail(e *Error) error {
	s.pending = nil
	if e.Model == "" {
		e.Model = s.res.Model
	}
	if e.Model == "" {
		e.Model = s.model
	}
	e.Partial = e.Partial || s.sawText
	e.Message = s.client.redact(e.Message)
	s.finalize()
	s.err = e
	s.release()
	return e
}

// finalize settles Result: the answering model, usage (estimated when the
// provider sent none), cost, and the estimator's calibration.
func (s *Stream) finalize() {
	if s.res.Model == "" {
		s.res.Model = s.model
	}
	u := &s.res.Usage
	est := s.client.est
	s.res.ContextTokens = s.client.ContextWindow(s.model).Tokens
	s.res.Truncated = s.usage && s.res.ContextTokens > 0 && u.PromptTokens >= s.res.ContextTokens
	switch {
	case s.res.Truncated:
		// What the server read is not what was sent: no calibration.
	case s.usage && u.PromptTokens+u.CompletionTokens > 0: // some servers send zeros
		// The images' share is the encoder rule's: calibrate on the text.
		est.Observe(s.promptRaw, max(u.PromptTokens-s.imageToks, 1))
	default:
		u.Estimated = true
		u.PromptTokens = est.scale(s.promptRaw) + s.imageToks
		u.CompletionTokens = est.scale(s.reply.tokens() + s.tools.argsTokens())
	}
	if s.hasCost {
		// Trusted as the request's whole charge. Whether OpenRouter's
		// usage.cost includes the web plugin's per-result fee is not
		// stated in its usage-accounting docs
		// (https://openrouter.ai/docs/use-cases/usage-accounting: "Cost
		// in credits"): unverified, so a search may be under-counted here
		// (docs/STATUS.md).
		u.CostUSD, u.CostFromProvider = s.cost, true
	} else {
		o := s.client.opts
		u.CostUSD = (float64(u.PromptTokens)*o.PriceInputPerMTok+float64(u.CompletionTokens)*o.PriceOutputPerMTok)/1e6 + s.webFee
	}
}

// release frees the connection and the timers, and forgets what only
// reading needed.
func (s *Stream) release() {
	s.closeOnce.Do(func() {
		s.idle.stop()
		s.body.Close()
		s.cancel()
		if s.cancelAll != nil {
			s.cancelAll()
		}
		s.forget()
	})
}

// forget drops the reading state of a stream that has ended. A caller
// keeps its Stream (for Result, then Close) while it finishes the answer,
// and finishing can take seconds (the platform's budget for the last
// edit, the store's usage write); until then the ended stream kept the
// whole request alive: the response body, through it net/http's HTTP/2
// stream, response and request (headers, contexts, trace), the SSE
// reader's buffer and the decoder's: about 5 KB a reply
// (BenchmarkHeldAfterEnd). Nothing reads them again: every method checks
// s.err (set before release) first. The idle timer stays: NextBytes
// touches it.
func (s *Stream) forget() {
	s.body, s.pr, s.cancel, s.cancelAll = nil, nil, nil, nil
	s.ev, s.sc, s.ch, s.think, s.tools, s.declared = eventReader{}, scanner{}, chunk{}, thinkFilter{}, toolAssembler{}, nil
}

// Result describes the stream; complete after Next returned io.EOF or an
// error.
func (s *Stream) Result() Result { return s.res }

// Close releases the connection. Next returns an error after Close unless
// the stream had already ended.
func (s *Stream) Close() error {
	if s.err == nil {
		s.finalize()
		s.err = &Error{Code: CodeInternal, Model: s.res.Model, Message: "stream closed", Partial: s.sawText}
	}
	s.release()
	return nil
}
