package config

import (
	"strings"
	"testing"
)

// TestValidateOCR: OCR needs the Mistral provider, and the page cap a
// sane bound; the defaults are off and 20 pages.
func TestValidateOCR(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-test"})
	if c.Bot.PDFOCR || c.Bot.PDFOCRMaxPages != 20 {
		t.Fatalf("defaults: pdf_ocr %v, pdf_ocr_max_pages %d", c.Bot.PDFOCR, c.Bot.PDFOCRMaxPages)
	}
	c = mustLoad(t, "bot: {pdf_ocr: true, pdf_ocr_max_pages: 0}\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-test"})
	problems := strings.Join(problemsOf(t, c.Validate()), "\n")
	for _, want := range []string{"bot.pdf_ocr: needs llm.provider mistral", "bot.pdf_ocr_max_pages: must be 1 to 1000"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %q lack %q", problems, want)
		}
	}
	c = mustLoad(t, "llm: {provider: mistral}\nbot: {pdf_ocr: true}\n", map[string]string{"MISTRAL_API_KEY": "test-key-123"})
	if err := c.Validate(); err != nil {
		t.Fatalf("OCR with mistral: %v", err)
	}
}
