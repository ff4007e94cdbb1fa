package main

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"mistralbot/internal/httpx"
)

// Timeouts of the HTTP servers. Slack wants an answer to every delivery
// within 3 s and Discord to every interaction within 3 s
// (https://docs.slack.dev/apis/events-api/#responding,
// https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction),
// and both send small bodies from data centres: a client slower than these
// is broken or hostile, and the handlers hand the work off at once.
const (
	readHeaderTimeout = 5 * time.Second  // request line and headers
	readTimeout       = 10 * time.Second // headers and the whole body
	writeTimeout      = 10 * time.Second // one response (set per request, see guard)
	idleTimeout       = 60 * time.Second // a keep-alive connection between requests
	maxHeaderBytes    = 64 << 10         // Go's default is 1 MB
)

// Body limits by route. Slack truncates a message's text beyond 40,000
// characters (https://api.slack.com/changelog/2018-04-truncating-really-long-messages);
// escaped in JSON (up to 6 bytes a character) and form-encoded again for
// interactions, an event or shortcut payload stays well under 1 MiB, the
// limit the adapter applies too. A Discord message holds at most 2,000
// characters (4,000 with Nitro) and 6,000 in all its embeds
// (https://discord.com/developers/docs/resources/message#create-message,
// https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
// an interaction resolving one message stays well under 256 KiB. Operational
// endpoints take no body.
const (
	slackBodyLimit   = 1 << 20
	discordBodyLimit = 256 << 10
	opsBodyLimit     = 4 << 10
)

// route is one endpoint the guard knows: its metrics label and body limit.
type route struct {
	name      string
	bodyLimit int64
	// writeTimeout replaces the default; pprof profiles and traces stream
	// for as long as they were asked to run.
	writeTimeout func(*http.Request) time.Duration
}

// routeOf names the endpoint of a path, with a bounded set of labels.
func routeOf(path string) route {
	switch path {
	case "/slack/events", "/slack/commands", "/slack/interactions":
		return route{name: path, bodyLimit: slackBodyLimit}
	case "/discord/interactions":
		return route{name: path, bodyLimit: discordBodyLimit}
	case "/healthz", "/readyz", "/metrics":
		return route{name: path, bodyLimit: opsBodyLimit}
	}
	if strings.HasPrefix(path, "/debug/pprof/") {
		return route{name: "/debug/pprof/", bodyLimit: opsBodyLimit, writeTimeout: pprofWriteTimeout}
	}
	if strings.HasPrefix(path, "/slack/") {
		return route{name: "/slack/other", bodyLimit: opsBodyLimit}
	}
	return route{name: "other", bodyLimit: opsBodyLimit}
}

// pprofWriteTimeout leaves a profile or trace its ?seconds= (30 s by
// default) and a margin.
func pprofWriteTimeout(r *http.Request) time.Duration {
	sec, err := strconv.Atoi(r.URL.Query().Get("seconds"))
	if err != nil || sec <= 0 {
		sec = 30
	}
	return time.Duration(min(sec, 600))*time.Second + writeTimeout
}

// rejectCounter counts requests answered with a 4xx status.
type rejectCounter interface {
	Rejected(route, code string)
}

// guard applies the per-route body limit and write deadline, refuses a
// declared body over the limit before reading it, and counts every 4xx
// answer (bad signature, too large, malformed) by route: the adapters' log
// lines about them are rate-limited (see logSampler), this count is whole.
func guard(next http.Handler, rejected rejectCounter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r.URL.Path)
		wt := writeTimeout
		if rt.writeTimeout != nil {
			wt = rt.writeTimeout(r)
		}
		// The server's own WriteTimeout would cut pprof's long answers;
		// the deadline is set per request instead.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wt))
		sw := &httpx.StatusWriter{ResponseWriter: w}
		defer func() {
			if sw.Status >= 400 && sw.Status < 500 {
				rejected.Rejected(rt.name, strconv.Itoa(sw.Status))
			}
		}()
		if r.ContentLength > rt.bodyLimit {
			// Answer at once and close: reading 100 MB to refuse it
			// would hold the connection for nothing.
			w.Header().Set("Connection", "close")
			http.Error(sw, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		// The server's own writer: MaxBytesReader tells it to close the
		// connection once the limit is hit, rather than read on.
		r.Body = http.MaxBytesReader(w, r.Body, rt.bodyLimit)
		next.ServeHTTP(sw, r)
	})
}

// newServer is an http.Server with the timeouts above.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
