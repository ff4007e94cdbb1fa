package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"
)

// maxErrorBody bounds how much of an error or JSON body is read.
const maxErrorBody = 1 << 20

// idleTimer cancels a request when the provider sends nothing for d
// while we wait for it. Signs of life (touch, once per line) only store a
// timestamp; the timer wakes up at the earliest possible deadline and
// re-arms itself if something arrived meanwhile, so the hot path costs no
// timer operation. While paused (the caller is busy between two Next
// calls) it never fires.
type idleTimer struct {
	d      atomic.Int64 // the allowed silence, a time.Duration
	base   time.Time
	cancel context.CancelFunc
	t      *time.Timer
	last   atomic.Int64 // time.Since(base) at the last sign of life
	paused atomic.Bool
	done   atomic.Bool
	fired  atomic.Bool
}

func newIdleTimer(d time.Duration, cancel context.CancelFunc) *idleTimer {
	d = noLimit(d)
	it := &idleTimer{base: time.Now(), cancel: cancel}
	it.d.Store(int64(d))
	it.t = time.AfterFunc(d, it.check)
	return it
}

// limit returns the allowed silence.
func (it *idleTimer) limit() time.Duration { return time.Duration(it.d.Load()) }

// setLimit changes the allowed silence from now on: the wait for the
// response headers has its own limit, the gaps of the body theirs.
func (it *idleTimer) setLimit(d time.Duration) {
	d = noLimit(d)
	it.touch()
	it.d.Store(int64(d))
	it.t.Reset(d)
}

// noLimit turns a timeout of 0 (none, Options) into one that never comes.
func noLimit(d time.Duration) time.Duration {
	if d <= 0 {
		return math.MaxInt64
	}
	return d
}

// check runs when the timer expires.
func (it *idleTimer) check() {
	if it.done.Load() {
		return
	}
	d := it.limit()
	if it.paused.Load() {
		it.t.Reset(d)
		return
	}
	if quiet := time.Since(it.base) - time.Duration(it.last.Load()); quiet < d {
		it.t.Reset(d - quiet)
		return
	}
	it.fired.Store(true)
	it.cancel()
}

func (it *idleTimer) touch() { it.last.Store(int64(time.Since(it.base))) }

// pause stops the clock until resume.
func (it *idleTimer) pause() { it.paused.Store(true) }

// resume restarts the clock from now.
func (it *idleTimer) resume() {
	it.touch()
	it.paused.Store(false)
}

func (it *idleTimer) stop() {
	it.done.Store(true)
	it.t.Stop()
}

// attempt sends one request and returns the stream once the body has
// started as a stream. A 2xx body that is JSON instead of SSE is read
// whole: an error envelope becomes an *Error (retryable like its code), a
// complete non-streamed answer is replayed as a stream.
func (c *Client) attempt(ctx context.Context, req Request, model string, body []byte) (*Stream, *Error) {
	actx, cancel := context.WithCancel(ctx)
	// Until the response headers arrive the wait is FirstByteTimeout: a
	// local server with one slot sends them only when the slot frees.
	idle := newIdleTimer(c.opts.FirstByteTimeout, cancel)
	var sent atomic.Bool // the whole request was written: the server has it
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { sent.Store(i.Err == nil) },
	})
	fail := func(e *Error) (*Stream, *Error) {
		idle.stop()
		cancel()
		e.Message = c.redact(e.Message)
		e.sent = sent.Load()
		return nil, e
	}
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, c.base+"/chat/completions", nil)
	if err != nil {
		return fail(&Error{Code: CodeInvalid, Message: "build request", Err: err})
	}
	src := attachBody(hreq, body) // not kept for the whole answer: see bodySource
	c.setHeaders(hreq)
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "text/event-stream")
	// A compressed event stream reaches us in compressor-sized bursts, not
	// token by token.
	hreq.Header.Set("Accept-Encoding", "identity")
	resp, err := c.http.Do(hreq)
	src.release()
	if err != nil {
		e := c.transportError(ctx, idle, model, err)
		if e.Code == CodeTimeout && idle.fired.Load() {
			e.Message = "no response headers within " + c.opts.FirstByteTimeout.String()
		}
		return fail(e)
	}
	idle.setLimit(c.opts.IdleTimeout)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		return fail(httpError(resp.StatusCode, resp.Header, b, c.now()))
	}
	s := &Stream{
		client:    c,
		ctx:       ctx,
		body:      resp.Body,
		idle:      idle,
		cancel:    cancel,
		model:     model,
		promptRaw: rawMessages(req.Messages) + rawTools(req.Tools),
		declared:  req.Tools,
		webFee:    webSearchFee(req.WebSearch),
		imageToks: imageTokens(model, req.Messages),
	}
	s.pr = &pacedReader{r: resp.Body, done: ctx.Done(), interval: pacing(c.opts.ReadInterval, resp.ProtoMajor)}
	size := eventBufBytes
	if s.pr.interval > 0 {
		size = pacedBufBytes
	}
	s.ev.resetSize(s.pr, size)
	s.ev.touch = idle.touch
	first, err := firstByte(s.ev.r)
	if err != nil {
		resp.Body.Close()
		if err == io.EOF {
			return fail(&Error{Code: CodeUnavailable, Status: resp.StatusCode, Message: "empty response body"})
		}
		return fail(c.transportError(ctx, idle, model, err))
	}
	if first == '{' || first == '[' {
		b, err := io.ReadAll(io.LimitReader(s.ev.r, maxErrorBody))
		resp.Body.Close()
		if err != nil {
			return fail(c.transportError(ctx, idle, model, err))
		}
		replay, e := jsonAnswer(b)
		if e != nil {
			return fail(e)
		}
		s.ev.reset(bytes.NewReader(replay))
	}
	idle.pause() // until the caller asks for text: see Stream.Next
	return s, nil
}

