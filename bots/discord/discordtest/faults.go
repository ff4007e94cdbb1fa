package discordtest

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// FaultKind is how the fake fails a request (Inject).
type FaultKind int

const (
	// FaultError answers Discord's JSON error for Fault.Code, with the
	// status and message Discord uses for it (Errors lists them; 50035
	// comes with its nested "errors" object). Fault.Status overrides the
	// status.
	FaultError FaultKind = iota
	// FaultHTML answers Fault.Status (default 502) with the HTML page
	// Discord's edge (Cloudflare) serves, not JSON.
	FaultHTML
	// Fault429 answers 429 the way Discord does: Retry-After (whole
	// seconds, rounded up), X-RateLimit-* headers, X-RateLimit-Scope, and
	// JSON retry_after (to the millisecond) and global. Fault.Global makes
	// it the global limit (X-RateLimit-Global: true, no route headers).
	Fault429
	// FaultBreakAfter serves the request (it takes effect: a message is
	// created or edited), then closes the connection without an answer.
	FaultBreakAfter
	// FaultGarbled serves the request (it takes effect), then answers its
	// 2xx with a body that is cut off mid-JSON.
	FaultGarbled
	// FaultMistyped serves the request (it takes effect), then answers its
	// 2xx with the JSON where fields the bot does not need have the wrong
	// type (author.public_flags a string, flags an object).
	FaultMistyped
)

// Fault is one failure the fake serves (Inject).
type Fault struct {
	// Method matches the request method ("" = any).
	Method string
	// Path matches the request path without /api/vN: exactly, or as a
	// prefix when it ends with "*" ("/channels/1/messages/*"; "*" alone
	// matches every route, e.g. a 429 on every call).
	Path string
	Kind FaultKind
	// Code is Discord's JSON error code (FaultError).
	Code int
	// Status is the HTTP status (FaultError: overrides the code's;
	// FaultHTML: default 502).
	Status int
	// RetryAfter is the pause a Fault429 asks for (default 1 s); Global
	// makes it the global limit.
	RetryAfter time.Duration
	Global     bool
	// N is how many matching requests fail (0 = 1; negative = all).
	N int
}

// errorCodes are Discord's JSON errors as it sends them: the status, and
// the message (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
var errorCodes = map[int]struct {
	status  int
	message string
}{
	10003:  {404, "Unknown Channel"},
	10008:  {404, "Unknown Message"},
	10015:  {404, "Unknown Webhook"},
	10062:  {404, "Unknown interaction"},
	30046:  {400, "Maximum number of edits to messages older than 1 hour reached. Try again later"},
	40005:  {413, "Request entity too large"},
	50001:  {403, "Missing Access"},
	50006:  {400, "Cannot send an empty message"},
	50013:  {403, "Missing Permissions"},
	50027:  {401, "Invalid Webhook Token"},
	50035:  {400, "Invalid Form Body"},
	50083:  {400, "Thread is archived"},
	130000: {503, "API resource is currently overloaded. Try again a little later"},
	160002: {403, "Cannot reply without permission to read message history"},
	160005: {400, "Thread is locked"},
	160006: {400, "Maximum number of active threads reached"},
}

// ErrorCodes returns the Discord error codes FaultError knows.
func ErrorCodes() []int {
	out := make([]int, 0, len(errorCodes))
	for c := range errorCodes {
		out = append(out, c)
	}
	return out
}

// badGatewayPage is the HTML Discord's edge answers a 502 with.
const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"

// Inject makes the fake fail the requests f matches, before (or, for the
// kinds that let the request take effect, after) serving them. Faults
// are matched in the order injected.
func (s *Server) Inject(f Fault) {
	if f.N == 0 {
		f.N = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injectedFaults = append(s.injectedFaults, &f)
}

// Served returns how many requests Inject's faults have failed so far.
func (s *Server) Served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultsServed
}

// takeFault returns the injected fault for a request, counting it; the
// caller holds s.mu.
func (s *Server) takeFault(method, path string) *Fault {
	for _, f := range s.injectedFaults {
		if f.N == 0 || (f.Method != "" && f.Method != method) {
			continue
		}
		if p, prefix := strings.CutSuffix(f.Path, "*"); (prefix && strings.HasPrefix(path, p)) || (!prefix && path == f.Path) {
			if f.N > 0 {
				f.N--
			}
			s.faultsServed++
			return f
		}
	}
	return nil
}

