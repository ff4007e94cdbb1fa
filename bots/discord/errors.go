package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// Discord JSON error codes the adapter acts on
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeUnknownWebhook     = 10015
	codeUnknownInteraction = 10062
	codeAlreadyAcked       = 40060
	codeEntityTooLarge     = 40005
	codeForumNoMessage     = 40058
	codeMissingAccess      = 50001
	codeNonTextChannel     = 50008
	codeMissingPermissions = 50013
	codeChannelType        = 50024
	codeInvalidToken       = 50027
	codeInvalidFormBody    = 50035
	codeThreadArchived     = 50083
	codeOldMessageEdits    = 30046
	codeOverloaded         = 130000
	codeNoHistoryPerm      = 160002
	codeThreadExists       = 160004
	codeThreadLocked       = 160005
	codeMaxActiveThreads   = 160006
)

// The one classification of a failed Discord REST call (bots.FailureClass):
//
//	answer                                   class      why (Discord's docs)
//	429 (route, shared or global)            Transient  retry after retry_after (body, to the ms) or Retry-After;
//	                                                    "global": true / X-RateLimit-Global pauses every call
//	                                                    (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit)
//	502 and every 5xx, HTML body or not      Transient  "502: There was not a gateway available to process your
//	                                                    request. Wait a bit and retry"; 5xx "the server had an error"
//	                                                    (https://discord.com/developers/docs/topics/opcodes-and-status-codes#http)
//	130000 API resource overloaded           Transient  "Try again a little later" (JSON error codes)
//	connection refused / reset, timeout,     Transient  nothing reached Discord
//	  before the request was written
//	timeout or reset after it was written    Uncertain  the call may have taken effect
//	2xx whose body does not decode           Uncertain  it took effect, we cannot tell how
//	10003 unknown channel, 10008 unknown     Permanent  the resource is gone; 10008 wraps bots.ErrMessageGone
//	  message (wraps ErrMessageGone),                   (someone deleted the message: the writer posts it again)
//	  10015 / 10062 / 50027 token gone
//	50001 missing access, 50013 missing      Permanent  a permission only an admin can grant
//	  permissions, 160002 no history
//	50083 archived thread, 160005 locked     Permanent  the thread takes no more messages or edits
//	30046 edits to messages older than 1 h   Permanent  for this message: the answer continues in a new one
//	50035 invalid form body (its "errors"    Permanent  the same body would be refused again; the refused fields
//	  tree), 40005 too large, 50006 empty,              are logged (https://discord.com/developers/docs/reference#error-messages)
//	  50008 / 50024 / 40058 channel type
//	any other 4xx                            Permanent  never retried blindly (a blind retry of a post doubles it)
func classify(status, code int) bots.FailureClass {
	switch {
	case status == 429 || status == 408 || status >= 500 || code == codeOverloaded:
		return bots.Transient
	}
	return bots.Permanent
}

// apiError is a failed Discord REST call, classified: it implements
// bots.DeliveryError. It is safe to log: it names the operation, never the
// URL (interaction and webhook URLs carry tokens), and quotes at most a
// short excerpt of a body that is not Discord's JSON (an HTML 502 page).
type apiError struct {
	op      string
	status  int
	code    int
	message string
	// fields are the refused fields of a 50035 ("content: BASE_TYPE_MAX_LENGTH").
	fields []string
	class  bots.FailureClass
	after  time.Duration
	global bool
	cause  error
}

var _ bots.DeliveryError = (*apiError)(nil)

// Error describes the failed call without URLs or tokens.
func (e *apiError) Error() string {
	var b strings.Builder
	b.WriteString("discord: ")
	b.WriteString(e.op)
	if e.status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.status)
	}
	if e.code != 0 {
		fmt.Fprintf(&b, " code %d", e.code)
	}
	if e.message != "" {
		b.WriteString(": ")
		b.WriteString(e.message)
	}
	if len(e.fields) > 0 {
		b.WriteString(" [")
		b.WriteString(strings.Join(e.fields, "; "))
		b.WriteString("]")
	}
	if hint := hintFor(e.code); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Class implements bots.DeliveryError.
func (e *apiError) Class() bots.FailureClass { return e.class }

