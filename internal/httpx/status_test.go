package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusWriter(t *testing.T) {
	for _, c := range []struct {
		name string
		h    func(w http.ResponseWriter)
		want int
	}{
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot); w.WriteHeader(http.StatusOK) }, http.StatusTeapot},
		{"implicit 200", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		{"nothing written", func(http.ResponseWriter) {}, 0},
	} {
		rec := httptest.NewRecorder()
		sw := &StatusWriter{ResponseWriter: rec}
		c.h(sw)
		if sw.Status != c.want {
			t.Errorf("%s: Status %d, want %d", c.name, sw.Status, c.want)
		}
		if c.want != 0 && rec.Code != c.want {
			t.Errorf("%s: the response carried %d, want %d", c.name, rec.Code, c.want)
		}
	}
	if (&StatusWriter{ResponseWriter: httptest.NewRecorder()}).Unwrap() == nil {
		t.Error("Unwrap lost the ResponseWriter")
	}
}
