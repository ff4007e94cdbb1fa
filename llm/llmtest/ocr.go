package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The Mistral dialect's POST /v1/ocr (Document AI), in the shape of
// https://docs.mistral.ai/capabilities/document/#tag/ocr/operation/ocr_v1_ocr_post:
// a model, a document ({"type":"document_url","document_url":...} or
// {"type":"image_url","image_url":...}) and optional 0-based page
// indexes; the answer has pages[] (index, markdown, images, dimensions),
// the model, and usage_info (pages_processed, doc_size_bytes). Fields the
// API does not know get its 422.

// OCRScenario is a scripted answer of POST /v1/ocr.
type OCRScenario struct {
	// Status, when set, is an error answered in the dialect's envelope
	// (429 with RetryAfter, 500, 401...).
	Status     int
	RetryAfter string
	// Times is how many requests it answers (default 1).
	Times int
}

// ScriptOCR queues OCR answers; requests nothing is queued for get the
// pages of Options.OCRPages.
func (s *Server) ScriptOCR(scs ...OCRScenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scs {
		for range max(sc.Times, 1) {
			s.ocr = append(s.ocr, sc)
		}
	}
}

// OCRRequests returns the POST /v1/ocr requests received so far.
func (s *Server) OCRRequests() []RecordedRequest {
	var out []RecordedRequest
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/ocr") {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) takeOCR() (OCRScenario, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ocr) == 0 {
		return OCRScenario{}, false
	}
	sc := s.ocr[0]
	s.ocr = s.ocr[1:]
	return sc, true
}

// ocrAccepts reports the fields of an OCR request.
func ocrAccepts(field string) bool {
	switch field {
	case "model", "id", "document", "pages", "include_image_base64", "image_limit", "image_min_size",
		"bbox_annotation_format", "document_annotation_format", "table_format", "extract_header", "extract_footer":
		return true
	}
	return false
}

func (s *Server) serveOCR(w http.ResponseWriter, body []byte) {
	if extra := mistralExtra(body, ocrAccepts); extra != "" {
		writeJSON(w, http.StatusUnprocessableEntity, extra, "")
		return
	}
	var req struct {
		Model    string `json:"model"`
		Document *struct {
			Type        string `json:"type"`
			DocumentURL string `json:"document_url"`
			ImageURL    string `json:"image_url"`
		} `json:"document"`
		Pages []int `json:"pages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error(), "", "")
		return
	}
	if req.Document == nil || req.Model == "" {
		field := "document"
		if req.Model == "" {
			field = "model"
		}
		writeJSON(w, http.StatusUnprocessableEntity, `{"object":"error","message":{"detail":[{"type":"missing","loc":["body",`+q(field)+`],"msg":"Field required","input":null}]},"type":"invalid_request_error","param":null,"code":null}`, "")
		return
	}
	if req.Document.Type != "document_url" && req.Document.Type != "image_url" {
		s.writeError(w, http.StatusBadRequest, "document type must be document_url or image_url", "", "")
		return
	}
	if sc, ok := s.takeOCR(); ok && sc.Status != 0 {
		s.writeError(w, sc.Status, "", "", sc.RetryAfter)
		return
	}
	writeJSON(w, http.StatusOK, s.ocrAnswer(req.Model, req.Pages, len(body)), "")
}

// ocrAnswer is the OCR response for the pages asked (all when none).
func (s *Server) ocrAnswer(model string, want []int, size int) string {
	pages := s.opts.OCRPages
	if pages == nil {
		pages = []string{"OCR page 1."}
	}
	if want == nil {
		for i := range pages {
			want = append(want, i)
		}
	}
	var parts []string
	for _, i := range want {
		if i < 0 || i >= len(pages) {
			continue
		}
		parts = append(parts, fmt.Sprintf(`{"index":%d,"markdown":%s,"images":[],"dimensions":{"dpi":200,"height":2200,"width":1700}}`, i, q(pages[i])))
	}
	if model == "mistral-ocr-latest" {
		model = "mistral-ocr-2512"
	}
	return fmt.Sprintf(`{"pages":[%s],"model":%s,"document_annotation":null,"usage_info":{"pages_processed":%d,"doc_size_bytes":%d}}`,
		strings.Join(parts, ","), q(model), len(parts), size)
}