// RetryAfter implements bots.DeliveryError: Discord's retry_after for a
// 429, the adapter's pause for a 5xx or a network error.
func (e *apiError) RetryAfter() time.Duration { return e.after }

// Unwrap returns the transport error, if any, and bots.ErrMessageGone for
// 10008 Unknown Message.
func (e *apiError) Unwrap() []error {
	var out []error
	if e.cause != nil {
		out = append(out, e.cause)
	}
	if e.code == codeUnknownMessage {
		out = append(out, bots.ErrMessageGone)
	}
	return out
}

// rateLimited reports whether the call was refused with a 429.
func (e *apiError) rateLimited() bool { return e.status == 429 }

// hintFor tells the operator what a code means in this bot's terms.
func hintFor(code int) string {
	switch code {
	case codeMissingPermissions, codeMissingAccess:
		return "the bot lacks a permission in this channel: View Channel, Send Messages, Send Messages in Threads, Create Public Threads, Read Message History"
	case codeUnknownChannel:
		return "the channel was deleted or the bot cannot see it"
	case codeUnknownMessage:
		return "the message was deleted"
	case codeThreadArchived, codeThreadLocked:
		return "the thread is archived or locked"
	case codeInvalidToken, codeUnknownWebhook, codeUnknownInteraction:
		return "the interaction token expired"
	}
	return ""
}

// errorBody is Discord's JSON error (and 429) body. Every field is
// optional; a body that is not this JSON (an HTML page from the edge) is
// quoted as a short excerpt instead.
type errorBody struct {
	Code       int             `json:"code"`
	Message    string          `json:"message"`
	Errors     json.RawMessage `json:"errors"`
	RetryAfter float64         `json:"retry_after"`
	Global     bool            `json:"global"`
}

// httpError classifies a non-2xx answer of Discord. retryDelay is the
// pause before a 5xx is tried again.
func httpError(op string, status int, header func(string) string, body []byte, retryDelay time.Duration) *apiError {
	e := &apiError{op: op, status: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		e.code, e.message = eb.Code, eb.Message
		if e.code == codeInvalidFormBody {
			e.fields = formErrors(eb.Errors)
		}
	} else {
		e.message = excerpt(body)
	}
	e.class = classify(status, e.code)
	switch {
	case status == 429:
		if e.message == "" {
			e.message = "rate limited"
		}
		e.global = eb.Global || strings.EqualFold(header("X-RateLimit-Global"), "true") || header("X-RateLimit-Scope") == "global"
		secs := eb.RetryAfter
		if secs <= 0 {
			secs, _ = strconv.ParseFloat(header("Retry-After"), 64)
		}
		e.after = time.Duration(secs * float64(time.Second))
		if e.after <= 0 {
			e.after = time.Second
		}
	case e.class == bots.Transient:
		e.after = retryDelay
	}
	return e
}

var (
	titleRe = regexp.MustCompile(`(?is)<title>(.*?)</title>`)
	tagRe   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaceRe = regexp.MustCompile(`\s+`)
)

// excerpt is what a log may quote of a body that is not Discord's JSON:
// an HTML page's title, else its first words, at most 80 bytes.
func excerpt(body []byte) string {
	s := string(body)
	if m := titleRe.FindStringSubmatch(s); m != nil {
		s = m[1]
	} else {
		s = tagRe.ReplaceAllString(s, " ")
	}
	s = strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "…"
	}
	return s
}

// formErrors flattens the "errors" tree of a 50035 into "path: CODE
// (message)" entries, sorted: the refused fields an operator needs
// (https://discord.com/developers/docs/reference#error-messages). At most
// 10 are kept.
func formErrors(raw json.RawMessage) []string {
	var tree any
	if len(raw) == 0 || json.Unmarshal(raw, &tree) != nil {
		return nil
	}
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if list, ok := m["_errors"].([]any); ok {
			for _, it := range list {
				f, _ := it.(map[string]any)
				code, _ := f["code"].(string)
				msg, _ := f["message"].(string)
				p := path
				if p == "" {
					p = "(body)"
				}
				out = append(out, fmt.Sprintf("%s: %s (%s)", p, code, msg))
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			if k != "_errors" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, m[k])
		}
	}
	walk("", tree)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("and %d more", len(out)-10))
	}
	return out
}

