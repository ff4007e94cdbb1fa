package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// Domain errors the Slack API errors map to; test with errors.Is.
var (
	// ErrNotInChannel: the bot is not a member of the channel
	// (not_in_channel). The asker is told through the response_url.
	ErrNotInChannel = errors.New("slack: the bot is not in this channel")
	// ErrChannelNotFound: the channel does not exist or the bot cannot see
	// it (channel_not_found), e.g. a DM between two other people.
	ErrChannelNotFound = errors.New("slack: channel not found or not visible to the bot")
	// ErrArchived: the channel was archived (is_archived).
	ErrArchived = errors.New("slack: the channel is archived")
	// ErrInvalidAuth: a token is wrong, revoked or of the wrong kind.
	ErrInvalidAuth = errors.New("slack: invalid token")
	// ErrMsgTooLong: the text exceeds the method's limit (msg_too_long).
	ErrMsgTooLong = errors.New("slack: message too long")
	// ErrRateLimited: Slack answered 429 (ratelimited).
	ErrRateLimited = errors.New("slack: rate limited")
)

// codeErrors maps Slack error codes to the domain errors above.
var codeErrors = map[string]error{
	"not_in_channel":    ErrNotInChannel,
	"channel_not_found": ErrChannelNotFound,
	"is_archived":       ErrArchived,
	"invalid_auth":      ErrInvalidAuth,
	"not_authed":        ErrInvalidAuth,
	"account_inactive":  ErrInvalidAuth,
	"token_revoked":     ErrInvalidAuth,
	"token_expired":     ErrInvalidAuth,
	"msg_too_long":      ErrMsgTooLong,
	"ratelimited":       ErrRateLimited,
	"rate_limited":      ErrRateLimited,
}

// The one classification of failed Web API calls (bots.FailureClass).
//
//	answer                                           class      why
//	HTTP 429 (Retry-After: seconds)                  Transient  rate limited: wait as asked [1]
//	ok:false ratelimited / rate_limited              Transient  same, in the body [2]
//	HTTP 5xx (Slack's edge answers 502/503 in HTML)  Transient  the request did not reach the method
//	ok:false service_unavailable, request_timeout    Transient  "the POST data was missing or truncated", service down [2]
//	connection refused or reset, request not written Transient  nothing reached Slack
//	timeout or reset after the request was written   Uncertain  the call may have taken effect
//	2xx whose body does not decode (or not 200)      Uncertain  the call may have taken effect
//	ok:false internal_error, fatal_error             Uncertain  "it's possible some aspect of the operation succeeded" [2]
//	ok:false message_not_found (edits, streams)      Permanent  deleted: wraps bots.ErrMessageGone [3]
//	ok:false not_in_channel, channel_not_found,      Permanent  refused, and would be again [2][3][4]
//	  is_archived, msg_too_long, no_text,
//	  restricted_action, edit_window_closed,
//	  cant_update_message, invalid_auth, not_authed,
//	  account_inactive, token_revoked, token_expired,
//	  missing_scope, invalid_arguments, ...
//	anything else                                    Permanent  never retried blindly
//
// [1] https://docs.slack.dev/apis/web-api/rate-limits ("HTTP 429 Too Many
// Requests ... a Retry-After HTTP header containing the number of seconds
// until you can retry").
// [2] https://docs.slack.dev/reference/methods/chat.postMessage (errors).
// [3] https://docs.slack.dev/reference/methods/chat.update (errors:
// cant_update_message, edit_window_closed, message_not_found, msg_too_long).
// [4] https://docs.slack.dev/reference/methods/chat.startStream,
// chat.appendStream, chat.stopStream (message_not_in_streaming_state,
// not_in_channel, channel_not_found, is_archived, msg_too_long).
var (
	transientCodes = map[string]bool{"ratelimited": true, "rate_limited": true,
		"service_unavailable": true, "request_timeout": true}
	uncertainCodes = map[string]bool{"internal_error": true, "fatal_error": true}
)

// CallError is a failed Slack Web API call, classified for the reply
// writer. It implements bots.DeliveryError.
type CallError struct {
	Method string
	// Code is Slack's error string ("not_in_channel", "msg_too_long", ...),
	// "" when Slack gave none (HTTP or network failure).
	Code string
	// Status is the HTTP status (0: no answer).
	Status int
	class  bots.FailureClass
	after  time.Duration
	// Err is the cause (slack-go's error, a network error).
	Err error
}

var _ bots.DeliveryError = (*CallError)(nil)

func (e *CallError) Error() string {
	switch {
	case e.Code != "":
		return fmt.Sprintf("slack: %s: %s (%s)", e.Method, e.Code, e.class)
	case e.Status != 0:
		return fmt.Sprintf("slack: %s: HTTP %d (%s)", e.Method, e.Status, e.class)
	default:
		return fmt.Sprintf("slack: %s: %v (%s)", e.Method, e.Err, e.class)
	}
}

// Unwrap returns the cause.
func (e *CallError) Unwrap() error { return e.Err }

// Class implements bots.DeliveryError.
func (e *CallError) Class() bots.FailureClass { return e.class }