// serveFault fails a request by f without serving it.
func (s *Server) serveFault(w http.ResponseWriter, f *Fault, now time.Time) {
	switch f.Kind {
	case FaultHTML:
		st := f.Status
		if st == 0 {
			st = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(st)
		_, _ = w.Write([]byte(badGatewayPage))
	case Fault429:
		after := f.RetryAfter
		if after <= 0 {
			after = time.Second
		}
		if f.Global {
			tooManyGlobal(w, after)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.BucketLimit))
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(now.Add(after).UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(after.Seconds(), 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fault0000")
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
		h.Set("X-RateLimit-Scope", "user")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{
			"message": "You are being rate limited.", "retry_after": math.Round(after.Seconds()*1000) / 1000, "global": false,
		})
	default:
		writeCodeError(w, f.Code, f.Status)
	}
}

// writeCodeError answers Discord's JSON error for code (status overrides
// the code's own when not 0).
func writeCodeError(w http.ResponseWriter, code, status int) {
	e, ok := errorCodes[code]
	switch {
	case code == 0:
		// A general error, e.g. a 500 with Discord's JSON.
		e = struct {
			status  int
			message string
		}{500, "500: Internal Server Error"}
	case !ok:
		e = errorCodes[50035]
		code = 50035
	}
	if status != 0 {
		e.status = status
	}
	body := APIError{Code: code, Message: e.message}
	if code == 50035 {
		body.Errors = json.RawMessage(`{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]},` +
			`"embeds":{"0":{"description":{"_errors":[{"code":"BASE_TYPE_REQUIRED","message":"This field is required"}]}}}}`)
	}
	writeJSON(w, e.status, body)
}

// afterFault serves r into a recorder, so that it takes effect, then
// answers as f says: no answer at all (the connection is closed), a body
// cut off, or mistyped fields.
func (s *Server) afterFault(raw, w http.ResponseWriter, f *Fault, serve func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	serve(rec)
	body := rec.Body.Bytes()
	switch f.Kind {
	case FaultBreakAfter:
		if hj, ok := raw.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultGarbled:
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
	case FaultMistyped:
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			m["flags"] = map[string]any{"unexpected": true}
			if a, ok := m["author"].(map[string]any); ok {
				a["public_flags"] = "not a number"
			}
			m["mentions"] = "none"
			body, _ = json.Marshal(m)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}
}

// lets reports whether a fault kind lets the request take effect first.
func (k FaultKind) lets() bool {
	return k == FaultBreakAfter || k == FaultGarbled || k == FaultMistyped
}

// ArchiveThread archives (or unarchives) a thread: while archived, a
// message posted or edited in it is refused with 50083, as Discord
// refuses operations on an archived thread.
func (s *Server) ArchiveThread(id string, archived bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.archived == nil {
		s.archived = map[string]bool{}
	}
	s.archived[id] = archived
}

// archivedRefusal reports whether a request writes a message in an
// archived thread; the caller holds s.mu.
func (s *Server) archivedRefusal(method string, parts []string) bool {
	return len(parts) >= 3 && parts[0] == "channels" && parts[2] == "messages" && s.archived[parts[1]] &&
		(method == http.MethodPost && len(parts) == 3 || method == http.MethodPatch && len(parts) == 4)
}

// RemoveMessage deletes a message as a moderator would, while the bot may
// be editing it: later edits get 10008 Unknown Message. It dispatches
// MESSAGE_DELETE and reports whether the message existed.
func (s *Server) RemoveMessage(channelID, id string) bool {
	s.mu.Lock()
	msgs := s.messages[channelID]
	found := false
	for i, m := range msgs {
		if m.ID == id {
			s.messages[channelID] = append(msgs[:i:i], msgs[i+1:]...)
			found = true
			break
		}
	}
	guild := ""
	if c := s.channels[channelID]; c != nil {
		guild = c.GuildID
	}
	s.mu.Unlock()
	if found {
		s.Dispatch("MESSAGE_DELETE", map[string]any{"id": id, "channel_id": channelID, "guild_id": guild})
	}
	return found
}
