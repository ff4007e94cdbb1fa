package discordtest

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"mistralbot/internal/httpx"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, APIError{Code: code, Message: msg})
}

// writeFormError answers 400 / 50035 Invalid Form Body for one field.
func writeFormError(w http.ResponseWriter, field, code, msg string) {
	errs, _ := json.Marshal(map[string]any{field: map[string]any{"_errors": []map[string]string{{"code": code, "message": msg}}}})
	writeJSON(w, http.StatusBadRequest, APIError{Code: 50035, Message: "Invalid Form Body", Errors: errs})
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := trimVersion(r.URL.Path)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	rec := &httpx.StatusWriter{ResponseWriter: w}
	now := s.opts.Now()
	// Recorded before it is served, so that a test seeing its effect also
	// sees the request; the status is filled in at the end.
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, At: now})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.requests[idx].Status = rec.Status
		s.mu.Unlock()
	}()

	public := parts[0] == "webhooks" || parts[0] == "interactions"
	if !public && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
		writeError(rec, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}

	s.mu.Lock()
	if f := s.takeFault(r.Method, path); f != nil {
		s.mu.Unlock()
		if f.Kind.lets() {
			s.afterFault(w, rec, f, func(w http.ResponseWriter) { s.route(w, r, parts, body) })
		} else {
			s.serveFault(rec, f, now)
		}
		return
	}
	if s.archivedRefusal(r.Method, parts) {
		s.mu.Unlock()
		writeCodeError(rec, 50083, 0)
		return
	}
	if !globalExempt(parts) {
		if ok, after := s.globalTake(now); !ok {
			s.limited.global++
			s.mu.Unlock()
			tooManyGlobal(rec, after)
			return
		}
	}
	key, strict := bucketKey(r.Method, parts)
	b := s.limitFor(key, strict)
	if strict && s.faults.force429 > 0 {
		s.faults.force429--
		s.limited.bucket++
		after := s.faults.retryAfter
		b.headers(rec.Header(), now)
		s.mu.Unlock()
		tooMany(rec, after)
		return
	}
	ok, after := b.take(now)
	b.headers(rec.Header(), now)
	if !ok {
		s.limited.bucket++
		s.mu.Unlock()
		tooMany(rec, after)
		return
	}
	if f := s.injected(r.Method, path); f != nil {
		st, code, msg := f.status, f.code, f.message
		s.mu.Unlock()
		writeError(rec, st, code, msg)
		return
	}
	s.mu.Unlock()

	s.route(rec, r, parts, body)
}

// trimVersion removes "/api" and "/vN" from a request path.
func trimVersion(p string) string {
	p = strings.TrimPrefix(p, "/api")
	if strings.HasPrefix(p, "/v") {
		if i := strings.IndexByte(p[1:], '/'); i > 0 {
			return p[i+1:]
		}
	}
	return p
}

// tooMany answers 429 the way Discord does.
func tooMany(w http.ResponseWriter, after time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
	w.Header().Set("X-RateLimit-Scope", "user")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": after.Seconds(), "global": false,
	})
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	m, n := r.Method, len(p)
	switch {
	case m == "GET" && n == 2 && p[0] == "users" && p[1] == "@me":
		writeJSON(w, 200, s.bot)
	case m == "POST" && n == 3 && p[0] == "users" && p[2] == "channels":
		s.createDM(w, body)
	case m == "GET" && n == 1 && p[0] == "gateway":
		writeJSON(w, 200, map[string]string{"url": s.GatewayURL()})
	case m == "GET" && n == 2 && p[0] == "gateway" && p[1] == "bot":
		writeJSON(w, 200, map[string]any{"url": s.GatewayURL(), "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
	case n >= 2 && p[0] == "channels":
		s.routeChannel(w, r, p, body)
	case m == "GET" && n == 4 && p[0] == "guilds" && p[2] == "members":
		s.mu.Lock()
		mem := s.members[p[1]][p[3]]
		var out Member
		if mem != nil {
			out = *mem
		}
		s.mu.Unlock()
		if mem == nil {
			writeError(w, 404, 10007, "Unknown Member")
			return
		}
		writeJSON(w, 200, out)
	case n == 4 && p[0] == "interactions" && p[3] == "callback" && m == "POST":
		s.callback(w, p[1], p[2], body)
	case p[0] == "webhooks" && n >= 3:
		s.routeWebhook(w, r, p, body)
	case p[0] == "applications" && (n == 3 && p[2] == "commands" || n == 5 && p[2] == "guilds" && p[4] == "commands"):
		key := p[1]
		if n == 5 {
			key += "/" + p[3]
		}
		s.commandsRoute(w, m, key, p, body)
	default:
		writeError(w, 404, 0, "404: Not Found")
	}
}

func (s *Server) routeChannel(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	m, n, cid := r.Method, len(p), p[1]
	s.mu.Lock()
	ch, ok := s.channels[cid]
	var c Channel
	if ok {
		c = *ch
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, 10003, "Unknown Channel")
		return
	}
	switch {
	case m == "GET" && n == 2:
		writeJSON(w, 200, c)
	case m == "POST" && n == 3 && p[2] == "typing":
		w.WriteHeader(http.StatusNoContent)
	case m == "GET" && n == 3 && p[2] == "messages":
		s.listMessages(w, r, cid)
	case m == "POST" && n == 3 && p[2] == "messages":
		s.createMessage(w, c, body)
	case m == "GET" && n == 4 && p[2] == "messages":
		s.mu.Lock()
		msg := s.findMessage(cid, p[3])
		var out Message
		if msg != nil {
			out = *msg
		}
		s.mu.Unlock()
		if msg == nil {
			writeError(w, 404, 10008, "Unknown Message")
			return
		}
		writeJSON(w, 200, out)
	case m == "PATCH" && n == 4 && p[2] == "messages":
		s.editMessage(w, cid, p[3], body)
	case m == "DELETE" && n == 4 && p[2] == "messages":
		s.deleteMessage(w, cid, p[3])
	case m == "POST" && n == 5 && p[2] == "messages" && p[4] == "threads":
		s.startThread(w, c, p[3], body)
	default:
		writeError(w, 404, 0, "404: Not Found")
	}
}

func (s *Server) createDM(w http.ResponseWriter, body []byte) {
	var in struct {
		RecipientID string `json:"recipient_id"`
	}
	if json.Unmarshal(body, &in) != nil || in.RecipientID == "" {
		writeFormError(w, "recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
		return
	}
	s.mu.Lock()
	id, ok := s.dms[in.RecipientID]
	if !ok {
		id = s.ids.id()
		s.dms[in.RecipientID] = id
		s.channels[id] = &Channel{ID: id, Type: DM, Recipients: []User{{ID: in.RecipientID}}}
	}
	out := *s.channels[id]
	s.mu.Unlock()
	writeJSON(w, 200, out)
}

// DMChannel returns the DM channel of a user, creating it.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dms[userID]
	if !ok {
		id = s.ids.id()
		s.dms[userID] = id
		s.channels[id] = &Channel{ID: id, Type: DM, Recipients: []User{{ID: userID}}}
	}
	return id
}