func (c *Client) setHeaders(r *http.Request) {
	for k, v := range c.opts.Headers {
		if openRouterOnly(k) && c.opts.Dialect != OpenRouter {
			continue
		}
		r.Header.Set(k, v)
	}
	if c.opts.APIKey != "" {
		r.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
}

// transportError classifies a failure to get or read a response: the idle
// timer, the caller's context, or the network.
func (c *Client) transportError(ctx context.Context, idle *idleTimer, model string, err error) *Error {
	switch {
	case idle.fired.Load():
		return &Error{Code: CodeTimeout, Model: model, Message: "no data for " + idle.limit().String(), Err: err}
	case ctx.Err() != nil:
		return ctxError(ctx, model, false)
	}
	return &Error{Code: CodeUnavailable, Model: model, Message: "connection failed", Err: unwrapURL(err)}
}

// unwrapURL drops net/http's *url.Error wrapper, which repeats the URL.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// firstByte peeks at the first byte of the body that is not white space.
func firstByte(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			if _, err := r.Discard(1); err != nil {
				return 0, err
			}
			continue
		}
		return b[0], nil
	}
}

// jsonAnswer handles a 2xx body that is JSON: an error envelope (OpenRouter
// sends {"error":{...}} with status 200, a choice may carry an error) or a
// whole completion from a server that ignored stream:true, which it turns
// into the SSE the stream decoder reads.
func jsonAnswer(b []byte) ([]byte, *Error) {
	if pe := parseProviderError(b); pe.found {
		var env errorEnvelope
		_ = json.Unmarshal(b, &env)
		if isSet(env.Error) {
			return nil, streamError(env.Error)
		}
		e := streamError(nil)
		e.Message = firstNonEmpty(pe.message, e.Message)
		return nil, e
	}
	var ans struct {
		Choices []struct {
			FinishReason string          `json:"finish_reason"`
			Error        json.RawMessage `json:"error"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "malformed JSON response", Err: err}
	}
	if len(ans.Choices) > 0 && (isSet(ans.Choices[0].Error) || ans.Choices[0].FinishReason == "error") {
		return nil, streamError(ans.Choices[0].Error)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "malformed JSON response", Err: err}
	}
	out := make([]byte, 0, compact.Len()+32)
	out = append(out, "data: "...)
	out = append(out, compact.Bytes()...)
	out = append(out, "\n\ndata: [DONE]\n\n"...)
	return out, nil
}

// openRouterOnly reports OpenRouter's app attribution headers
// (https://openrouter.ai/docs/app-attribution: HTTP-Referer,
// X-OpenRouter-Title, X-OpenRouter-Categories; X-Title in its older
// examples). They tell OpenRouter which app is calling; sent to Mistral or
// a self-hosted server they would only leak the deployment's identity.
func openRouterOnly(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Http-Referer", "X-Title", "X-Openrouter-Title", "X-Openrouter-Categories":
		return true
	}
	return false
}
