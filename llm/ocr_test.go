package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// TestOCRSendsThePDFAndReadsThePages: the request has Mistral's shape
// (the PDF as a data: URL, the page cap as indexes) and the answer's
// markdown and pages come back with their cost.
func TestOCRSendsThePDFAndReadsThePages(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral, APIKey: "secret-key-123",
		OCRPages: []string{"# Invoice 42", "Total: 99 EUR", "Page three"}}, Options{APIKey: "secret-key-123"})
	pdf := []byte("%PDF-1.4 scanned")
	res, err := h.c.OCR(context.Background(), pdf, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "# Invoice 42\n\nTotal: 99 EUR" || res.Pages != 2 || res.CostUSD != 2*OCRUSDPer1000Pages/1000 {
		t.Fatalf("result %+v", res)
	}
	reqs := h.srv.OCRRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d OCR requests", len(reqs))
	}
	var sent struct {
		Model    string
		Document struct {
			Type        string `json:"type"`
			DocumentURL string `json:"document_url"`
		}
		Pages []int
	}
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil {
		t.Fatal(err)
	}
	want := "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)
	if sent.Model != OCRModel || sent.Document.Type != "document_url" || sent.Document.DocumentURL != want ||
		len(sent.Pages) != 2 || sent.Pages[0] != 0 || sent.Pages[1] != 1 {
		t.Fatalf("sent %s", reqs[0].Body)
	}
	if reqs[0].Path != "/v1/ocr" || reqs[0].Header.Get("Authorization") != "Bearer secret-key-123" {
		t.Fatalf("path %s, auth %q", reqs[0].Path, reqs[0].Header.Get("Authorization"))
	}
}

// TestOCRRetriesA429: a 429 with Retry-After is waited out, then read.
func TestOCRRetriesA429(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{})
	h.srv.ScriptOCR(llmtest.OCRScenario{Status: 429, RetryAfter: "2"})
	res, err := h.c.OCR(context.Background(), []byte("%PDF"), 0)
	if err != nil || res.Text != "OCR page 1." || res.Pages != 1 {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if s := h.recordedSleeps(); len(s) != 1 || s[0] != 2*time.Second {
		t.Fatalf("sleeps %v", s)
	}
}

// TestOCRErrorsAreTyped: 401, 5xx after the retries, a refusal of the
// provider, all *Error with their code and the key redacted.
func TestOCRErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   Code
	}{{401, CodeAuth}, {500, CodeUnavailable}, {429, CodeRateLimited}} {
		h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{MaxRetries: 1})
		h.srv.ScriptOCR(llmtest.OCRScenario{Status: tc.status, Times: 2})
		_, err := h.c.OCR(context.Background(), []byte("%PDF"), 1)
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Status != tc.status || e.Model != OCRModel {
			t.Errorf("%d: err %v", tc.status, err)
		}
	}
}

// TestOCROnlyOnMistral: other providers have no OCR API; nothing is sent.
func TestOCROnlyOnMistral(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, Options{})
	if h.c.OCRAvailable() {
		t.Fatal("OCR available on OpenRouter")
	}
	if _, err := h.c.OCR(context.Background(), []byte("%PDF"), 1); ErrorCode(err) != CodeInvalid {
		t.Fatalf("err %v", err)
	}
	if n := len(h.srv.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// TestOCRFakeRefusesUnknownFields: the fake answers Mistral's 422 to a
// field the OCR API does not take, as the client's tests rely on.
func TestOCRFakeRefusesUnknownFields(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{})
	c := h.c
	err := func() error {
		body := `{"model":"mistral-ocr-latest","document":{"type":"document_url","document_url":"data:application/pdf;base64,JVBERg=="},"stream":true}`
		_, _, e := c.docOnce(context.Background(), docCall{path: "/ocr", contentType: "application/json", body: []byte(body), model: OCRModel, what: "OCR", max: maxOCRBody})
		if e == nil {
			return nil
		}
		return e
	}()
	var e *Error
	if !errors.As(err, &e) || e.Status != 422 || !strings.Contains(e.Message, "Extra inputs are not permitted") {
		t.Fatalf("err %v", err)
	}
}