// RetryAfter implements bots.DeliveryError: the pause Slack asked for.
func (e *CallError) RetryAfter() time.Duration { return e.after }

// Is matches the domain error of Code, and bots.ErrMessageGone for a
// message Slack no longer has.
func (e *CallError) Is(target error) bool {
	if target == nil {
		return false
	}
	if target == bots.ErrMessageGone {
		return e.Code == "message_not_found"
	}
	if target == ErrRateLimited && e.Status == 429 {
		return true
	}
	return codeErrors[e.Code] == target
}

// rateLimited reports whether Slack asked to slow down.
func (e *CallError) rateLimited() bool { return e.Status == 429 || errors.Is(e, ErrRateLimited) }

var _ stream.RateLimitError = (*CallError)(nil)

// RateLimited implements stream.RateLimitError: Slack refused the call
// for its rate (the append-only writer pauses that method's budget).
func (e *CallError) RateLimited() bool { return e.rateLimited() }

// wire records, for one Web API call, whether its request was written to
// the connection: a failure before that is Transient (nothing reached
// Slack), after it Uncertain (the call may have taken effect).
type wire struct{ wrote atomic.Bool }

// traced returns ctx carrying an httptrace hook that records into w
// whether the request went out.
func traced(ctx context.Context) (context.Context, *wire) {
	w := &wire{}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				w.wrote.Store(true)
			}
		},
	}), w
}

// serverRetry is the pause before a call that failed with a 5xx (or a
// network error) is tried again when Slack asked for nothing.
const serverRetry = time.Second

// apiErr classifies a slack-go error of method (nil for nil) and counts it
// in the hooks. w tells whether the request was written (nil: unknown,
// taken as written). ctx is the caller's: when it ended, the error says
// so and is Permanent (the caller gave up).
func (a *Adapter) apiErr(ctx context.Context, method string, err error, w *wire) error {
	if err == nil {
		return nil
	}
	e := classify(ctx, method, err, w == nil || w.wrote.Load())
	switch {
	case e.rateLimited():
		a.hooks.RateLimited(method)
	case e.Code != "":
		a.hooks.APIError(method, e.Code)
	case e.Status != 0:
		a.hooks.APIError(method, "http_"+strconv.Itoa(e.Status))
	default:
		a.hooks.APIError(method, "network")
	}
	return e
}

// classify applies the table above. written is whether the request
// reached the connection.
func classify(ctx context.Context, method string, err error, written bool) *CallError {
	e := &CallError{Method: method, Err: err, class: bots.Permanent}
	var rl *slackgo.RateLimitedError
	var se slackgo.SlackErrorResponse
	var sc slackgo.StatusCodeError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var num *strconv.NumError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		e.Status, e.class, e.after = 429, bots.Transient, rl.RetryAfter
	case errors.As(err, &se):
		e.Code = se.Err
		switch {
		case transientCodes[e.Code]:
			e.class = bots.Transient
		case uncertainCodes[e.Code]:
			e.class = bots.Uncertain
		}
	case errors.As(err, &sc):
		e.Status = sc.Code
		switch {
		case sc.Code == 429 || sc.Code >= 500:
			// 429 without a usable Retry-After, or Slack's edge (an
			// HTML page slack-go does not parse): not taken effect.
			e.class = bots.Transient
		case sc.Code >= 200 && sc.Code < 300:
			e.class = bots.Uncertain
		}
	case ctx.Err() != nil:
		// The caller gave up (shutdown, deadline): Permanent by ClassOf.
	case errors.As(err, &num):
		// slack-go parses Retry-After only on a 429: an unparsable one.
		e.Status, e.class = 429, bots.Transient
	case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, io.ErrUnexpectedEOF) && !isNet(err), errors.Is(err, io.EOF) && !isNet(err):
		// Status 200, but the body is not Slack's JSON: the call may
		// have taken effect.
		e.Status, e.class = 200, bots.Uncertain
	case errors.As(err, &ne) || isNet(err):
		if written {
			e.class = bots.Uncertain
		} else {
			e.class = bots.Transient
		}
		if ne != nil && ne.Timeout() {
			// http.Client's own timeout says context.DeadlineExceeded
			// (errors.Is), which bots.ClassOf takes for a caller that
			// gave up: keep the words, drop that identity.
			e.Err = timeoutError{err.Error()}
		}
	}
	if e.class == bots.Transient && e.after <= 0 {
		e.after = serverRetry
	}
	return e
}

// isNet reports whether err came from the connection (http.Client wraps
// transport failures in *url.Error, which is a net.Error).
func isNet(err error) bool {
	var ne net.Error
	var op *net.OpError
	return errors.As(err, &ne) || errors.As(err, &op)
}

// timeoutError is a client-side timeout whose caller is still waiting.
type timeoutError struct{ msg string }

func (e timeoutError) Error() string { return e.msg }
func (e timeoutError) Timeout() bool { return true }

// errorCode returns Slack's error code of err ("" when it has none).
func errorCode(err error) string {
	var ce *CallError
	if errors.As(err, &ce) {
		if ce.Code == "" && ce.rateLimited() {
			return "ratelimited"
		}
		return ce.Code
	}
	return ""
}
