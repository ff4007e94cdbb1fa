// Package httpx holds the small net/http helpers more than one package
// of the bot needs.
package httpx

import "net/http"

// StatusWriter is a ResponseWriter that remembers the status of the
// response: the first WriteHeader, or 200 for a Write without one (what
// net/http sends then). The server counts refused requests by it; the
// fakes record what they answered.
type StatusWriter struct {
	http.ResponseWriter
	// Status is 0 until the handler wrote something.
	Status int
}

// WriteHeader implements http.ResponseWriter.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
