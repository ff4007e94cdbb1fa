package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
)

// Discord JSON error codes the adapter acts on.
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeUnknownWebhook     = 10015
	codeUnknownInteraction = 10062
	codeMissingAccess      = 50001
	codeMissingPermissions = 50013
	codeInvalidToken       = 50027
	codeAlreadyAcked       = 40060
	codeThreadExists       = 160004
)

// apiError is a failed Discord REST call, safe to log: it names the
// operation, never the URL (interaction and webhook URLs carry tokens).
type apiError struct {
	op      string
	status  int
	code    int
	message string
	cause   error
}

// Error describes the failed call without URLs or tokens.
func (e *apiError) Error() string {
	s := "discord: " + e.op
	if e.status != 0 {
		s += fmt.Sprintf(": HTTP %d", e.status)
	}
	if e.code != 0 {
		s += fmt.Sprintf(" code %d", e.code)
	}
	if e.message != "" {
		s += ": " + e.message
	}
	if hint := hintFor(e.code); hint != "" {
		s += " (" + hint + ")"
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the transport error, if any.
func (e *apiError) Unwrap() error { return e.cause }

// rateLimitedError is a 429; the Streamer waits RetryAfter and retries.
type rateLimitedError struct {
	*apiError
	after time.Duration
}

// RetryAfter implements bots.RetryAfterError.
func (e *rateLimitedError) RetryAfter() time.Duration { return e.after }

// serverErrorRetry is the pause before a call that failed with a 5xx is
// tried again.
const serverErrorRetry = time.Second

// serverError is a 5xx or a network error on the way: trouble between us
// and Discord, worth another try. It
// implements bots.RetryAfterError, so the Streamer retries it after a
// short pause, bounded like a 429: a transient outage during the final
// edit does not leave an answer cut short. It unwraps to its *apiError.
type serverError struct{ err *apiError }

func (e *serverError) Error() string { return e.err.Error() }

// Unwrap returns the *apiError.
func (e *serverError) Unwrap() error { return e.err }

// RetryAfter implements bots.RetryAfterError.
func (e *serverError) RetryAfter() time.Duration { return serverErrorRetry }

// hintFor tells the operator what a code means in this bot's terms.
func hintFor(code int) string {
	switch code {
	case codeMissingPermissions, codeMissingAccess:
		return "the bot lacks a permission in this channel: View Channel, Send Messages, Send Messages in Threads, Create Public Threads, Read Message History"
	case codeUnknownChannel:
		return "the channel was deleted or the bot cannot see it"
	case codeUnknownMessage:
		return "the message was deleted"
	case codeInvalidToken, codeUnknownWebhook, codeUnknownInteraction:
		return "the interaction token expired"
	}
	return ""
}

// wrapErr turns a discordgo error into an *apiError (or a
// *rateLimitedError), stripping URLs. It returns nil for nil.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return &rateLimitedError{&apiError{op: op, status: 429, message: "rate limited"}, rl.RetryAfter}
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		e := &apiError{op: op}
		if re.Response != nil {
			e.status = re.Response.StatusCode
		}
		if re.Message != nil {
			e.code, e.message = re.Message.Code, re.Message.Message
		}
		if e.status == 429 {
			var body struct {
				RetryAfter float64 `json:"retry_after"`
			}
			_ = json.Unmarshal(re.ResponseBody, &body)
			return &rateLimitedError{e, time.Duration(body.RetryAfter * float64(time.Second))}
		}
		if e.status >= 500 {
			return &serverError{e}
		}
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		e := &apiError{op: op, cause: ue.Err}
		if errors.Is(ue.Err, context.Canceled) || errors.Is(ue.Err, context.DeadlineExceeded) {
			return e
		}
		// A connection reset or refused on the way: a network blip is
		// worth another try, like a 5xx (the Streamer bounds the tries).
		return &serverError{e}
	}
	return &apiError{op: op, cause: err}
}

// codeOf returns the Discord error code of err (0 if none).
func codeOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.code
	}
	return 0
}

// statusOf returns the HTTP status of err (0 if none).
func statusOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.status
	}
	return 0
}

// Hooks receive adapter events for metrics. Every field is optional.
type Hooks struct {
	// Event is called for every gateway dispatch and HTTP interaction
	// handled, with its type ("MESSAGE_CREATE", "INTERACTION_CREATE").
	Event func(eventType string)
	// Deduped is called when a redelivered event was dropped.
	Deduped func()
	// RateLimited is called for every 429, with the route ("PATCH
	// /channels/{id}/messages/{id}").
	RateLimited func(route string)
	// APIError is called for every other failed REST call with Discord's
	// error code (or the HTTP status when there is none).
	APIError func(route string, code int)
}

func (h Hooks) event(t string) {
	if h.Event != nil {
		h.Event(t)
	}
}

func (h Hooks) deduped() {
	if h.Deduped != nil {
		h.Deduped()
	}
}

func (h Hooks) rateLimited(route string) {
	if h.RateLimited != nil {
		h.RateLimited(route)
	}
}

func (h Hooks) apiError(route string, code int) {
	if h.APIError != nil {
		h.APIError(route, code)
	}
}
