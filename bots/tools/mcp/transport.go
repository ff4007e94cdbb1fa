package mcp

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// passedEnv are the variables of the bot's environment a stdio server
// gets: enough to find programs and run in the right locale, and none of
// the bot's secrets (MISTRALBOT_*, SLACK_BOT_TOKEN, ...), which a third-
// party server has no business reading.
var passedEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT"}

func (s *Server) transport() (sdk.Transport, error) {
	if s.cfg.URL != "" {
		hc := *s.opts.HTTPClient
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &headerTransport{base: base, headers: s.cfg.Headers}
		return &sdk.StreamableClientTransport{Endpoint: s.cfg.URL, HTTPClient: &hc}, nil
	}
	cmd := exec.Command(s.cfg.Command[0], s.cfg.Command[1:]...)
	cmd.Env = childEnv(os.LookupEnv, s.cfg.Env)
	cmd.Stderr = &lineLog{log: s.log}
	return &sdk.CommandTransport{Command: cmd, TerminateDuration: s.opts.TerminateGrace}, nil
}

// childEnv is the environment of a stdio server.
func childEnv(lookup func(string) (string, bool), extra map[string]string) []string {
	var env []string
	for _, name := range passedEnv {
		if _, set := extra[name]; set {
			continue
		}
		if v, ok := lookup(name); ok {
			env = append(env, name+"="+v)
		}
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		env = append(env, name+"="+extra[name])
	}
	return env
}

// headerTransport adds the configured headers to every request of a
// streamable HTTP server.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(t.headers) == 0 {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	for name, v := range t.headers {
		req.Header.Set(name, v)
	}
	return t.base.RoundTrip(req)
}

// lineLog writes a stdio server's stderr to the log, a line at a time, a
// line cut at 4 KiB so a server cannot flood one log record.
type lineLog struct {
	log     *slog.Logger
	partial []byte
}

const maxLogLine = 4 << 10

func (l *lineLog) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := maxLogLine - len(l.partial)
		i := indexNL(p)
		switch {
		case i >= 0 && i <= room:
			l.partial = append(l.partial, p[:i]...)
			l.flush()
			p = p[i+1:]
		case len(p) >= room: // a line longer than maxLogLine: log it in pieces
			l.partial = append(l.partial, p[:room]...)
			l.flush()
			p = p[room:]
		default:
			l.partial = append(l.partial, p...)
			p = nil
		}
	}
	return n, nil
}

func (l *lineLog) flush() {
	if len(l.partial) > 0 {
		l.log.Info("mcp: server stderr", "line", string(l.partial))
	}
	l.partial = l.partial[:0]
}

func indexNL(p []byte) int {
	for i, c := range p {
		if c == '\n' {
			return i
		}
	}
	return -1
}

var (
	_ io.Writer         = (*lineLog)(nil)
	_ http.RoundTripper = (*headerTransport)(nil)
)
