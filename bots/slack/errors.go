package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
)

// Domain errors the Slack API errors map to; test with errors.Is.
var (
	// ErrNotInChannel: the bot is not a member of the channel
	// (not_in_channel). The asker is told through the response_url.
	ErrNotInChannel = errors.New("slack: the bot is not in this channel")
	// ErrChannelNotFound: the channel does not exist or the bot cannot see
	// it (channel_not_found), e.g. a DM between two other people.
	ErrChannelNotFound = errors.New("slack: channel not found or not visible to the bot")
	// ErrInvalidAuth: a token is wrong, revoked or of the wrong kind.
	ErrInvalidAuth = errors.New("slack: invalid token")
	// ErrMsgTooLong: the text exceeds the method's limit (msg_too_long).
	ErrMsgTooLong = errors.New("slack: message too long")
	// ErrRateLimited: Slack answered 429 (ratelimited).
	ErrRateLimited = errors.New("slack: rate limited")
)

var codeErrors = map[string]error{
	"not_in_channel":    ErrNotInChannel,
	"channel_not_found": ErrChannelNotFound,
	"invalid_auth":      ErrInvalidAuth,
	"not_authed":        ErrInvalidAuth,
	"account_inactive":  ErrInvalidAuth,
	"token_revoked":     ErrInvalidAuth,
	"token_expired":     ErrInvalidAuth,
	"msg_too_long":      ErrMsgTooLong,
	"ratelimited":       ErrRateLimited,
}

// APIError is a Slack Web API method that answered ok:false.
type APIError struct {
	Method string
	// Code is Slack's error string ("not_in_channel", "msg_too_long", ...).
	Code string
	Err  error
}

func (e *APIError) Error() string { return "slack: " + e.Method + ": " + e.Code }

// Unwrap returns the slack-go error.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches the domain error of Code.
func (e *APIError) Is(target error) bool { return target != nil && codeErrors[e.Code] == target }

// RateLimitError is a call refused with HTTP 429. It implements
// bots.RetryAfterError, so a Streamer waits and retries without losing text.
type RateLimitError struct {
	Method string
	After  time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("slack: %s: rate limited, retry after %s", e.Method, e.After)
}

// RetryAfter returns the delay Slack asked for.
func (e *RateLimitError) RetryAfter() time.Duration { return e.After }

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// serverErrorRetry is the pause before a call that failed with a 5xx is
// tried again.
const serverErrorRetry = time.Second

// ServerError is a call Slack answered with an HTTP 5xx (an outage at its
// edge or in the method), or one whose connection broke on the way
// (Status 0: reset, refused, closed unanswered). It implements bots.RetryAfterError, so a
// Streamer retries it after a short pause, bounded like a 429: a transient
// outage during the final edit does not leave a reply cut short.
type ServerError struct {
	Method string
	Status int
	Err    error
}

func (e *ServerError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("slack: %s: network error: %v", e.Method, e.Err)
	}
	return fmt.Sprintf("slack: %s: server error (HTTP %d)", e.Method, e.Status)
}

// Unwrap returns the slack-go error.
func (e *ServerError) Unwrap() error { return e.Err }

// RetryAfter returns the pause before trying again.
func (e *ServerError) RetryAfter() time.Duration { return serverErrorRetry }

// apiErr maps a slack-go error of method to a domain error, counts it in
// the hooks and returns nil for nil. Other errors (transport, context) are
// wrapped with the method.
func (a *Adapter) apiErr(method string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		a.hooks.RateLimited(method)
		return &RateLimitError{Method: method, After: rl.RetryAfter}
	}
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		a.hooks.APIError(method, se.Err)
		return &APIError{Method: method, Code: se.Err, Err: err}
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) {
		a.hooks.APIError(method, fmt.Sprintf("http_%d", sc.Code))
		if sc.Code >= 500 {
			return &ServerError{Method: method, Status: sc.Code, Err: err}
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		// The connection broke on the way (reset, refused, closed without
		// an answer): worth another try, like a 5xx.
		a.hooks.APIError(method, "network")
		return &ServerError{Method: method, Err: err}
	}
	return fmt.Errorf("slack: %s: %w", method, err)
}

// errorCode returns Slack's error code of err ("" when it has none).
func errorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	if errors.Is(err, ErrRateLimited) {
		return "ratelimited"
	}
	return ""
}
