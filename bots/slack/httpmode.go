package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
)

// maxBodyBytes bounds a request body from Slack.
const maxBodyBytes = 1 << 20

// handlerTimeout bounds the work one event, command or interaction starts
// before handing off to the Engine (user lookups, file downloads, the
// question post).
const handlerTimeout = 2 * time.Minute

// Handler serves Slack's HTTP requests (mode http) at /slack/events,
// /slack/commands and /slack/interactions. Every request is verified
// with the signing secret on its raw body (v0 signature, five-minute
// window) before anything is parsed: a bad signature or stale timestamp
// gets 401 and nothing is processed; a malformed body 400. The answer goes
// out at once (Slack wants one within 3 s) and the work continues on
// goroutines that Run waits for.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/events", a.serveEvents)
	mux.HandleFunc("POST /slack/commands", a.serveCommands)
	mux.HandleFunc("POST /slack/interactions", a.serveInteractions)
	return mux
}

// verified reads and verifies the body; it answers the request itself
// and returns nil when the request must not be processed.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) []byte {
	if a.opts.Mode != ModeHTTP {
		http.Error(w, "slack events over http are disabled (slack.mode is socket)", http.StatusNotFound)
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil
	}
	sv, err := slackgo.NewSecretsVerifier(r.Header, a.opts.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		a.hooks.Event("unauthorized")
		a.log.WarnContext(r.Context(), "slack request refused: signature check failed (wrong slack.signing_secret, or a stale or forged request)",
			"path", r.URL.Path, "remote", r.RemoteAddr, "reason", verifyReason(err))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil
	}
	return body
}

func verifyReason(err error) string {
	switch {
	case errors.Is(err, slackgo.ErrExpiredTimestamp):
		return "timestamp outside the 5-minute window"
	case errors.Is(err, slackgo.ErrMissingHeaders):
		return "missing signature headers"
	case errors.Is(err, slackgo.ErrInvalidSignature):
		return "signature mismatch"
	}
	return "malformed signature headers"
}

// notReady answers 503 (Slack retries) before Run has learned who the bot
// is.
func (a *Adapter) notReady(w http.ResponseWriter) bool {
	if a.ready.Load() {
		return false
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
	return true
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body := a.verified(w, r)
	if body == nil {
		return
	}
	env, ev, err := parseEvents(body)
	if err != nil {
		http.Error(w, "malformed event payload", http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
		return
	}
	if a.notReady(w) {
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.DebugContext(r.Context(), "event redelivered", "attempt", n, "reason", r.Header.Get("X-Slack-Retry-Reason"), "event_id", env.EventID)
	}
	if err := a.acceptParsed(env, ev); err != nil {
		refuse(w, err, "event")
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	body := a.verified(w, r)
	if body == nil || a.notReady(w) {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err == nil {
		err = a.acceptCommand(form)
	}
	if err != nil {
		refuse(w, err, "command")
		return
	}
	// An empty 200 acknowledges without a visible message; the answer
	// follows through the response_url or the thread.
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveInteractions(w http.ResponseWriter, r *http.Request) {
	body := a.verified(w, r)
	if body == nil || a.notReady(w) {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err == nil {
		err = a.acceptInteraction([]byte(form.Get("payload")))
	}
	if err != nil {
		refuse(w, err, "interaction")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// acceptEvents parses an Events API body and starts handling it; errors
// mean the payload is malformed or the adapter is stopping.
func (a *Adapter) acceptEvents(body []byte) error {
	env, ev, err := parseEvents(body)
	if err != nil {
		return err
	}
	return a.acceptParsed(env, ev)
}

// acceptParsed starts handling a parsed body on an adapter-owned
// goroutine.
func (a *Adapter) acceptParsed(env eventsBody, ev innerEvent) error {
	switch env.Type {
	case "app_rate_limited":
		a.log.Warn("slack is dropping events for this app: over 30,000 events per hour in a workspace", "team", env.TeamID)
		return nil
	case "url_verification":
		return nil
	}
	if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleEvent(ctx, env, ev) }) {
		return errNotRunning
	}
	return nil
}

// errNotRunning: a request arrived while the adapter is stopping.
var errNotRunning = errors.New("slack: adapter not running")

// refuse answers a request that could not be accepted: 503 while stopping
// (Slack retries), 400 for a malformed payload.
func refuse(w http.ResponseWriter, err error, what string) {
	if errors.Is(err, errNotRunning) {
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "malformed "+what+" payload", http.StatusBadRequest)
}

// formValues turns a Socket Mode JSON payload object into form values.
func formValues(fields map[string]any) url.Values {
	v := url.Values{}
	for k, f := range fields {
		switch f := f.(type) {
		case string:
			v.Set(k, f)
		case nil:
		default:
			b, _ := json.Marshal(f)
			v.Set(k, string(b))
		}
	}
	return v
}
