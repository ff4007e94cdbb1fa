package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Mistral's OCR API (Document AI): POST /v1/ocr with a model and a
// document, here a PDF inlined as a data: URL
// ({"type":"document_url","document_url":"data:application/pdf;base64,..."}),
// and optionally the 0-based page indexes to read; the answer has the
// markdown of each page read (pages[].markdown) and the pages billed
// (usage_info.pages_processed).
// https://docs.mistral.ai/capabilities/document/#tag/ocr/operation/ocr_v1_ocr_post
// (shape confirmed by https://docs.litellm.ai/docs/ocr, which follows
// Mistral's request and response).

// OCRModel is the model of OCR requests.
const OCRModel = "mistral-ocr-latest"

// OCRUSDPer1000Pages is the list price of mistral-ocr-latest (Mistral
// OCR 3, mistral-ocr-2512): $2 per 1,000 pages outside the batch API
// (https://mistral.ai/pricing; as listed at
// https://hardais.com/models/mistral/ocr). A usage record's cost.
const OCRUSDPer1000Pages = 2.0

// OCRResult is what the OCR API read.
type OCRResult struct {
	// Text is the markdown of the pages read, in order, separated by a
	// blank line.
	Text string
	// Pages is usage_info.pages_processed: the pages billed.
	Pages int
	// CostUSD is Pages at OCRUSDPer1000Pages.
	CostUSD float64
}

type ocrRequest struct {
	Model    string      `json:"model"`
	Document ocrDocument `json:"document"`
	Pages    []int       `json:"pages,omitempty"`
}

type ocrDocument struct {
	Type        string `json:"type"`
	DocumentURL string `json:"document_url"`
}

type ocrResponse struct {
	Pages []struct {
		Index    int    `json:"index"`
		Markdown string `json:"markdown"`
	} `json:"pages"`
	UsageInfo struct {
		PagesProcessed int `json:"pages_processed"`
	} `json:"usage_info"`
}

// OCRAvailable reports whether the provider has the OCR API: Mistral's
// only.
func (c *Client) OCRAvailable() bool { return c.opts.Dialect == Mistral }

// OCR reads the text of a PDF with Mistral's OCR API, at most maxPages
// pages (the first ones; 0: no bound). Failures before an answer are
// retried like a chat request's (connection errors, 408, 429, 5xx,
// honouring Retry-After, up to MaxRetries); errors are *Error, with the
// provider's text redacted.
func (c *Client) OCR(ctx context.Context, pdf []byte, maxPages int) (OCRResult, error) {
	if !c.OCRAvailable() {
		return OCRResult{}, &Error{Code: CodeInvalid, Model: OCRModel, Message: "OCR is available with the Mistral API only"}
	}
	req := ocrRequest{Model: OCRModel, Document: ocrDocument{
		Type: "document_url", DocumentURL: "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)}}
	for i := range maxPages {
		req.Pages = append(req.Pages, i)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return OCRResult{}, &Error{Code: CodeInvalid, Model: OCRModel, Message: "encode OCR request", Err: err}
	}
	b, status, e := c.callDoc(ctx, docCall{path: "/ocr", contentType: "application/json", body: body,
		model: OCRModel, what: "OCR", max: maxOCRBody})
	if e != nil {
		return OCRResult{}, e
	}
	var r ocrResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return OCRResult{}, &Error{Code: CodeUnavailable, Model: OCRModel, Status: status, Message: "malformed OCR response", Err: err}
	}
	texts := make([]string, 0, len(r.Pages))
	for _, p := range r.Pages {
		if t := strings.TrimSpace(p.Markdown); t != "" {
			texts = append(texts, t)
		}
	}
	pages := r.UsageInfo.PagesProcessed
	return OCRResult{Text: strings.Join(texts, "\n\n"), Pages: pages, CostUSD: float64(pages) * OCRUSDPer1000Pages / 1000}, nil
}

// maxOCRBody bounds an OCR answer: markdown of up to the page cap, well
// under this for any sane cap (images are not asked for).
const maxOCRBody = 32 << 20