// networkError classifies a call that got no HTTP answer: written says
// whether the whole request reached the connection (then Discord may have
// acted on it). A context error of the caller's ctx is the caller giving
// up (Permanent, not retried); a timeout of the adapter's own is the
// network's.
func networkError(ctx context.Context, op string, err error, written bool, retryDelay time.Duration) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("discord: %s: %w", op, cerr)
	}
	e := &apiError{op: op, class: bots.Transient, after: retryDelay}
	if written {
		e.class = bots.Uncertain
		e.message = "no answer after the request was sent; it may have taken effect"
	}
	// The cause is kept as text when it is a deadline of the adapter's
	// own: as an error in the chain it would read as the caller giving up.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		e.cause = errors.New(strings.TrimPrefix(err.Error(), "net/http: "))
	} else {
		e.cause = err
	}
	return e
}

// refusedBeforeSending reports whether a transport error shows the
// request never left: a refused connection, a failed dial or DNS lookup.
func refusedBeforeSending(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns)
}

// exceededRe matches the plain error discordgo v0.29 makes of a 502 once
// its MaxRestRetries are spent ("Exceeded Max retries HTTP 502 Bad
// Gateway, <body>"): no status, no RESTError (restapi.go,
// RequestWithLockedBucket).
var exceededRe = regexp.MustCompile(`^Exceeded Max retries HTTP (\d{3})`)

// wrapErr classifies an error of a discordgo REST call (the calls off the
// answer's path: history, channels, members, commands, deletes). It
// returns nil for nil. discordgo cannot tell whether a failed request was
// written, so a network error other than a refused connection is
// Uncertain.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		after := rl.RetryAfter
		if after <= 0 {
			after = time.Second
		}
		return &apiError{op: op, status: 429, message: "rate limited", class: bots.Transient, after: after}
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		status := 0
		header := func(string) string { return "" }
		if re.Response != nil {
			status = re.Response.StatusCode
			header = re.Response.Header.Get
		}
		return httpError(op, status, header, re.ResponseBody, serverErrorRetry)
	}
	if m := exceededRe.FindStringSubmatch(err.Error()); m != nil {
		status, _ := strconv.Atoi(m[1])
		body := strings.TrimPrefix(err.Error(), m[0])
		if i := strings.Index(body, ", "); i >= 0 {
			body = body[i+2:]
		}
		return httpError(op, status, func(string) string { return "" }, []byte(body), serverErrorRetry)
	}
	if errors.Is(err, discordgo.ErrJSONUnmarshal) {
		return &apiError{op: op, class: bots.Uncertain, after: serverErrorRetry,
			message: "the answer did not decode; the call may have taken effect"}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.Canceled) || errors.Is(ue.Err, context.DeadlineExceeded) {
			return &apiError{op: op, class: bots.Permanent, cause: ue.Err}
		}
		e := &apiError{op: op, class: bots.Uncertain, after: serverErrorRetry, cause: ue.Err,
			message: "the call may have taken effect"}
		if refusedBeforeSending(ue.Err) {
			e.class, e.message = bots.Transient, ""
		}
		return e
	}
	return &apiError{op: op, class: bots.Permanent, cause: err}
}

// serverErrorRetry is the pause before a discordgo call that failed with
// a 5xx is tried again (the answer's own calls use Options.RetryDelay).
const serverErrorRetry = time.Second

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

// Hooks receive adapter events for metrics (the same shape as
// slack.Hooks; cmd/mistralbot counts them). nil Options.Hooks means none.
// Implementations must be safe for concurrent use and return quickly.
type Hooks interface {
	// Event counts one gateway dispatch or HTTP interaction handled, by
	// type ("MESSAGE_CREATE", "INTERACTION_CREATE").
	Event(eventType string)
	// Deduped counts one redelivered event dropped.
	Deduped()
	// RateLimited counts one 429, by route ("PATCH
	// /channels/{id}/messages/{id}").
	RateLimited(route string)
	// APIError counts one other failed REST call, with Discord's error
	// code (or the HTTP status when there is none).
	APIError(route string, code int)
}

type noHooks struct{}

func (noHooks) Event(string)         {}
func (noHooks) Deduped()             {}
func (noHooks) RateLimited(string)   {}
func (noHooks) APIError(string, int) {}
