package fakeslack

import (
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// FaultKind is how one Web API call fails.
type FaultKind int

// The faults the fake can serve, as the real Slack (or the network in
// front of it) serves them.
const (
	// HTML: Slack's edge answers Status (default 502) with an HTML page;
	// the method does not run.
	HTML FaultKind = iota + 1
	// RateLimit: 429, Retry-After in whole seconds, {"ok":false,"error":
	// "ratelimited"}; the method does not run.
	RateLimit
	// ErrorCode: HTTP 200 with {"ok":false,"error":Code} and the extra
	// fields Slack adds for that code; the method does not run.
	ErrorCode
	// Refuse: the connection is refused before the request is written
	// (served by Transport; the request never reaches the fake).
	Refuse
	// ResetAfter: the method runs (the call takes effect), then the
	// connection is closed without an answer.
	ResetAfter
	// Garbled: the method runs, then HTTP 200 with a body that is not
	// JSON (cut short), as from a broken proxy.
	Garbled
	// Stall: the method runs, then no answer until the client gives up.
	Stall
)

// Fault is one failure of a Web API call.
type Fault struct {
	Kind FaultKind
	// Status of an HTML fault (default 502).
	Status int
	// Code of an ErrorCode fault ("not_in_channel", ...).
	Code string
	// RetryAfter of a RateLimit fault (rounded up to whole seconds, at
	// least 1).
	RetryAfter time.Duration
}

type queuedFault struct {
	method string // "" = any method
	left   int
	f      Fault
}

// FailNext makes the next n calls of method ("" for every method) fail
// with f. Faults queue in order: the first one with calls left applies.
func (s *Server) FailNext(method string, n int, f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, queuedFault{method: method, left: n, f: f})
	s.mu.Unlock()
}

// Faulted returns how many injected faults were served.
func (s *Server) Faulted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultsServed
}

// takeFault returns the fault for this call of method, if any, with
// before telling whether it replaces the method (else it follows it).
func (s *Server) takeFault(method string, refuse bool) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		q := &s.faults[i]
		if q.left > 0 && (q.method == "" || q.method == method) {
			if (q.f.Kind == Refuse) != refuse {
				return Fault{}, false
			}
			q.left--
			s.faultsServed++
			return q.f, true
		}
	}
	return Fault{}, false
}

// edgePage is what Slack's edge serves when the API behind it is down.
const edgePage = "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n" +
	"<h1>Slack is having some trouble</h1>\n<p>Our servers are experiencing problems. Please try again.</p>\n" +
	"</body>\n</html>\n"

// serveFaultBefore answers a fault that replaces the method; false when f
// runs after it.
func serveFaultBefore(w http.ResponseWriter, f Fault) bool {
	switch f.Kind {
	case HTML:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, edgePage)
		return true
	case RateLimit, ErrorCode:
		res := tooMany(f.RetryAfter)
		if f.Kind == ErrorCode {
			res = fail(f.Code)
		}
		writeResult(w, res)
		return true
	}
	return false
}

// serveFaultAfter breaks the answer of a method that already ran.
func serveFaultAfter(w http.ResponseWriter, r *http.Request, f Fault) {
	switch f.Kind {
	case ResetAfter:
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	case Garbled:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0`)
	case Stall:
		<-r.Context().Done()
	}
}

// Transport returns a RoundTripper for the fake's Web API that serves
// Refuse faults (the dial fails, nothing is written) and sends every
// other request through base (nil: the fake's own client transport).
func (s *Server) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = s.Client().Transport
	}
	return refusingTransport{s: s, base: base}
}

type refusingTransport struct {
	s    *Server
	base http.RoundTripper
}

func (t refusingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if method, isAPI := apiMethod(r.URL.Path); isAPI {
		if _, refused := t.s.takeFault(method, true); refused {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
	}
	return t.base.RoundTrip(r)
}

func apiMethod(path string) (string, bool) {
	const prefix = "/api/"
	if len(path) > len(prefix) && path[:len(prefix)] == prefix {
		return path[len(prefix):], true
	}
	return "", false
}
