package llm

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// Mistral's OCR and transcription endpoints answer one JSON document, not
// a stream: one request shape (docCall), one exchange (docOnce) and the
// chat client's retries around it (callDoc), so both have the same auth,
// timeouts, error codes, Retry-After handling and redaction.

// docCall is one request to a document endpoint.
type docCall struct {
	path        string // under the base URL: "/ocr"
	contentType string
	body        []byte
	model       string // named in errors
	what        string // "OCR", "transcription": in logs and errors
	max         int64  // bound of the answer's body
}

// callDoc sends call, retried like a chat request (connection errors,
// 408, 429, 5xx, honouring Retry-After, up to MaxRetries, within
// Options.Timeout), and returns the answer's body and status.
func (c *Client) callDoc(ctx context.Context, call docCall) ([]byte, int, *Error) {
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	for attempt := 0; ; attempt++ {
		b, status, e := c.docOnce(ctx, call)
		if e == nil {
			return b, status, nil
		}
		e.Model, e.Message = call.model, c.redact(e.Message)
		if !retryable(e) || attempt >= c.opts.MaxRetries || ctx.Err() != nil {
			return nil, 0, e
		}
		d, ok := c.retryDelay(attempt, e)
		if !ok {
			return nil, 0, e
		}
		c.log.Info("llm: retrying "+call.what, "attempt", attempt+1, "delay", d, "error", e.Error())
		if err := c.sleep(ctx, d); err != nil {
			return nil, 0, ctxError(ctx, call.model, false)
		}
	}
}

// docOnce sends one request. The answer is one document, so the
// first-byte timeout bounds the whole exchange until the headers, the
// idle timeout the body.
func (c *Client) docOnce(ctx context.Context, call docCall) ([]byte, int, *Error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := newIdleTimer(c.opts.FirstByteTimeout, cancel)
	defer idle.stop()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, c.base+call.path, bytes.NewReader(call.body))
	if err != nil {
		return nil, 0, &Error{Code: CodeInvalid, Message: "build " + call.what + " request", Err: err}
	}
	c.setHeaders(hreq)
	hreq.Header.Set("Content-Type", call.contentType)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, 0, c.transportError(ctx, idle, call.model, err)
	}
	defer resp.Body.Close()
	idle.setLimit(c.opts.IdleTimeout)
	b, err := io.ReadAll(io.LimitReader(resp.Body, call.max))
	if err != nil {
		return nil, 0, c.transportError(ctx, idle, call.model, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, 0, httpError(resp.StatusCode, resp.Header, b, c.now())
	}
	return b, resp.StatusCode, nil
}
