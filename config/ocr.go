package config

// validateOCR checks bot.pdf_ocr: Mistral's OCR API
// (https://docs.mistral.ai/capabilities/document/) exists on Mistral's
// API only, so OCR with another provider is a mistake to say at start,
// not a silent no-op; the page cap bounds each document's cost.
func (c *Config) validateOCR(p *problems) {
	b := &c.Bot
	if b.PDFOCRMaxPages < 1 || b.PDFOCRMaxPages > 1000 {
		// 1000: the OCR API's page limit per document ("50MB/1000 pages",
		// https://raw.githubusercontent.com/icereed/paperless-gpt/HEAD/docs/mistral_llm.md).
		p.add("bot.pdf_ocr_max_pages", "must be 1 to 1000, got %d", b.PDFOCRMaxPages)
	}
	if b.PDFOCR && c.LLM.Provider != ProviderMistral {
		p.add("bot.pdf_ocr", "needs llm.provider mistral (the OCR API is Mistral's), got %q", c.LLM.Provider)
	}
}
