package bots

import "context"

// OCR reads the text of a scanned PDF: a document whose pages are images,
// with no text layer (RefusedNoText with Attachment.Scan set). It is the
// Engine's optional port (engine.Options.OCR; nil: scanned PDFs get the
// no-text notice), implemented over Mistral's OCR API by
// bots/engine/llmcompleter. Errors are *ModelError.
type OCR interface {
	OCR(ctx context.Context, pdf []byte) (OCRText, error)
}

// OCRText is what an OCR read of one document gave.
type OCRText struct {
	// Text is the markdown of the pages read.
	Text string
	// Pages is the pages read and billed.
	Pages int
	// CostUSD is their price, added to the asker's usage.
	CostUSD float64
	// Truncated is true when Text was cut to the attachment size limit.
	Truncated bool
	// Capped is true when the page cap was reached: later pages, if any,
	// were not read.
	Capped bool
}
