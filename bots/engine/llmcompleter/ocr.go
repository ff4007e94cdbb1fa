package llmcompleter

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/llm"
)

// OCR is bots.OCR over the client's Mistral OCR API.
type OCR struct {
	c    *llm.Client
	opts OCROptions
}

// OCROptions bound one document's read.
type OCROptions struct {
	// MaxPages is the pages read at most, the first ones
	// (bot.pdf_ocr_max_pages; 0: no bound).
	MaxPages int
	// MaxText is the bytes of text kept (bot.attachment_max_bytes; 0: all).
	MaxText int
}

var _ bots.OCR = (*OCR)(nil)

// NewOCR returns the OCR port over c.
func NewOCR(c *llm.Client, opts OCROptions) *OCR { return &OCR{c: c, opts: opts} }

// OCR implements bots.OCR.
func (o *OCR) OCR(ctx context.Context, pdf []byte) (bots.OCRText, error) {
	r, err := o.c.OCR(ctx, pdf, o.opts.MaxPages)
	if err != nil {
		return bots.OCRText{}, modelError(err)
	}
	out := bots.OCRText{Text: r.Text, Pages: r.Pages, CostUSD: r.CostUSD,
		Capped: o.opts.MaxPages > 0 && r.Pages >= o.opts.MaxPages}
	if n := o.opts.MaxText; n > 0 && len(out.Text) > n {
		out.Text, out.Truncated = strings.ToValidUTF8(out.Text[:n], ""), true
	}
	return out, nil
}
